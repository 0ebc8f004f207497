/*
 * The main end-to-end scenario, shared by the embedded-broker run (PipelineEndToEndIT) and the
 * Testcontainers run (PipelineOnContainerIT): mixed jobs of every kind from the shared corpus and
 * this repository, one of them a log of tens of MiB, submitted through the ingest library; then,
 * read back read_committed, exactly one result per requested task and every job SUCCEEDED.
 */
package dev.longhaul.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import dev.longhaul.engine.SharedData;
import dev.longhaul.ingest.DocumentSource;
import dev.longhaul.ingest.JobControl;
import dev.longhaul.ingest.IngestConfig;
import dev.longhaul.ingest.JobSpec;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.Usage;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;

final class MixedJobs {
    /** One submitted job and the tasks it asked for. */
    record Submitted(String jobId, List<Task> tasks) {}

    private MixedJobs() {
    }

    /** Submits `jobs` mixed jobs (the first a log of at least bigLogBytes) and checks the results. */
    static void run(Cluster cluster, Path tmp, int jobs, long bigLogBytes) throws Exception {
        List<Path> logs = corpusFiles(SharedData.corpusDir().resolve("logs/loghub_2k"), ".log");
        List<Path> contracts = corpusFiles(SharedData.corpusDir().resolve("contracts/cuad/docs"), ".txt");
        List<Path> repos = List.of(Path.of("..", "schemas", "src"), Path.of("..", "ingest", "src"), Path.of("..", "embedded-kafka"));
        Path bigLog = bigLog(tmp.resolve("big.log"), bigLogBytes);
        List<Submitted> submitted = new ArrayList<>();
        submitted.add(submit(cluster, JobSpec.of(DocumentKind.LOG, List.of(summarize(), extract("first error"))).withJobId("big-log"),
                DocumentSource.file(bigLog)));
        for (int i = 1; i < jobs; i++) {
            List<Task> tasks = switch (i % 3) {
                case 0 -> List.of(summarize());
                case 1 -> List.of(extract("parties", "date"));
                default -> List.of(summarize(), extract("topic"));
            };
            DocumentSource source;
            DocumentKind kind;
            switch (i % 4) {
                case 0 -> {
                    kind = DocumentKind.LOG;
                    source = DocumentSource.file(slice(tmp, logs.get(i % logs.size()), 200 + (i * 997) % 60_000));
                }
                case 1 -> {
                    kind = DocumentKind.CONTRACT;
                    source = DocumentSource.file(contracts.get(i % contracts.size()));
                }
                case 2 -> {
                    kind = DocumentKind.REPO;
                    source = DocumentSource.repository(repos.get(i % repos.size()));
                }
                default -> {
                    kind = DocumentKind.TEXT;
                    source = DocumentSource.stream(new java.io.ByteArrayInputStream(
                            ("Plain text job " + i + ". " + "The quick brown fox jumps over the lazy dog. ".repeat(1 + i % 40))
                                    .getBytes(StandardCharsets.UTF_8)), "text-" + i);
                }
            }
            submitted.add(submit(cluster, JobSpec.of(kind, tasks).withJobId("job-" + i).withTenant("tenant-" + (i % 3)), source));
        }

        Map<String, JobState> finals = awaitFinal(cluster, submitted.stream().map(Submitted::jobId).toList(), Duration.ofMinutes(15));
        Map<String, Integer> results = new TreeMap<>();
        Map<String, Usage> usage = new HashMap<>();
        for (ConsumerRecord<String, dev.longhaul.schemas.Summary> r : cluster.committed(cluster.topics.summaries)) {
            results.merge(r.key() + "#" + r.value().getTaskIndex(), 1, Integer::sum);
            usage.put(r.key(), r.value().getUsage());
        }
        Map<String, List<Task>> tasksOf = new HashMap<>();
        for (Submitted s : submitted) {
            tasksOf.put(s.jobId(), s.tasks());
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (ConsumerRecord<String, dev.longhaul.schemas.Extraction> r : cluster.committed(cluster.topics.extractions)) {
            results.merge(r.key() + "#" + r.value().getTaskIndex(), 1, Integer::sum);
            // The extraction validates against its task's schema: an object with exactly the requested
            // fields, each a string (the schema the worker compiles from a field list).
            var object = json.readTree(r.value().getJson());
            List<String> fields = tasksOf.get(r.key()).get(r.value().getTaskIndex()).getFields();
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            assertEquals(fields, names, "fields of " + r.key() + "'s extraction " + r.value().getJson());
            object.elements().forEachRemaining(v -> assertTrue(v.isTextual(), "a string value in " + r.value().getJson()));
        }
        Map<String, Integer> expected = new TreeMap<>();
        for (Submitted s : submitted) {
            assertEquals(JobState.SUCCEEDED, finals.get(s.jobId()), "final state of " + s.jobId());
            for (int t = 0; t < s.tasks().size(); t++) {
                expected.put(s.jobId() + "#" + t, 1);
            }
        }
        assertEquals(expected, results, "exactly one result per requested task");
        Usage big = usage.get("big-log");
        assertTrue(big.getDocumentShareRead() < 0.01, "a 64 MiB log is read through a view: share " + big.getDocumentShareRead());
        assertTrue(big.getDocumentTokens() <= cluster.workers().get(0).budgetTokens(), "within the context budget");
        for (var w : cluster.workers()) {
            assertTrue(w.ordersDone() > 0, "worker " + w.id() + " took part:" + cluster.describeWorkers());
        }
    }

    static Task summarize() {
        return Task.newBuilder().setType(TaskType.SUMMARIZE).build();
    }

    static Task extract(String... fields) {
        return Task.newBuilder().setType(TaskType.EXTRACT).setFields(List.of(fields)).build();
    }

    static Submitted submit(Cluster cluster, JobSpec spec, DocumentSource source) throws IOException {
        return new Submitted(cluster.submitter.submit(spec, source).jobId(), spec.tasks());
    }

    static List<Path> corpusFiles(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    /** The first `bytes` bytes of a file, cut at a line end, as a new file. */
    static Path slice(Path tmp, Path file, int bytes) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int end = Math.min(all.length, bytes);
        while (end < all.length && end > 1 && all[end - 1] != '\n') {
            end--;
        }
        Path out = Files.createTempFile(tmp, "slice-", ".log");
        Files.write(out, java.util.Arrays.copyOf(all, end));
        return out;
    }

    /** A real log (Loghub's Linux log) repeated to at least 64 MiB. */
    static Path bigLog(Path out, long bytes) throws IOException {
        byte[] linux = Files.readAllBytes(SharedData.corpusDir().resolve("logs/full/Linux.log"));
        try (OutputStream o = Files.newOutputStream(out)) {
            for (long written = 0; written < bytes; written += linux.length) {
                o.write(linux);
            }
        }
        return out;
    }

    /** Waits until every job has a final state on `status`; returns the last state of each. */
    static Map<String, JobState> awaitFinal(Cluster cluster, List<String> jobIds, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, JobState> last = new HashMap<>();
        while (System.nanoTime() < deadline) {
            last.clear();
            for (ConsumerRecord<String, JobStatus> r : cluster.committed(cluster.topics.status)) {
                last.put(r.key(), r.value().getState());
            }
            if (jobIds.stream().allMatch(id -> isFinal(last.get(id)))) {
                return last;
            }
            Thread.sleep(1000);
        }
        List<String> open = jobIds.stream().filter(id -> !isFinal(last.get(id))).limit(10).toList();
        throw new AssertionError("jobs not final after " + timeout + ", e.g. " + open + " in states "
                + open.stream().map(last::get).toList());
    }

    static boolean isFinal(JobState s) {
        return s == JobState.SUCCEEDED || s == JobState.FAILED || s == JobState.CANCELLED || s == JobState.EXPIRED;
    }
}
