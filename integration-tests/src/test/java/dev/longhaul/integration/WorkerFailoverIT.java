/*
 * Failover on a real broker. A worker process is killed (SIGKILL: no commit, no clean shutdown, no
 * group leave) in the middle of a long job; after its session times out the lane moves to another
 * worker, which redoes the job: it ends SUCCEEDED with exactly one result. Then a worker joins the
 * group while a long job runs: lanes move, and still exactly one result comes out. And a cancel
 * reaching a running job stops it: CANCELLED, no result, and the lane goes on.
 */
package dev.longhaul.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.longhaul.ingest.DocumentSource;
import dev.longhaul.ingest.IngestConfig;
import dev.longhaul.ingest.JobControl;
import dev.longhaul.ingest.JobSpec;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Summary;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class WorkerFailoverIT {
    private static final List<Task> SUMMARIZE = List.of(Task.newBuilder().setType(TaskType.SUMMARIZE).build());
    /** Document tokens per job: large enough that a job runs for seconds on the xs model. */
    private static final int CONTEXT = 20_000;

    @Test
    void aWorkerKilledMidJobIsReplacedAndTheJobCompletesOnce() throws Exception {
        try (Cluster cluster = new Cluster(config("failover-kill"), CONTEXT, 4)) {
            Process victim = startWorkerProcess(cluster, "victim");
            try {
                submitLong(cluster, "long-kill");
                awaitState(cluster, "long-kill", JobState.RUNNING, Duration.ofMinutes(3));
                victim.destroyForcibly().waitFor();
            } finally {
                victim.destroyForcibly();
            }
            cluster.addWorker("rescuer");
            assertEquals(JobState.SUCCEEDED, awaitFinal(cluster, "long-kill", Duration.ofMinutes(5)));
            assertEquals(1, summaries(cluster, "long-kill"), "exactly one result after the failover");
        }
    }

    @Test
    void aWorkerAddedDuringALongJobCausesNoDuplicate() throws Exception {
        try (Cluster cluster = new Cluster(config("failover-add"), CONTEXT, 4)) {
            cluster.addWorker("first");
            submitLong(cluster, "long-add");
            awaitState(cluster, "long-add", JobState.RUNNING, Duration.ofMinutes(3));
            cluster.addWorker("second");
            assertEquals(JobState.SUCCEEDED, awaitFinal(cluster, "long-add", Duration.ofMinutes(5)));
            assertEquals(1, summaries(cluster, "long-add"), "exactly one result although lanes moved");
        }
    }

    @Test
    void cancelStopsARunningJobWithoutResult() throws Exception {
        try (Cluster cluster = new Cluster(config("failover-cancel"), CONTEXT, 4);
             JobControl control = new JobControl(IngestConfig.defaults(cluster.stack.bootstrapServers()),
                     new RestSchemaRegistryClient(cluster.stack.registryUrl()))) {
            cluster.addWorker("only");
            submitLong(cluster, "long-cancel");
            awaitState(cluster, "long-cancel", JobState.RUNNING, Duration.ofMinutes(3));
            control.cancel("long-cancel");
            assertEquals(JobState.CANCELLED, awaitFinal(cluster, "long-cancel", Duration.ofMinutes(3)));
            assertEquals(0, summaries(cluster, "long-cancel"), "a cancelled job has no result");
            submitLong(cluster, "after-cancel");
            assertEquals(JobState.SUCCEEDED, awaitFinal(cluster, "after-cancel", Duration.ofMinutes(5)), "the lane goes on");
        }
    }

    private static PipelineConfig config(String app) {
        return PipelineConfig.DEFAULTS.withKafka(new PipelineConfig.Kafka(app, "longhaul.", 1, Duration.ofMillis(100)));
    }

    private static void submitLong(Cluster cluster, String id) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 80_000; i++) {
            sb.append("Section ").append(i).append(". The parties agree that the supplier shall deliver the goods. ");
        }
        cluster.submitter.submit(JobSpec.of(DocumentKind.TEXT, SUMMARIZE).withJobId(id),
                DocumentSource.stream(new ByteArrayInputStream(sb.toString().getBytes(StandardCharsets.UTF_8)), id));
    }

    /** `longhaul worker` in its own JVM, on this test's classpath. */
    private static Process startWorkerProcess(Cluster cluster, String id) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "dev.longhaul.ops.cli.Longhaul", "worker", "--model", Cluster.model().toString(), "--id", id,
                "--bootstrap-servers", cluster.stack.bootstrapServers(), "--registry-url", cluster.stack.registryUrl().toString(),
                "--context-tokens", Integer.toString(CONTEXT), "--time-budget", "600", "--max-output-tokens", "4",
                "--threads", "1"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static long summaries(Cluster cluster, String jobId) {
        long n = 0;
        for (ConsumerRecord<String, Summary> r : cluster.committed(cluster.topics.summaries)) {
            if (jobId.equals(r.key())) {
                n++;
            }
        }
        return n;
    }

    private static JobState latest(Cluster cluster, String jobId) {
        JobState last = null;
        for (ConsumerRecord<String, JobStatus> r : cluster.committed(cluster.topics.status)) {
            if (jobId.equals(r.key())) {
                last = r.value().getState();
            }
        }
        return last;
    }

    private static void awaitState(Cluster cluster, String jobId, JobState wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JobState s = null;
        while (System.nanoTime() < deadline) {
            s = latest(cluster, jobId);
            if (s == wanted) {
                return;
            }
            assertTrue(s == null || s == JobState.ACCEPTED || s == JobState.QUEUED, jobId + " went to " + s + " before " + wanted);
            Thread.sleep(200);
        }
        throw new AssertionError(jobId + " did not reach " + wanted + " (last " + s + ")");
    }

    private static JobState awaitFinal(Cluster cluster, String jobId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JobState s = latest(cluster, jobId);
            if (s == JobState.SUCCEEDED || s == JobState.FAILED || s == JobState.CANCELLED || s == JobState.EXPIRED) {
                return s;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(jobId + " not final after " + timeout);
    }
}
