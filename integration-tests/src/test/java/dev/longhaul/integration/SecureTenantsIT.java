/*
 * Kafka security end to end: an embedded KRaft broker whose client listener requires SASL_SSL with
 * SCRAM-SHA-512 (a self-signed key pair made with the JDK's keytool for this run, credentials made
 * through the Admin API) and whose StandardAuthorizer denies what no ACL allows. The schema
 * registry, the pipeline (with tenants "a" and "b") and a worker log in as the super user
 * "longhaul"; tenants log in as "a" and "b" with TenantAcls on their own topic prefix.
 *
 * Given that stack, then: a client without credentials is refused; the operator's own submission
 * on the shared topics succeeds (the single-tenant path over SASL_SSL); each tenant's job succeeds
 * and its status and results come back on its own topics only, stamped with its tenant even when
 * the request claimed the other one; tenant A can neither read B's (or the shared) results, nor
 * write into B's topics, nor cancel B's job through its own control topic (dead-lettered as
 * NOT_TENANTS_JOB, and B's job still succeeds).
 */
package dev.longhaul.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.ingest.DocumentSource;
import dev.longhaul.ingest.IngestConfig;
import dev.longhaul.ingest.JobControl;
import dev.longhaul.ingest.JobFollower;
import dev.longhaul.ingest.JobSpec;
import dev.longhaul.ingest.Submitter;
import dev.longhaul.ops.registry.RegistryConfig;
import dev.longhaul.ops.registry.RegistryServer;
import dev.longhaul.ops.stack.PipelineRunner;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.pipeline.tenant.TenantAcls;
import dev.longhaul.pipeline.worker.Worker;
import dev.longhaul.pipeline.worker.WorkerConfig;
import dev.longhaul.schemas.DeadLetter;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;
import dev.longhaul.schemas.wire.SchemaRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecureTenantsIT {
    private static final Duration PATIENCE = Duration.ofMinutes(3);
    private static final String NS = "longhaul.";
    private static final String OPERATOR = "longhaul";
    private static final Map<String, String> PASSWORDS = Map.of(OPERATOR, "operator-secret", "a", "a-secret", "b", "b-secret");

    @TempDir
    static Path tmp;

    private static EmbeddedKafka kafka;
    private static RegistryServer registryServer;
    private static PipelineRunner pipeline;
    private static Worker worker;
    private static Topics topics;
    private static SchemaRegistry registry;

    @BeforeAll
    static void start() throws Exception {
        TestTls tls = TestTls.create(tmp, "store-secret");
        kafka = EmbeddedKafka.builder().defaultPartitions(4)
                .saslSsl(new EmbeddedKafka.SaslSsl(tls.keyStore(), tls.trustStore(), tls.password(), List.of(OPERATOR))).start();
        PASSWORDS.forEach(kafka::scramUser);
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            admin.createAcls(TenantAcls.bindings(NS, "a", "a")).all().get();
            admin.createAcls(TenantAcls.bindings(NS, "b", "b")).all().get();
        }
        Map<String, String> operator = login(OPERATOR);
        registryServer = RegistryServer.start(RegistryConfig.defaults(kafka.bootstrapServers()).withListener("localhost", 0)
                .withClientOverrides(operator));
        registry = new RestSchemaRegistryClient(registryServer.url());
        topics = new Topics(NS, registry);
        PipelineConfig config = PipelineConfig.DEFAULTS.withKafka(new PipelineConfig.Kafka("longhaul-secure-it", NS, 1, Duration.ofMillis(100)))
                .withTenants(Set.of("a", "b"));
        pipeline = PipelineRunner.start(config, topics, kafka.bootstrapServers(), Files.createDirectories(tmp.resolve("streams")), operator);
        worker = new Worker(WorkerConfig.defaults("secure-worker", kafka.bootstrapServers(), Cluster.model()).withNamespace(NS)
                .withEngine("cpu", 1).withContext(512, Duration.ofMinutes(10)).withOutput(4).withClientOverrides(operator), topics);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {worker, pipeline, registryServer, kafka}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    @Test
    void aClientWithoutCredentialsIsRefused() {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        try (Admin plain = Admin.create(props)) {
            assertThrows(ExecutionException.class, () -> plain.listTopics().names().get(), "a PLAINTEXT client gets no answer");
        }
        Map<String, Object> wrong = new HashMap<>(props);
        wrong.putAll(login("a"));
        wrong.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"a\" password=\"guess\";");
        try (Admin guessing = Admin.create(wrong)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> guessing.listTopics().names().get());
            assertInstanceOf(org.apache.kafka.common.errors.SaslAuthenticationException.class, e.getCause(), e.toString());
        }
    }

    @Test
    void theOperatorsOwnSubmissionRunsOverSaslSsl() throws Exception {
        IngestConfig ingest = IngestConfig.defaults(kafka.bootstrapServers()).withNamespace(NS).withClientOverrides(login(OPERATOR));
        String jobId = submit(ingest, "operator-1", "default", "The operator's own job runs on the shared topics.");
        JobFollower.JobOutcome outcome = follow(ingest, jobId);
        assertEquals(JobState.SUCCEEDED, outcome.status().getState(), String.valueOf(outcome.status()));
        assertEquals(1, outcome.summaries().size());
    }

    @Test
    void tenantsSeeOnlyTheirOwnJobsAndCannotTouchEachOthers() throws Exception {
        IngestConfig a = IngestConfig.defaults(kafka.bootstrapServers()).withTenant("a").withClientOverrides(login("a"));
        IngestConfig b = IngestConfig.defaults(kafka.bootstrapServers()).withTenant("b").withClientOverrides(login("b"));
        String bJob = submit(b, "b:job-1", "b", "Tenant B's private document: the merger closes on Friday.");
        // A claims to be B in the request; the pipeline stamps the tenant of the topic instead.
        String aJob = submit(a, "a:job-1", "b", "Tenant A's own document, submitted while claiming to be B.");
        // A tries to cancel B's job through its own control topic: refused, never reaches `control`.
        try (JobControl control = new JobControl(a, registry)) {
            control.cancel(bJob);
        }

        JobFollower.JobOutcome aOutcome = follow(a, aJob);
        assertEquals(JobState.SUCCEEDED, aOutcome.status().getState(), String.valueOf(aOutcome.status()));
        assertEquals("a", aOutcome.status().getTenant(), "stamped from the topic, not the request's field");
        assertEquals(1, aOutcome.summaries().size());
        JobFollower.JobOutcome bOutcome = follow(b, bJob);
        assertEquals(JobState.SUCCEEDED, bOutcome.status().getState(), "A's cancel had no effect: " + bOutcome.status());

        // Each tenant's topics hold its own jobs only (A's may hold A's jobs of other tests too).
        Topics aTopics = topics.forTenant("a");
        Topics bTopics = topics.forTenant("b");
        for (Topic<String, ?> t : List.of(aTopics.status, aTopics.summaries)) {
            Set<String> held = keys(t, login("a"));
            assertTrue(held.contains(aJob) && held.stream().allMatch(k -> k.startsWith("a:")), t.name() + ": " + held);
        }
        assertEquals(Set.of(bJob), keys(bTopics.status, login("b")));
        assertEquals(Set.of(bJob), keys(bTopics.summaries, login("b")));
        // The refused cancel: a dead letter with its reason, and no CANCEL on the shared topic.
        List<DeadLetter> letters = records(topics.deadLetters, login(OPERATOR)).stream().map(ConsumerRecord::value)
                .filter(l -> l.getReasonCode().equals("NOT_TENANTS_JOB")).toList();
        assertEquals(1, letters.size(), "one refused cancel: " + letters);
        assertEquals(aTopics.control.name(), letters.get(0).getOriginalTopic());
        assertTrue(!keys(topics.control, login(OPERATOR)).contains(bJob), "no cancel of B's job reached `control`");

        // A cannot read B's results or the shared ones, nor write into B's topics or the shared ones.
        for (Topic<String, ?> t : List.of(bTopics.summaries, bTopics.status, topics.summaries, topics.status)) {
            assertRefused(() -> records(t, login("a")), "A reads " + t.name());
        }
        for (String t : List.of(bTopics.jobs.name(), bTopics.control.name(), topics.jobs.name(), topics.control.name())) {
            assertRefused(() -> produce(t, bJob, login("a")), "A writes " + t);
        }
    }

    @Test
    void aTenantsRefusedResubmissionEndsItsFollowWithTheReasonInItsOwnDeadLetters() throws Exception {
        IngestConfig a = IngestConfig.defaults(kafka.bootstrapServers()).withTenant("a").withClientOverrides(login("a"));
        String job = submit(a, "a:dup-1", "a", "The first document submitted under this job id.");
        assertEquals(JobState.SUCCEEDED, follow(a, job).status().getState());
        // when tenant a submits another document under the same id (refused by the planner, on the shared topic)
        String again;
        try (Submitter s = new Submitter(a, registry)) {
            again = s.submit(JobSpec.of(DocumentKind.TEXT, List.of(MixedJobs.summarize())).withJobId(job),
                    DocumentSource.stream(new ByteArrayInputStream("A different document under the same id.".getBytes(StandardCharsets.UTF_8)),
                            "again.txt")).submissionId();
        }
        // then a's follower of that submission ends, refused with the reason (it waited for ever before)
        try (JobFollower f = new JobFollower(a, registry)) {
            JobFollower.Outcome o = f.followSubmissions(Map.of(job, again), new JobFollower.Listener() { }, PATIENCE);
            assertTrue(o.complete(), "the refused submission was not answered: " + o.jobs());
            JobStatus refused = o.jobs().get(job).status();
            assertEquals(JobState.FAILED, refused.getState());
            assertTrue(String.valueOf(refused.getReason()).startsWith("DUPLICATE_JOB_ID"), String.valueOf(refused.getReason()));
        }
        // and the letter is in a's own dead letters, readable with a's credentials, not in b's
        List<DeadLetter> own = records(topics.forTenant("a").deadLetters, login("a")).stream().map(ConsumerRecord::value)
                .filter(l -> l.getReasonCode().equals("DUPLICATE_JOB_ID")).toList();
        assertEquals(1, own.size(), own.toString());
        assertRefused(() -> records(topics.forTenant("b").deadLetters, login("a")), "A reads B's dead letters");
    }

    private static void assertRefused(ThrowingRunnable action, String what) {
        KafkaException e = assertThrows(KafkaException.class, action::run, what + " must be refused");
        Throwable cause = e;
        while (cause != null && !(cause instanceof TopicAuthorizationException)) {
            cause = cause.getCause();
        }
        assertTrue(cause != null, what + ": refused, but not by authorization: " + e);
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static Map<String, String> login(String user) {
        return kafka.saslClientConfig(user, PASSWORDS.get(user));
    }

    private static String submit(IngestConfig config, String jobId, String claimedTenant, String text) throws IOException {
        try (Submitter s = new Submitter(config, registry)) {
            JobSpec spec = JobSpec.of(DocumentKind.TEXT, List.of(MixedJobs.summarize())).withJobId(jobId).withTenant(claimedTenant);
            return s.submit(spec, DocumentSource.stream(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), jobId + ".txt"))
                    .jobId();
        }
    }

    private static JobFollower.JobOutcome follow(IngestConfig config, String jobId) {
        try (JobFollower f = new JobFollower(config, registry)) {
            JobFollower.Outcome o = f.follow(List.of(jobId), new JobFollower.Listener() { }, PATIENCE);
            assertTrue(o.complete(), jobId + " did not finish: " + o.jobs());
            return o.jobs().get(jobId);
        }
    }

    private static void produce(String topic, String key, Map<String, String> login) throws Exception {
        Map<String, Object> props = new HashMap<>(login);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        try (var p = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            try {
                p.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), new byte[] {0})).get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
            }
        }
    }

    private static <V> Set<String> keys(Topic<String, V> topic, Map<String, String> login) {
        Set<String> keys = new java.util.TreeSet<>();
        records(topic, login).forEach(r -> keys.add(r.key()));
        return keys;
    }

    /** Every committed record of the topic, read as `login`. */
    private static <K, V> List<ConsumerRecord<K, V>> records(Topic<K, V> topic, Map<String, String> login) {
        Map<String, Object> props = new HashMap<>(login);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        List<ConsumerRecord<K, V>> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                partitions.add(new TopicPartition(topic.name(), p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    out.add(new ConsumerRecord<>(r.topic(), r.partition(), r.offset(),
                            topic.keys().deserializer().deserialize(r.topic(), r.key()),
                            topic.values().deserializer().deserialize(r.topic(), r.value())));
                }
            }
            if (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                // a check of what the topic holds (often: that it holds nothing) must not pass on part of it
                throw new AssertionError("could not read " + topic.name() + " to its end within 30 s; ends " + ends);
            }
        }
        return out;
    }
}
