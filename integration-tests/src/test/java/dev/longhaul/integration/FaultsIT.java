/*
 * The fault suite (issue 6): a three-node KRaft cluster in the test (replication factor 3,
 * min.insync.replicas 2), the registry and pipeline on it, and three `longhaul worker` processes.
 * 1,000 small mixed jobs (log slices, contract slices, plain text; summaries and extractions) are
 * submitted while workers are killed 20 times by their fault hook, at seeded random points: mid-
 * prefill, mid-decode, and between the result write and the commit (the transaction open, its
 * records on the brokers); each killed worker is restarted under its id. Meanwhile one broker is
 * stopped and restarted over its log. Then, read read_committed: every job SUCCEEDED, exactly one
 * result per task, none lost, none duplicated, with no manual step. The counts are printed.
 * Sized for CI (two cores): tiny documents, a 64-token context, one output token per task.
 * -Dlonghaul.faults.jobs=N runs fewer jobs and -Dlonghaul.faults.minutes=M allows more time (a
 * smoke run on a busy machine); the defaults are the issue's 1,000 jobs and 12 minutes at most.
 * The workers' output is kept in target/faults-workers/.
 */
package dev.longhaul.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import dev.longhaul.embedded.EmbeddedKafkaCluster;
import dev.longhaul.engine.SharedData;
import dev.longhaul.ingest.DocumentSource;
import dev.longhaul.ingest.JobSpec;
import dev.longhaul.ops.stack.DevStack;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.pipeline.worker.Faults;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.Task;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class FaultsIT {
    private static final int JOBS = Integer.getInteger("longhaul.faults.jobs", 1_000);
    private static final int KILLS = 20;
    private static final int WORKERS = 3;
    private static final int CONTEXT = 64;
    private static final int OUTPUT = 1;
    private static final long SEED = 6;
    private static final Duration LIMIT = Duration.ofMinutes(Integer.getInteger("longhaul.faults.minutes", 12));

    @Test
    void thousandJobsSurviveTwentyWorkerKillsAndABrokerRestartWithExactlyOneResultPerTask() throws Exception {
        Path logs = Files.createDirectories(Path.of("target", "faults-workers"));
        Random random = new Random(SEED);
        List<String> faults = faultSpecs(random);
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(3, 4);
             Cluster cluster = new Cluster(DevStack.onBroker(kafka.bootstrapServers(), 0, config()), CONTEXT, OUTPUT);
             WorkerFleet fleet = new WorkerFleet(cluster, faults, logs)) {
            List<MixedJobs.Submitted> submitted = new ArrayList<>();
            CompletableFuture<Void> submitting = CompletableFuture.runAsync(() -> submitAll(cluster, random, submitted));
            boolean brokerRestarted = false;
            long deadline = System.nanoTime() + LIMIT.toNanos();
            while (!(submitting.isDone() && fleet.kills() >= KILLS && brokerRestarted) && System.nanoTime() < deadline
                    && !(submitting.isDone() && allFinal(cluster, submitted))) {
                fleet.superviseFor(Duration.ofSeconds(5));
                System.out.printf("FaultsIT: %d submitted, kills %s%n", size(submitted), fleet.killsByPoint());
                if (!brokerRestarted && fleet.kills() >= KILLS / 4) {
                    // A broker goes away while kills go on, and comes back over its log.
                    kafka.stop(1);
                    fleet.superviseFor(Duration.ofSeconds(10));
                    kafka.start(1);
                    brokerRestarted = true;
                }
            }
            submitting.join();
            Map<String, JobState> finals = awaitFinalSupervising(cluster, fleet, submitted, deadline);
            Counts counts = Counts.of(cluster, submitted, finals);
            System.out.printf("FaultsIT: %d jobs, %d tasks, %d succeeded; %d kills %s; broker restarted %s; "
                            + "duplicates %d, lost %d%n", submitted.size(), counts.tasks, counts.succeeded, fleet.kills(),
                    fleet.killsByPoint(), brokerRestarted, counts.duplicates, counts.lost);
            assertEquals(JOBS, submitted.size());
            assertEquals(KILLS, fleet.kills(), "kills by the fault hook " + fleet.killsByPoint());
            fleet.killsByPoint().forEach((point, n) -> assertTrue(n > 0, "no kill at " + point));
            assertTrue(brokerRestarted, "a broker was stopped and restarted");
            assertEquals(JOBS, counts.succeeded, "jobs SUCCEEDED (others: " + counts.notSucceeded + ")");
            assertEquals(0, counts.duplicates, "duplicated results " + counts.examples);
            assertEquals(0, counts.lost, "lost results " + counts.examples);
        }
    }

    private static PipelineConfig config() {
        PipelineConfig d = PipelineConfig.DEFAULTS;
        return d.withKafka(new PipelineConfig.Kafka("longhaul-faults", "longhaul.", 3, Duration.ofMillis(100)))
                .withDispatch(new PipelineConfig.Dispatch(6, d.dispatch().windowTokens(), d.dispatch().laneTimeout(),
                        d.dispatch().punctuationInterval()));
    }

    /** KILLS fault specs: a seeded random point each, halting at a seeded random order (1 to 6). */
    private static List<String> faultSpecs(Random random) {
        List<String> specs = new ArrayList<>();
        Faults.Point[] points = Faults.Point.values();
        for (int i = 0; i < KILLS; i++) {
            specs.add("halt:" + points[random.nextInt(points.length)].name().toLowerCase() + ":" + (1 + random.nextInt(6)));
        }
        return specs;
    }

    /** Submits JOBS tiny mixed jobs, in order, from the shared corpus and generated text. */
    private static void submitAll(Cluster cluster, Random random, List<MixedJobs.Submitted> out) {
        try {
            List<byte[]> logs = read(MixedJobs.corpusFiles(SharedData.corpusDir().resolve("logs/loghub_2k"), ".log"));
            List<byte[]> contracts = read(MixedJobs.corpusFiles(SharedData.corpusDir().resolve("contracts/cuad/docs"), ".txt"));
            for (int i = 0; i < JOBS; i++) {
                List<Task> tasks = switch (i % 3) {
                    case 0 -> List.of(MixedJobs.summarize());
                    case 1 -> List.of(MixedJobs.extract("parties"));
                    default -> List.of(MixedJobs.summarize(), MixedJobs.extract("topic"));
                };
                int size = 200 + random.nextInt(1_200);
                byte[] data;
                DocumentKind kind;
                switch (i % 3) {
                    case 0 -> {
                        kind = DocumentKind.LOG;
                        data = slice(logs.get(random.nextInt(logs.size())), random.nextInt(50_000), size);
                    }
                    case 1 -> {
                        kind = DocumentKind.CONTRACT;
                        data = slice(contracts.get(random.nextInt(contracts.size())), random.nextInt(20_000), size);
                    }
                    default -> {
                        kind = DocumentKind.TEXT;
                        data = ("Plain text job " + i + ". " + "The quick brown fox jumps over the lazy dog. ".repeat(1 + i % 20))
                                .getBytes(StandardCharsets.UTF_8);
                    }
                }
                String id = "fault-" + i;
                MixedJobs.Submitted s = MixedJobs.submit(cluster, JobSpec.of(kind, tasks).withJobId(id).withTenant("tenant-" + (i % 3)),
                        DocumentSource.stream(new ByteArrayInputStream(data), id));
                synchronized (out) {
                    out.add(s);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("submission failed", e);
        }
    }

    private static List<byte[]> read(List<Path> files) throws java.io.IOException {
        List<byte[]> out = new ArrayList<>();
        for (Path f : files) {
            out.add(Files.readAllBytes(f));
        }
        return out;
    }

    /** `length` bytes from `from` (both clamped to the data), never empty. */
    private static byte[] slice(byte[] data, int from, int length) {
        int start = Math.min(from, Math.max(0, data.length - length));
        return java.util.Arrays.copyOfRange(data, start, Math.min(data.length, start + length));
    }

    private static int size(List<?> list) {
        synchronized (list) {
            return list.size();
        }
    }

    private static boolean allFinal(Cluster cluster, List<MixedJobs.Submitted> jobs) {
        Map<String, JobState> last = new java.util.HashMap<>();
        for (var r : cluster.committed(cluster.topics.status)) {
            last.put(r.key(), r.value().getState());
        }
        synchronized (jobs) {
            return jobs.stream().allMatch(s -> MixedJobs.isFinal(last.get(s.jobId())));
        }
    }

    private static Map<String, JobState> awaitFinalSupervising(Cluster cluster, WorkerFleet fleet, List<MixedJobs.Submitted> jobs,
                                                               long deadline) throws Exception {
        List<String> ids = jobs.stream().map(MixedJobs.Submitted::jobId).toList();
        while (true) {
            fleet.superviseFor(Duration.ofSeconds(2));
            Map<String, JobState> last = new java.util.HashMap<>();
            for (var r : cluster.committed(cluster.topics.status)) {
                last.put(r.key(), r.value().getState());
            }
            if (ids.stream().allMatch(id -> MixedJobs.isFinal(last.get(id))) || System.nanoTime() > deadline) {
                return last;
            }
        }
    }

    /** Read read_committed: results per job and task, and what is wrong with them. */
    private record Counts(int tasks, int succeeded, int duplicates, int lost, Map<String, JobState> notSucceeded,
                          List<String> examples) {
        static Counts of(Cluster cluster, List<MixedJobs.Submitted> jobs, Map<String, JobState> finals) {
            Map<String, Integer> results = new TreeMap<>();
            for (ConsumerRecord<String, dev.longhaul.schemas.Summary> r : cluster.committed(cluster.topics.summaries)) {
                results.merge(r.key() + "#" + r.value().getTaskIndex(), 1, Integer::sum);
            }
            for (ConsumerRecord<String, dev.longhaul.schemas.Extraction> r : cluster.committed(cluster.topics.extractions)) {
                results.merge(r.key() + "#" + r.value().getTaskIndex(), 1, Integer::sum);
            }
            int tasks = 0;
            int succeeded = 0;
            int duplicates = 0;
            int lost = 0;
            Map<String, JobState> notSucceeded = new TreeMap<>();
            List<String> examples = new ArrayList<>();
            for (MixedJobs.Submitted s : jobs) {
                JobState state = finals.get(s.jobId());
                if (state == JobState.SUCCEEDED) {
                    succeeded++;
                } else if (notSucceeded.size() < 10) {
                    notSucceeded.put(s.jobId(), state);
                }
                for (int t = 0; t < s.tasks().size(); t++) {
                    tasks++;
                    int n = results.getOrDefault(s.jobId() + "#" + t, 0);
                    duplicates += Math.max(0, n - 1);
                    lost += n == 0 ? 1 : 0;
                    if (n != 1 && examples.size() < 10) {
                        examples.add(s.jobId() + "#" + t + " x" + n);
                    }
                }
            }
            return new Counts(tasks, succeeded, duplicates, lost, notSucceeded, examples);
        }
    }

    /**
     * The worker processes: WORKERS slots, each restarted under its id when its process ends. Each
     * start takes the next fault spec while any is left; a process ending otherwise than by its hook
     * fails the test with its output.
     */
    private static final class WorkerFleet implements AutoCloseable {
        private final Cluster cluster;
        private final List<String> faults;
        private final Path logs;
        private final WorkerProcess[] slots = new WorkerProcess[WORKERS];
        private final Map<Faults.Point, Integer> kills = new EnumMap<>(Faults.Point.class);
        private int nextFault;

        WorkerFleet(Cluster cluster, List<String> faults, Path logs) throws Exception {
            this.cluster = cluster;
            this.faults = faults;
            this.logs = logs;
            for (Faults.Point p : Faults.Point.values()) {
                kills.put(p, 0);
            }
            for (int i = 0; i < WORKERS; i++) {
                slots[i] = startSlot(i);
            }
        }

        private WorkerProcess startSlot(int i) throws Exception {
            String fault = nextFault < faults.size() ? faults.get(nextFault++) : null;
            WorkerProcess.Spec spec = new WorkerProcess.Spec("fault-worker-" + i, cluster.stack.bootstrapServers(),
                    cluster.stack.registryUrl().toString(), CONTEXT, OUTPUT, 6);
            return WorkerProcess.start(spec, fault, logs);
        }

        /** Restarts ended workers, counting their kills, for about `time`. */
        void superviseFor(Duration time) throws Exception {
            long end = System.nanoTime() + time.toNanos();
            do {
                for (int i = 0; i < WORKERS; i++) {
                    WorkerProcess ended = slots[i];
                    if (!ended.alive()) {
                        int status = ended.exitStatus();
                        Faults.Point point = java.util.Arrays.stream(Faults.Point.values())
                                .filter(p -> p.exitStatus() == status).findFirst()
                                .orElseThrow(() -> new AssertionError("a worker ended with status " + status + ":\n" + ended.tail()));
                        kills.merge(point, 1, Integer::sum);
                        slots[i] = startSlot(i);
                    }
                }
                Thread.sleep(200);
            } while (System.nanoTime() < end);
        }

        int kills() {
            return kills.values().stream().mapToInt(Integer::intValue).sum();
        }

        Map<Faults.Point, Integer> killsByPoint() {
            return Map.copyOf(kills);
        }

        @Override
        public void close() throws Exception {
            for (WorkerProcess p : slots) {
                if (p != null) {
                    p.kill();
                }
            }
        }
    }
}
