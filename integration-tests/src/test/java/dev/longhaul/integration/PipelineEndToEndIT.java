/*
 * The acceptance run of the Kafka spine, end to end on a real KRaft broker: 200 jobs of mixed kinds
 * and sizes from the shared corpus and this repository (logs, CUAD contracts, plain text, source
 * trees), including one log of at least 64 MiB that the worker streams within its context budget,
 * submitted through the ingest library, planned and dispatched by the pipeline application and
 * run by three workers. Read back read_committed: exactly one result per requested task, none lost,
 * none duplicated, every job SUCCEEDED, every worker took part. Then cancel and deadline, on the
 * same cluster.
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineEndToEndIT {
    private static final int JOBS = 200;
    private static final long BIG_LOG_BYTES = 64L << 20;
    private static Cluster cluster;

    @BeforeAll
    static void start() throws InterruptedException {
        cluster = new Cluster(PipelineConfig.DEFAULTS.withKafka(
                new PipelineConfig.Kafka("longhaul-it", "longhaul.", 1, Duration.ofMillis(100))), 512, 4);
        for (int i = 0; i < 3; i++) {
            cluster.addWorker("w" + i);
        }
        // the 200-job test checks that every worker took part: start it once the group has settled
        cluster.awaitEveryWorkerHoldsALane(Duration.ofMinutes(2));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void twoHundredMixedJobsAcrossThreeWorkersGetExactlyOneResultPerTask(@TempDir Path tmp) throws Exception {
        MixedJobs.run(cluster, tmp, JOBS, BIG_LOG_BYTES);
    }

    @Test
    void cancelGivesCancelledAndNoResultAndAPassedDeadlineGivesExpired(@TempDir Path tmp) throws Exception {
        MixedJobs.Submitted late = MixedJobs.submit(cluster, JobSpec.of(DocumentKind.TEXT, List.of(MixedJobs.summarize())).withJobId("late-1")
                .withDeadline(Instant.now().minusSeconds(1)), DocumentSource.stream(
                new java.io.ByteArrayInputStream("too late".getBytes(StandardCharsets.UTF_8)), "late"));
        // A long job (a large log read whole up to a big budget would take long; here a cancel is
        // sent right after submission, so it lands while the job is queued or running).
        MixedJobs.Submitted cancelled = MixedJobs.submit(cluster, JobSpec.of(DocumentKind.LOG, List.of(MixedJobs.summarize())).withJobId("cancel-1"),
                DocumentSource.file(MixedJobs.slice(tmp, SharedData.corpusDir().resolve("logs/full/Linux.log"), 2_000_000)));
        try (JobControl control = new JobControl(IngestConfig.defaults(cluster.stack.bootstrapServers()),
                new RestSchemaRegistryClient(cluster.stack.registryUrl()))) {
            control.cancel(cancelled.jobId());
        }
        Map<String, JobState> finals = MixedJobs.awaitFinal(cluster, List.of(late.jobId(), cancelled.jobId()), Duration.ofMinutes(3));
        assertEquals(JobState.EXPIRED, finals.get(late.jobId()));
        assertEquals(JobState.CANCELLED, finals.get(cancelled.jobId()));
        for (var r : cluster.committed(cluster.topics.summaries)) {
            assertTrue(!r.key().equals(late.jobId()) && !r.key().equals(cancelled.jobId()), "no result for " + r.key());
        }
    }
}
