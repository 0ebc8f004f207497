/*
 * Test fixture: the whole system in one JVM. A DevStack (embedded KRaft broker, Longhaul's schema
 * registry, the pipeline application), workers added and removed at will over a synthesized `xs`
 * model (the golden tiny shape with a long context), an ingest Submitter, and readers that see
 * exactly what a read_committed consumer sees, counting every record (a duplicate is never hidden).
 */
package dev.longhaul.integration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.longhaul.engine.checkpoint.DType;
import dev.longhaul.engine.synth.ModelSynth;
import dev.longhaul.engine.synth.SynthSpec;
import dev.longhaul.ingest.IngestConfig;
import dev.longhaul.ingest.Submitter;
import dev.longhaul.ops.stack.DevStack;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.pipeline.worker.Faults;
import dev.longhaul.pipeline.worker.LaneAssignment;
import dev.longhaul.pipeline.worker.Worker;
import dev.longhaul.pipeline.worker.WorkerConfig;
import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

final class Cluster implements AutoCloseable {
    private static Path model;

    final DevStack stack;
    final Topics topics;
    final Submitter submitter;
    private final List<Worker> workers = new ArrayList<>();
    private final WorkerConfig workerTemplate;

    Cluster(PipelineConfig pipeline, int contextTokens, int outputTokens) {
        this(DevStack.start(DevStack.Options.temporary(pipeline)), contextTokens, outputTokens);
    }

    /** Around a stack started elsewhere (e.g. on a container's broker); closing the cluster closes it. */
    Cluster(DevStack stack, int contextTokens, int outputTokens) {
        this.stack = stack;
        this.topics = stack.topics();
        this.submitter = new Submitter(IngestConfig.defaults(stack.bootstrapServers()).withNamespace(topics.namespace()),
                new RestSchemaRegistryClient(stack.registryUrl()));
        this.workerTemplate = WorkerConfig.defaults("template", stack.bootstrapServers(), model())
                .withNamespace(topics.namespace())
                .withEngine("cpu", 1)
                .withContext(contextTokens, Duration.ofMinutes(10))
                .withOutput(outputTokens);
    }

    /** A model with the golden tiny shape and a 1M-token context, synthesized once per test JVM. */
    static synchronized Path model() {
        if (model == null) {
            try {
                Path dir = Files.createTempDirectory("longhaul-it-model-");
                ModelSynth.write(dir, SynthSpec.of("xs", 7, DType.F32));
                model = dir;
                // Shared by every test class of this JVM, so it goes when the JVM does.
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "longhaul-it-model-cleanup"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return model;
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort at JVM exit: a leftover temp folder is all that can go wrong
        }
    }

    WorkerConfig workerConfig(String id) {
        WorkerConfig t = workerTemplate;
        return new WorkerConfig(id, t.bootstrapServers(), t.namespace(), t.modelDir(), t.backend(), t.threads(),
                t.contextTokens(), t.timeBudget(), t.maxOutputTokens(), t.prefillChunk(), t.batchSequences(), t.concurrentOrders(), t.heartbeatInterval(),
                Duration.ofSeconds(6), t.transactionTimeout(), t.clientOverrides());
    }

    Worker addWorker(String id) {
        return addWorker(workerConfig(id));
    }

    /** A worker configured otherwise than the template (e.g. a remote backend); closed with the cluster. */
    Worker addWorker(WorkerConfig config) {
        return addWorker(config, Faults.NONE);
    }

    /** A worker with a fault hook (a stall, say); closed with the cluster. */
    Worker addWorker(WorkerConfig config, Faults faults) {
        Worker w = new Worker(config, topics, LaneAssignment.group(), faults);
        workers.add(w);
        return w;
    }

    void removeWorker(Worker w) {
        workers.remove(w);
        w.close();
    }

    List<Worker> workers() {
        return List.copyOf(workers);
    }

    /**
     * Waits until each worker's latest heartbeat names at least one lane and no lane is named by
     * two of them: the group has settled, so a test that needs every worker to take part does not
     * start while one is still joining.
     */
    void awaitEveryWorkerHoldsALane(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, List<Integer>> lanes = latestLanes();
            List<Integer> all = lanes.values().stream().flatMap(List::stream).toList();
            boolean settled = workers.stream().allMatch(w -> !lanes.getOrDefault(w.id(), List.of()).isEmpty())
                    && all.size() == all.stream().distinct().count();
            if (settled) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("workers did not settle on lanes within " + timeout + ": " + lanes);
            }
            Thread.sleep(500);
        }
    }

    /** Worker id -> the lanes its latest heartbeat named. */
    Map<String, List<Integer>> latestLanes() {
        Map<String, List<Integer>> lanes = new java.util.TreeMap<>();
        for (ConsumerRecord<String, dev.longhaul.schemas.WorkerHeartbeat> r : committed(topics.workers)) {
            lanes.put(r.value().getWorkerId(), r.value().getLanes());
        }
        return lanes;
    }

    /** For an assertion message: each worker's orders done, lanes, and failure if its loop stopped. */
    String describeWorkers() {
        Map<String, List<Integer>> lanes = latestLanes();
        StringBuilder out = new StringBuilder();
        for (Worker w : workers) {
            out.append(String.format("%n  %s: %d orders, lanes %s%s", w.id(), w.ordersDone(), lanes.get(w.id()),
                    w.failure().map(f -> ", failed: " + f).orElse("")));
        }
        Map<String, Integer> released = new java.util.TreeMap<>();
        for (ConsumerRecord<String, dev.longhaul.schemas.JobStatus> r : committed(topics.status)) {
            String reason = r.value().getReason();
            if (reason != null && reason.startsWith("lane=")) {
                released.merge(reason, 1, Integer::sum);
            }
        }
        return out.append(String.format("%n  orders released per lane: %s", released)).toString();
    }

    /** Every record committed on the topic so far, in partition order. */
    <K, V> List<ConsumerRecord<K, V>> committed(Topic<K, V> topic) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 << 20);
        List<ConsumerRecord<K, V>> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(props, topic.keys().deserializer(), topic.values().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<K, V> r : consumer.poll(Duration.ofMillis(100))) {
                    out.add(r);
                }
            }
            if (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                // a check of what the topic holds (often: that it holds nothing) must not pass on part of it
                throw new AssertionError("could not read " + topic.name() + " to its end within 30 s; ends " + ends);
            }
        }
        return out;
    }

    @Override
    public void close() {
        for (Worker w : workers) {
            w.close();
        }
        submitter.close();
        stack.close();
    }
}
