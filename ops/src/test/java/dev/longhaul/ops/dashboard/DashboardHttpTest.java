/*
 * The dashboard's HTTP API on a real broker: a DevStack (embedded KRaft broker, registry, pipeline)
 * and a dashboard on a free port, given the pipeline's KafkaStreams. Given a heartbeat, a job's
 * statuses and a result written to their topics, when the API is read, then /api/throughput,
 * /api/jobs/{id} (answered from the Streams status store), /api/jobs, /metrics and the event
 * stream show them; cancel, pause, resume and priority write Control records; bad ids, a priority
 * that is not a number and unknown jobs get 400 and 404.
 * Every request carries the dashboard's bearer token (configured here); without it, or with a
 * wrong one, every API endpoint, the stream, /metrics and cancel answer 401 and cancel writes
 * nothing, while the page's static files need no token.
 */
package dev.longhaul.ops.dashboard;

import static dev.longhaul.ops.dashboard.DashboardRecords.heartbeat;
import static dev.longhaul.ops.dashboard.DashboardRecords.status;
import static dev.longhaul.ops.dashboard.DashboardRecords.timings;
import static dev.longhaul.ops.dashboard.DashboardRecords.usage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.ops.stack.DevStack;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.ModelIdentity;
import dev.longhaul.schemas.Summary;
import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkerHeartbeat;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DashboardHttpTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String TOKEN = "test-token-" + Long.toHexString(new java.util.Random(7).nextLong());

    private static DevStack stack;
    private static Dashboard dashboard;

    @BeforeAll
    static void start() throws Exception {
        PipelineConfig d = PipelineConfig.DEFAULTS;
        stack = DevStack.start(DevStack.Options.temporary(d.withKafka(new PipelineConfig.Kafka(d.kafka().applicationId(),
                d.kafka().namespace(), 1, d.kafka().commitInterval()))));
        Topics topics = stack.topics();
        dashboard = Dashboard.start(DashboardConfig.DEFAULTS.withPort(0).withPushInterval(Duration.ofMillis(200)).withToken(TOKEN),
                stack.bootstrapServers(), topics, new RestSchemaRegistryClient(stack.registryUrl()),
                Optional.of(stack.pipeline().streams()));
        long now = System.currentTimeMillis();
        send(topics.workers, "w-http", WorkerHeartbeat.newBuilder(heartbeat("w-http", List.of(0, 1), 4321, now))
                .setBatchSteps(20).setBatchSequencesPerStep(3).setBatchMaxSequences(8).setBatchTokensPerStep(65.75)
                .setBatchTokenBudget(263).build());
        send(topics.status, "job-http", status("job-http", "tenant-a", JobState.RUNNING, 0.5, 300, now)); // stamped since the dashboard started, so its counters count it
        send(topics.status, "job-http", status("job-http", "tenant-a", JobState.SUCCEEDED, 1.0, 600, now));
        send(topics.summaries, "job-http", Summary.newBuilder().setJobId("job-http").setTaskIndex(0).setText("done")
                .setUsage(usage(500, 100)).setTimings(timings(30, 70))
                .setModel(ModelIdentity.newBuilder().setName("xs").setBackend("cpu").setWeightsDtype("f32").build()).build());
    }

    @AfterAll
    static void stop() {
        if (dashboard != null) {
            dashboard.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void throughputShowsTheWrittenRecords() throws Exception {
        JsonNode s = await("/api/throughput", n -> n.path("tokens").path("prefillTotal").asLong() == 500
                && n.path("workers").size() == 1 && n.path("jobsByState").path("SUCCEEDED").asLong() == 1);
        assertEquals(100, s.path("tokens").path("decodeTotal").asLong());
        assertEquals(1, s.path("finishedByState").path("SUCCEEDED").asLong());
        JsonNode worker = s.path("workers").get(0);
        assertEquals("w-http", worker.path("workerId").asText());
        assertEquals(4321, worker.path("outstandingCostTokens").asLong());
        assertEquals(0.375, worker.path("batch").path("sequenceFill").asDouble());
        assertEquals(0.25, worker.path("batch").path("tokenFill").asDouble());
        assertEquals(30, s.path("latency").path("queued").path("p50").asLong());
        assertEquals(70, s.path("latency").path("running").path("p50").asLong());
        JsonNode lag = await("/api/throughput", n -> n.path("lag").size() > 0).path("lag");
        assertTrue(lag.findValuesAsText("group").contains(PipelineConfig.DEFAULTS.kafka().applicationId()),
                "the pipeline's group is measured: " + lag);
    }

    @Test
    void aJobsLatestStatusComesFromTheStatusStore() throws Exception {
        JsonNode job = await("/api/jobs/job-http", n -> n.path("state").asText().equals("SUCCEEDED"));
        assertEquals("tenant-a", job.path("tenant").asText());
        assertEquals(600, job.path("tokens").asLong());
        assertEquals(1.0, job.path("progress").asDouble());
        assertTrue(job.path("final").asBoolean(), "the page disables cancel on final jobs by this flag: " + job);
        JsonNode table = await("/api/jobs", n -> n.size() == 1);
        assertEquals("job-http", table.get(0).path("jobId").asText());

        assertEquals(404, get("/api/jobs/no-such-job").statusCode());
        assertEquals(400, get("/api/jobs/bad%20id").statusCode());
        assertEquals(405, get("/api/jobs/job-http/cancel").statusCode(), "cancel is a POST");
    }

    @Test
    void metricsAreInPrometheusTextFormat() throws Exception {
        await("/api/throughput", n -> n.path("tokens").path("prefillTotal").asLong() == 500);
        String text = "";
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        // Meters read the snapshot the last push took; wait for one that includes the result.
        while (System.nanoTime() < deadline && !text.contains("longhaul_tokens_total{phase=\"prefill\"")) {
            HttpResponse<String> r = get("/metrics");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            text = r.body();
            Thread.sleep(100);
        }
        assertEquals(500.0, PrometheusText.value(text, "longhaul_tokens_total", "phase", "prefill", "worker", "unknown"));
        assertEquals(1.0, PrometheusText.value(text, "longhaul_jobs_finished_total", "state", "SUCCEEDED"));
        assertEquals(4321.0, PrometheusText.value(text, "longhaul_worker_outstanding_tokens", "worker", "w-http"));
        assertEquals(0.375, PrometheusText.value(text, "longhaul_worker_batch_fill", "measure", "sequences", "worker", "w-http"));
        assertEquals(0.25, PrometheusText.value(text, "longhaul_worker_batch_fill", "measure", "tokens", "worker", "w-http"));
    }

    @Test
    void theEventStreamPushesSnapshots() throws Exception {
        HttpResponse<java.io.InputStream> r = HTTP.send(authorized("/api/stream").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<JsonNode> events = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            while (events.size() < 2) {
                String line = in.readLine();
                if (line.startsWith("data: ")) {
                    events.add(JSON.readTree(line.substring(6)));
                }
            }
        }
        assertTrue(events.get(1).path("at").asLong() >= events.get(0).path("at").asLong());
        assertTrue(events.get(0).has("jobsPerSecond") && events.get(0).has("jobs"));
        String page = get("/").body();
        assertTrue(page.contains("chart-tokens") && page.contains("dashboard.js"), "the page is served");
    }

    @Test
    void cancelWritesAControlRecord() throws Exception {
        HttpResponse<String> r = post("/api/jobs/job-cancel-me/cancel");
        assertEquals(202, r.statusCode(), r.body());
        List<Control> commands = controlRecords("job-cancel-me", 1);
        assertEquals(1, commands.size());
        assertEquals("CANCEL", commands.get(0).getAction().name());
    }

    @Test
    void aCommandAboutAFinalJobIsRefusedAndNothingIsWritten() throws Exception {
        await("/api/jobs/job-http", n -> n.path("final").asBoolean());
        for (String command : List.of("cancel", "pause", "resume", "priority?value=2")) {
            HttpResponse<String> r = post("/api/jobs/job-http/" + command);
            assertEquals(409, r.statusCode(), command + ": " + r.body());
            assertEquals("SUCCEEDED", JSON.readTree(r.body()).path("state").asText(), r.body());
        }
        assertEquals(List.of(), controlRecords("job-http", 0));
    }

    @Test
    void pauseResumeAndPriorityWriteControlRecords() throws Exception {
        assertEquals(202, post("/api/jobs/job-hold-me/pause").statusCode());
        assertEquals(202, post("/api/jobs/job-hold-me/resume").statusCode());
        HttpResponse<String> priority = post("/api/jobs/job-hold-me/priority?value=-3");
        assertEquals(202, priority.statusCode(), priority.body());
        assertEquals(-3, JSON.readTree(priority.body()).path("priorityRequested").asInt());
        assertEquals(List.of("PAUSE null", "RESUME null", "SET_PRIORITY -3"), controlRecords("job-hold-me", 3).stream()
                .map(c -> c.getAction() + " " + c.getPriority()).toList());
        for (String bad : List.of("/api/jobs/job-hold-me/priority", "/api/jobs/job-hold-me/priority?value=high")) {
            HttpResponse<String> r = post(bad);
            assertEquals(400, r.statusCode(), bad + ": " + r.body());
            assertTrue(r.body().contains("priority"), r.body());
        }
        assertEquals(405, get("/api/jobs/job-hold-me/pause").statusCode(), "pause is a POST");
        HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(dashboard.url().resolve("/api/jobs/job-hold-me/pause"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode());
    }

    private HttpResponse<String> post(String path) throws Exception {
        return HTTP.send(authorized(path).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The control records of jobId: all that were there when called, and until `expected` of them arrived. */
    private static List<Control> controlRecords(String jobId, int expected) {
        List<Control> commands = new ArrayList<>();
        Topic<String, Control> control = stack.topics().control;
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), control.keys().deserializer(), control.values().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(control.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            // at least what was there when it began is read, so that none expected is a check too
            while ((commands.size() < expected || partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)))
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, Control> c : consumer.poll(Duration.ofMillis(200))) {
                    if (c.key().equals(jobId)) {
                        commands.add(c.value());
                    }
                }
            }
        }
        return commands;
    }

    @Test
    void withoutTheTokenOrWithAWrongOneEveryApiAnswers401() throws Exception {
        List<String> paths = List.of("/api/throughput", "/api/jobs", "/api/jobs/job-http", "/api/stream", "/metrics");
        for (Optional<String> header : List.of(Optional.<String>empty(), Optional.of("Bearer wrong-" + TOKEN),
                Optional.of("Bearer " + TOKEN.substring(1)), Optional.of("Basic " + TOKEN))) {
            for (String path : paths) {
                HttpRequest.Builder b = HttpRequest.newBuilder(dashboard.url().resolve(path));
                header.ifPresent(h -> b.header("Authorization", h));
                HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(401, r.statusCode(), path + " with " + header + ": " + r.body());
                assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), path);
                assertTrue(!r.body().contains("job-http"), "a refused request reveals nothing: " + r.body());
            }
            HttpRequest.Builder cancel = HttpRequest.newBuilder(dashboard.url().resolve("/api/jobs/job-refused/cancel"))
                    .POST(HttpRequest.BodyPublishers.noBody());
            header.ifPresent(h -> cancel.header("Authorization", h));
            assertEquals(401, HTTP.send(cancel.build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
        assertEquals(200, get("/api/jobs").statusCode(), "the right token is admitted");
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(dashboard.url().resolve("/dashboard.js")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode(), "static files hold no data and need no token");
        assertTrue(dashboard.pageUrl().toString().endsWith("#token=" + TOKEN), dashboard.pageUrl().toString());
    }

    @Test
    void aTokenIsGeneratedWhenNoneIsConfigured() {
        try (Dashboard a = Dashboard.start(DashboardConfig.DEFAULTS.withPort(0), stack.bootstrapServers(), stack.topics(),
                new RestSchemaRegistryClient(stack.registryUrl()), Optional.empty());
             Dashboard b = Dashboard.start(DashboardConfig.DEFAULTS.withPort(0), stack.bootstrapServers(), stack.topics(),
                new RestSchemaRegistryClient(stack.registryUrl()), Optional.empty())) {
            assertTrue(a.token().length() >= 40, "256 random bits, base64url: " + a.token().length());
            assertTrue(!a.token().equals(b.token()), "each start draws its own");
        }
    }

    @Test
    void aJobLookupWhileThePipelinesStreamsAreStoppedIsAnsweredFromTheFeed() throws Exception {
        // given a dashboard handed a KafkaStreams that has stopped (failed, or shutting down)
        org.apache.kafka.streams.StreamsBuilder builder = new org.apache.kafka.streams.StreamsBuilder();
        builder.stream("stopped-in");
        java.util.Properties props = new java.util.Properties();
        props.put("application.id", "stopped-streams");
        props.put("bootstrap.servers", stack.bootstrapServers());
        props.put("state.dir", java.nio.file.Files.createTempDirectory("stopped").toString());
        org.apache.kafka.streams.KafkaStreams stopped = new org.apache.kafka.streams.KafkaStreams(builder.build(), props);
        stopped.start();
        stopped.close(Duration.ofSeconds(10));
        try (Dashboard d = Dashboard.start(DashboardConfig.DEFAULTS.withPort(0), stack.bootstrapServers(), stack.topics(),
                new RestSchemaRegistryClient(stack.registryUrl()), Optional.of(stopped))) {
            // then a lookup is the feed's answer (none yet for this id), not the IllegalStateException of store()
            assertTrue(d.job("job-nobody-knows").isEmpty());
        }
    }

    @Test
    void aFeedStartedBeforeThePipelineCreatesNoTopics() throws Exception {
        // given a namespace none of whose topics exist yet (a dashboard started before the pipeline),
        // on a broker that creates topics a client asks for (auto.create.topics.enable, its default)
        Topics early = new Topics("early.", new RestSchemaRegistryClient(stack.registryUrl()));
        Throughput model = new Throughput(java.time.Clock.systemUTC(), Duration.ofSeconds(60));
        try (DashboardFeed feed = new DashboardFeed(stack.bootstrapServers(), Map.of(), early, model)) {
            // when the feed has looked for them twice
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (feed.scans() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(feed.scans() >= 2, "the feed scanned " + feed.scans() + " times");
        }
        // then none was created (with the broker's defaults: one partition, status not compacted)
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.<String, Object>of("bootstrap.servers", stack.bootstrapServers()))) {
            List<String> created = admin.listTopics().names().get().stream().filter(n -> n.startsWith("early.")).sorted().toList();
            assertEquals(List.of(), created);
        }
    }

    @Test
    void lagIsMeasuredOnTheTopicsThatExistWhenOthersDoNot() throws Exception {
        // given a namespace where only `work` was created, with a record a group consumed none of
        Topics partial = new Topics("lagprobe.", new RestSchemaRegistryClient(stack.registryUrl()));
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.<String, Object>of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(partial.work.name(), 1, (short) 1))).all().get();
            try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
                    new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(partial.work.name(), new byte[] {1})).get();
                producer.send(new ProducerRecord<>(partial.work.name(), new byte[] {2})).get();
            }
            admin.alterConsumerGroupOffsets("lag-group", Map.of(new TopicPartition(partial.work.name(), 0),
                    new org.apache.kafka.clients.consumer.OffsetAndMetadata(0))).all().get();
        }
        // when lag is measured for that group and one that does not exist
        try (LagProbe probe = new LagProbe(stack.bootstrapServers(), Map.of(), partial, List.of("lag-group", "no-such-group"))) {
            // then the missing topics are left out, not the whole measurement
            assertEquals(List.of(new ThroughputSnapshot.TopicLag(partial.work.name(), "lag-group", 2, 0, 2)), probe.measure());
        }
    }

    @Test
    void lagCountsRecordsNotTransactionMarkersOrAbortedRecords() throws Exception {
        // given a topic written in transactions: two committed records, then an aborted transaction of three
        Topics catalog = new Topics("lagmarkers.", new RestSchemaRegistryClient(stack.registryUrl()));
        TopicPartition tp = new TopicPartition(catalog.work.name(), 0);
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "lag-markers-test");
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.<String, Object>of("bootstrap.servers", stack.bootstrapServers()));
             var producer = new KafkaProducer<>(props, new org.apache.kafka.common.serialization.ByteArraySerializer(),
                     new org.apache.kafka.common.serialization.ByteArraySerializer());
             LagProbe probe = new LagProbe(stack.bootstrapServers(), Map.of(), catalog, List.of("markers-group"))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(tp.topic(), 1, (short) 1))).all().get();
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(tp.topic(), new byte[] {1}));
            producer.send(new ProducerRecord<>(tp.topic(), new byte[] {2}));
            producer.commitTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(tp.topic(), new byte[] {3}));
            }
            producer.flush();
            producer.abortTransaction();
            // when the group has consumed both committed records (offsets 0 and 1; 2 is the commit marker,
            // 3 to 5 aborted, 6 the abort marker)
            admin.alterConsumerGroupOffsets("markers-group", Map.of(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(2)))
                    .all().get();
            // then nothing waits, though the end offset is 7
            assertEquals(List.of(new ThroughputSnapshot.TopicLag(tp.topic(), "markers-group", 7, 2, 0)), probe.measure());

            // and when one more record is committed, it alone waits
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(tp.topic(), new byte[] {4}));
            producer.commitTransaction();
            assertEquals(List.of(new ThroughputSnapshot.TopicLag(tp.topic(), "markers-group", 9, 2, 1)), probe.measure());
            // and a committed offset before both committed records counts both
            admin.alterConsumerGroupOffsets("markers-group", Map.of(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(0)))
                    .all().get();
            assertEquals(List.of(new ThroughputSnapshot.TopicLag(tp.topic(), "markers-group", 9, 0, 3)), probe.measure());
        }
    }

    private static <V> void send(Topic<String, V> topic, String key, V value) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
                topic.keys().serializer(), topic.values().serializer())) {
            producer.send(new ProducerRecord<>(topic.name(), key, value)).get();
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(authorized(path).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(dashboard.url().resolve(path)).header("Authorization", "Bearer " + TOKEN);
    }

    /** Polls a JSON endpoint until its answer satisfies `ready`; fails with the last answer after PATIENCE. */
    private static JsonNode await(String path, Predicate<JsonNode> ready) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get(path);
            last = r.statusCode() + " " + r.body();
            if (r.statusCode() == 200) {
                JsonNode n = JSON.readTree(r.body());
                if (ready.test(n)) {
                    return n;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError(path + " never became ready; last answer: " + last);
    }
}
