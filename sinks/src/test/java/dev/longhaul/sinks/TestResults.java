/*
 * Test material for the sinks: results made up deterministically from a job number, a broker with
 * the result topics, a transactional producer standing in for the workers, a runner started on its
 * own thread, and a bounded wait. Test code only.
 */
package dev.longhaul.sinks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.schemas.Extraction;
import dev.longhaul.schemas.ModelIdentity;
import dev.longhaul.schemas.ProvenanceSpan;
import dev.longhaul.schemas.Summary;
import dev.longhaul.schemas.Timings;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.Usage;
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

final class TestResults {
    private TestResults() {}

    /** A results file, finished or (hidden, .results-…) in progress or a journal. */
    static boolean isResultsFile(Path p) {
        return p.getFileName().toString().replaceFirst("^\\.", "").startsWith("results-");
    }

    static String jobId(int job) {
        return "job-%04d".formatted(job);
    }

    /** Task 0 of job `job`: a summary whose numbers are derived from the job number. */
    static Summary summary(int job) {
        return Summary.newBuilder().setJobId(jobId(job)).setTaskIndex(0).setText("summary of job " + job + ": \"quoted\"\nand a second line")
                .setDigest("The lease of job " + job + " ends in 2030.\nEither party may renew it.")
                .setUsage(usage(job)).setTimings(timings(job)).setModel(model()).build();
    }

    /** Task 1 of job `job`: an extraction with one provenance span. */
    static Extraction extraction(int job) {
        return Extraction.newBuilder().setJobId(jobId(job)).setTaskIndex(1).setJson("{\"party\":\"Acme " + job + "\",\"term\":" + job + "}")
                .setUsage(usage(job)).setTimings(timings(job)).setModel(model())
                .setSpans(List.of(new ProvenanceSpan((long) job, job + 10L, "party")))
                .setAnalysis("{\"analyzer\":\"contracts\",\"facts\":{\"parties\":[\"Acme " + job + "\"]}}").build();
    }

    static Usage usage(int job) {
        return new Usage(1000L + job, 40L + job, 900L + job, job % 2 == 0 ? 1.0 : 0.5);
    }

    static Timings timings(int job) {
        return new Timings(10L * job, 100L * job, 110L * job + 5);
    }

    static ModelIdentity model() {
        return new ModelIdentity("minimax-tiny", "cpu", "f32");
    }

    /**
     * The result topics under a namespace of their own (one per test, so tests sharing a broker never
     * see each other's results), two partitions each so that batches mix partitions.
     */
    static Topics topics(EmbeddedKafka kafka, String namespace) {
        return topics(kafka, namespace, new InMemorySchemaRegistry());
    }

    /** As above, through the registry given. */
    static Topics topics(EmbeddedKafka kafka, String namespace, InMemorySchemaRegistry registry) {
        Topics topics = new Topics(namespace, registry);
        kafka.createTopic(topics.summaries.name(), 2, Topics.DELETE);
        kafka.createTopic(topics.extractions.name(), 2, Topics.DELETE);
        return topics;
    }

    /** Writes a summary and an extraction per job in one transaction, committed or aborted, as a worker does. */
    static void produce(EmbeddedKafka kafka, Topics topics, List<Integer> jobs, boolean commit) {
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-worker-" + topics.namespace() + jobs.getFirst() + "-" + commit);
        try (var producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int job : jobs) {
                String s = topics.summaries.name();
                String e = topics.extractions.name();
                producer.send(new ProducerRecord<>(s, jobId(job), topics.summaries.values().serializer().serialize(s, summary(job))));
                producer.send(new ProducerRecord<>(e, jobId(job), topics.extractions.values().serializer().serialize(e, extraction(job))));
            }
            if (commit) {
                producer.commitTransaction();
            } else {
                producer.flush();
                producer.abortTransaction();
            }
        }
    }

    /** run() on its own thread; the future completes when it returns or fails. */
    static CompletableFuture<Void> start(SinkRunner runner) {
        return CompletableFuture.runAsync(runner, task -> Thread.ofPlatform().name("sink-runner").start(task));
    }

    /** Waits for a condition the system under test must reach; fails (not a timing assertion) when it never does. */
    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "never happened: " + what);
            Thread.sleep(50);
        }
    }

    /**
     * A sink that hands everything to another, for tests that watch or break one call. writeAll is
     * the interface's (each batch through write()), so that overriding write() sees every batch.
     */
    static class Forwarding implements ResultSink {
        final ResultSink delegate;

        Forwarding(ResultSink delegate) {
            this.delegate = delegate;
        }

        @Override
        public int write(List<SinkResult> batch) throws Exception {
            return delegate.write(batch);
        }

        @Override
        public void tick() throws Exception {
            delegate.tick();
        }

        @Override
        public void holdUntilConfirmed() throws Exception {
            delegate.holdUntilConfirmed();
        }

        @Override
        public void confirmed() throws Exception {
            delegate.confirmed();
        }

        @Override
        public java.util.Optional<String> owner() {
            return delegate.owner();
        }

        @Override
        public boolean holdsEveryResult() {
            return delegate.holdsEveryResult();
        }

        @Override
        public void close() throws Exception {
            delegate.close();
        }

        /** What the runner does after a failure: the file in progress stays as a real crash leaves it. */
        @Override
        public void abandon() throws Exception {
            delegate.abandon();
        }
    }

    /**
     * A sink that crashes right after its n-th durable write, before the runner commits offsets:
     * the moment where at-least-once delivery must not turn into a duplicate.
     */
    static final class CrashAfterWrites extends Forwarding {
        private int writesLeft;

        CrashAfterWrites(ResultSink delegate, int writes) {
            super(delegate);
            this.writesLeft = writes;
        }

        @Override
        public int write(List<SinkResult> batch) throws Exception {
            int n = delegate.write(batch);
            if (--writesLeft == 0) {
                throw new SimulatedCrash();
            }
            return n;
        }
    }

    static final class SimulatedCrash extends RuntimeException {
        SimulatedCrash() {
            super("simulated crash after a durable write, before the offset commit");
        }
    }
}
