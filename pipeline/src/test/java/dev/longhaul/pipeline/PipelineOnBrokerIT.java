/*
 * The production topology on a real in-process KRaft broker, under exactly_once_v2: a job submitted
 * in one producer transaction (chunks, then request) and a worker heartbeat for lane 1 come out as a
 * WorkOrder on partition 1 of `work`, read with read_committed.
 */
package dev.longhaul.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.schemas.DocumentChunk;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkOrder;
import dev.longhaul.schemas.WorkerHeartbeat;
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.IntegerDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

class PipelineOnBrokerIT {

    /** What a test does with the pipeline running on a fresh broker. */
    private interface OnBroker {
        void run(EmbeddedKafka kafka, Topics topics) throws Exception;
    }

    /** Runs `test` with a broker, the topics and the production topology under exactly_once_v2. */
    private static void withPipeline(PipelineConfig config, Topics topics, OnBroker test) throws Exception {
        withPipeline(config, topics, new StreamFailures(), test);
    }

    /** The same, with `failures` handling what escapes a stream thread (as PipelineRunner sets it). */
    private static void withPipeline(PipelineConfig config, Topics topics, StreamFailures failures, OnBroker test) throws Exception {
        Path stateDir = Files.createTempDirectory("longhaul-streams-");
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             Admin admin = Admin.create(kafka.clientConfig())) {
            TopicsAdmin.ensure(admin, topics, new TopicsAdmin.Layout(config.dispatch().lanes(), 2, (short) 1));
            try (KafkaStreams streams = new KafkaStreams(PipelineTopology.build(config, topics),
                    config.streamsProperties(kafka.bootstrapServers(), stateDir))) {
                streams.setUncaughtExceptionHandler(failures);
                streams.start();
                test.run(kafka, topics);
            }
        }
    }

    @Test
    void aTransactionalSubmissionBecomesAWorkOrderOnItsLanePartition() throws Exception {
        PipelineConfig config = PipelineDriver.CONFIG
                .withKafka(new PipelineConfig.Kafka("longhaul-pipeline-it", "longhaul.", 1, Duration.ofMillis(100)));
        withPipeline(config, Topics.of(new InMemorySchemaRegistry()), (kafka, topics) -> {
            var job = PipelineDriver.submission("job-it", "acme", PipelineDriver.text("job-it", 1200), 500, UUID.randomUUID().toString());
            submitInOneTransaction(kafka, topics, job);
            heartbeat(kafka, topics);

            List<ConsumerRecord<Integer, WorkOrder>> orders = readWork(kafka, topics, Duration.ofSeconds(90));
            assertEquals(1, orders.size(), "one order for the one job");
            ConsumerRecord<Integer, WorkOrder> order = orders.getFirst();
            assertEquals(1, order.partition());
            assertEquals(1, order.key());
            assertEquals(1, order.value().getLane());
            assertEquals("job-it", order.value().getRequest().getJobId());
            assertEquals(3, order.value().getChunks().getPositions().size());
            assertEquals(topics.documents.name(), order.value().getChunks().getTopic());
        });
    }

    @Test
    void aRegistryOutageReplacesTheStreamThreadAndTheJobIsPlannedOnceItEnds() throws Exception {
        PipelineConfig config = PipelineDriver.CONFIG
                .withKafka(new PipelineConfig.Kafka("longhaul-pipeline-outage", "outage.", 1, Duration.ofMillis(100)));
        FlakyRegistry registry = new FlakyRegistry(new InMemorySchemaRegistry());
        // given a registry that cannot answer the pipeline's first lookup of the request's schema
        registry.failFirst(dev.longhaul.schemas.JobRequest.class, 1);
        withPipeline(config, new Topics("outage.", registry), new StreamFailures(Duration.ofMillis(200)), (kafka, topics) -> {
            var job = PipelineDriver.submission("job-outage", "acme", PipelineDriver.text("job-outage", 600), 500, "s1");
            submitInOneTransaction(kafka, topics, job);
            // a worker alive all along (a heartbeat older than the lane timeout names no live lane)
            var beats = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
            beats.scheduleAtFixedRate(() -> heartbeat(kafka, topics), 0, 2, java.util.concurrent.TimeUnit.SECONDS);
            try {
                // then the stream thread that met the outage is replaced, and the job is planned once
                // (the new thread waits out the old one's session, 45 s, before it is given the task)
                List<ConsumerRecord<Integer, WorkOrder>> orders = readWork(kafka, topics, Duration.ofSeconds(150));
                assertEquals(1, orders.size(), "one order for the one job");
                assertEquals("job-outage", orders.getFirst().value().getRequest().getJobId());
            } finally {
                beats.shutdownNow();
            }
        });
    }

    @Test
    void aDocumentOfManyChunksReachesThePlansChangelogAFewTimesNotOncePerChunk() throws Exception {
        PipelineConfig config = PipelineDriver.CONFIG
                .withKafka(new PipelineConfig.Kafka("longhaul-pipeline-chunks", "chunks.", 1, Duration.ofSeconds(1)));
        int chunks = 2000;
        withPipeline(config, new Topics("chunks.", new InMemorySchemaRegistry()), (kafka, topics) -> {
            var job = PipelineDriver.submission("job-many", "acme", PipelineDriver.text("job-many", 50 * chunks), 50, "s1");
            assertEquals(chunks, job.chunks().size());
            submitInOneTransaction(kafka, topics, job);
            heartbeat(kafka, topics);
            assertEquals(chunks, readWork(kafka, topics, Duration.ofSeconds(120)).getFirst().value().getChunks().getPositions().size());
            // each save of the plan (one per chunk) went to the changelog whole, its positions
            // growing: quadratic bytes; cached, a commit interval's saves go once
            String changelog = config.kafka().applicationId() + "-" + dev.longhaul.pipeline.plan.JobPlanner.STORE + "-changelog";
            long writes = count(kafka, changelog, "job-many");
            assertTrue(writes >= 1 && writes < chunks / 20, writes + " changelog records for one job of " + chunks + " chunks");
        });
    }

    /** Records with `key` on every partition of `topic`, read to its end (read_committed). */
    private static long count(EmbeddedKafka kafka, String topic, String key) {
        Properties p = new Properties();
        p.putAll(kafka.clientConfig());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long n = 0;
        try (var consumer = new KafkaConsumer<>(p, new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var ends = consumer.endOffsets(partitions);
            long giveUpAt = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < giveUpAt) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    n += key.equals(r.key()) ? 1 : 0;
                }
            }
        }
        return n;
    }

    @Test
    void thePipelineRefusesJobKeyedTopicsWithDifferentPartitionCounts() throws Exception {
        Topics topics = new Topics("copart.", new InMemorySchemaRegistry());
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             Admin admin = Admin.create(kafka.clientConfig())) {
            TopicsAdmin.ensure(admin, topics, new TopicsAdmin.Layout(2, 2, (short) 1));
            admin.createPartitions(java.util.Map.of(topics.documents.name(), org.apache.kafka.clients.admin.NewPartitions.increaseTo(4)))
                    .all().get();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (TopicsAdmin.describe(admin, topics.documents.name(), Duration.ofSeconds(30)).partitions().size() != 4
                    && System.nanoTime() < deadline) {
                Thread.sleep(100); // the brokers' metadata learns of the new partitions
            }
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> TopicsAdmin.ensure(admin, topics, new TopicsAdmin.Layout(2, 2, (short) 1)));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(topics.documents.name() + "=4"), e.getMessage());
        }
    }

    /** Chunks, then the request, in one transaction, as the ingest client writes a job. */
    private static void submitInOneTransaction(EmbeddedKafka kafka, Topics topics, PipelineDriver.Submission job) {
        Properties p = new Properties();
        p.putAll(kafka.clientConfig());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "ingest-it");
        var chunks = topics.documents.values().serializer();
        var requests = topics.jobs.values().serializer();
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (DocumentChunk chunk : job.chunks()) {
                producer.send(new ProducerRecord<>(topics.documents.name(), chunk.getJobId(),
                        chunks.serialize(topics.documents.name(), chunk)));
            }
            producer.send(new ProducerRecord<>(topics.jobs.name(), job.request().getJobId(),
                    requests.serialize(topics.jobs.name(), job.request())));
            producer.commitTransaction();
        }
    }

    private static void heartbeat(EmbeddedKafka kafka, Topics topics) {
        Properties p = new Properties();
        p.putAll(kafka.clientConfig());
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), topics.workers.values().serializer())) {
            producer.send(new ProducerRecord<>(topics.workers.name(), "worker-1", WorkerHeartbeat.newBuilder()
                    .setWorkerId("worker-1").setBackend("cpu").setLanes(List.of(1)).setCapacityTokensPerSecond(100)
                    .setOutstandingCostTokens(0).setAt(Instant.now()).build()));
        }
    }

    /** Polls `work` read_committed until an order arrives or the patience runs out. */
    private static List<ConsumerRecord<Integer, WorkOrder>> readWork(EmbeddedKafka kafka, Topics topics, Duration patience) {
        Properties p = new Properties();
        p.putAll(kafka.clientConfig());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "work-reader-it");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<Integer, WorkOrder>> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(p, new IntegerDeserializer(), topics.work.values().deserializer())) {
            consumer.subscribe(List.of(topics.work.name()));
            long giveUpAt = System.nanoTime() + patience.toNanos();
            while (out.isEmpty() && System.nanoTime() < giveUpAt) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
            // one more poll: a second order for the same job would show up here
            consumer.poll(Duration.ofSeconds(1)).forEach(out::add);
        }
        assertTrue(!out.isEmpty(), "no WorkOrder on " + topics.work.name() + " within " + patience);
        return out;
    }
}
