/*
 * The metrics model on hand-made records: given statuses, lanes, heartbeats, results and dead
 * letters at chosen event times, when the model is read at a chosen instant, then jobs/s, tokens/s
 * per worker and in total, latency percentiles, lane load, dead letters, lag and the job table
 * are the figures the records imply; and the Prometheus meters show the same figures.
 */
package dev.longhaul.ops.dashboard;

import static dev.longhaul.ops.dashboard.DashboardRecords.deadLetter;
import static dev.longhaul.ops.dashboard.DashboardRecords.heartbeat;
import static dev.longhaul.ops.dashboard.DashboardRecords.status;
import static dev.longhaul.ops.dashboard.DashboardRecords.timings;
import static dev.longhaul.ops.dashboard.DashboardRecords.usage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.longhaul.ops.dashboard.ThroughputSnapshot.BatchFill;
import dev.longhaul.ops.dashboard.ThroughputSnapshot.Latency;
import dev.longhaul.ops.dashboard.ThroughputSnapshot.TopicLag;
import dev.longhaul.ops.dashboard.ThroughputSnapshot.WorkerLoad;
import dev.longhaul.schemas.JobState;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class DashboardThroughputTest {
    private static final double EPS = 1e-9;
    private static final long NOW = 1_000_000;

    private final DashboardRecords.ManualClock clock = new DashboardRecords.ManualClock(NOW);
    private final Throughput model = new Throughput(clock, Duration.ofSeconds(10));

    @Test
    void completedJobsPerSecondCountsEachJobOnceWithinTheWindow() {
        model.onStatus(status("a", "t1", JobState.SUCCEEDED, 1, 10, NOW - 5_000));
        model.onStatus(status("b", "t1", JobState.SUCCEEDED, 1, 10, NOW - 4_000));
        model.onStatus(status("c", "t2", JobState.SUCCEEDED, 1, 10, NOW - 1_000));
        model.onStatus(status("old", "t2", JobState.SUCCEEDED, 1, 10, NOW - 20_000));
        model.onStatus(status("c", "t2", JobState.SUCCEEDED, 1, 10, NOW - 900)); // a duplicate final status
        model.onStatus(status("f", "t2", JobState.FAILED, 0.5, 10, NOW - 900));

        ThroughputSnapshot s = model.snapshot();
        assertEquals(3 / 10.0, s.jobsPerSecond(), EPS, "three SUCCEEDED in the last 10 s");
        assertEquals(Map.of("SUCCEEDED", 4L, "FAILED", 1L), s.finishedByState());

        clock.set(NOW + 10_000);
        assertEquals(0.0, model.snapshot().jobsPerSecond(), EPS, "all out of the window");
        assertEquals(4L, model.snapshot().finishedByState().get("SUCCEEDED"));
    }

    @Test
    void aJobTableRowFollowsItsStatusAndNeverLeavesAFinalState() {
        model.onStatus(status("a", "t1", JobState.QUEUED, 0, 0, NOW - 3_000));
        model.onStatus(status("b", "t2", JobState.RUNNING, 0.25, 400, NOW - 2_000));
        model.onStatus(status("a", "t1", JobState.RUNNING, 0.5, 900, NOW - 1_000));
        model.onStatus(status("c", "t1", JobState.CANCELLED, 0.1, 50, NOW - 1_500));
        model.onStatus(status("c", "t1", JobState.RUNNING, 0.2, 60, NOW - 500)); // a late progress tick

        ThroughputSnapshot s = model.snapshot();
        assertEquals(List.of("a", "c", "b"), s.jobs().stream().map(ThroughputSnapshot.JobRow::jobId).toList(),
                "most recently updated first");
        ThroughputSnapshot.JobRow a = s.jobs().get(0);
        assertEquals("RUNNING", a.state());
        assertEquals(0.5, a.progress(), EPS);
        assertEquals(900, a.tokens());
        assertEquals("CANCELLED", model.job("c").orElseThrow().state());
        assertEquals(Map.of("RUNNING", 2L, "CANCELLED", 1L), s.jobsByState());
        assertTrue(model.job("missing").isEmpty());
    }

    @Test
    void tokensAreAttributedThroughTheJobsLaneToTheWorkerHoldingIt() {
        model.onHeartbeat(heartbeat("w1", List.of(0, 1), 500, NOW - 1_000));
        model.onHeartbeat(heartbeat("w2", List.of(2), 0, NOW - 1_000));
        model.onLane("a", 1);
        model.onLane("b", 2);
        model.onResult("a", usage(100, 10), timings(5, 50), NOW - 2_000);
        // a's second task continues the same document (60 of its 120 prompt tokens): prefilled once, with the first
        model.onResult("a", usage(120, 5), timings(5, 50), NOW - 2_000);
        model.onResult("b", usage(50, 20), timings(7, 70), NOW - 3_000);
        model.onResult("c", usage(7, 1), timings(9, 90), NOW - 3_000);
        model.onResult("d", usage(1000, 1000), timings(9, 90), NOW - 60_000); // before the window

        ThroughputSnapshot s = model.snapshot();
        assertEquals(16.0, s.tokensByWorker().get("w1").prefillPerSecond(), EPS);
        assertEquals(1.5, s.tokensByWorker().get("w1").decodePerSecond(), EPS);
        assertEquals(5.0, s.tokensByWorker().get("w2").prefillPerSecond(), EPS);
        assertEquals(2.0, s.tokensByWorker().get("w2").decodePerSecond(), EPS);
        assertEquals(0.7, s.tokensByWorker().get(Throughput.UNKNOWN_WORKER).prefillPerSecond(), EPS, "c has no lane");
        assertEquals(21.7, s.tokens().prefillPerSecond(), EPS);
        assertEquals(3.6, s.tokens().decodePerSecond(), EPS);
        assertEquals(1217, s.tokens().prefillTotal(), "totals include results older than the window");
        assertEquals(1036, s.tokens().decodeTotal());
    }

    @Test
    void latencyPercentilesCountEachJobOnce() {
        for (int i = 1; i <= 100; i++) {
            model.onResult("job-" + i, usage(1, 1), timings(i, 2L * i), NOW);
            model.onResult("job-" + i, usage(1, 1), timings(i, 2L * i), NOW); // its second task
        }
        Map<String, Latency> latency = model.snapshot().latency();
        assertEquals(new Latency(100, 50, 90, 99, 100), latency.get("queued"));
        assertEquals(new Latency(100, 100, 180, 198, 200), latency.get("running"));
        assertEquals(new Latency(100, 151, 271, 298, 301), latency.get("end_to_end"));
    }

    @Test
    void laneLoadComesFromTheLatestHeartbeatAndAgesOut() {
        model.onHeartbeat(heartbeat("w1", List.of(0), 100, NOW - 30_000));
        model.onHeartbeat(heartbeat("w1", List.of(0, 3), 700, NOW - 1_000));
        model.onHeartbeat(heartbeat("w2", List.of(1), 0, NOW - 20_000));

        List<WorkerLoad> workers = model.snapshot().workers();
        assertEquals(2, workers.size());
        WorkerLoad w1 = workers.get(0);
        assertEquals("w1", w1.workerId());
        assertEquals(List.of(0, 3), w1.lanes());
        assertEquals(700, w1.outstandingCostTokens());
        assertEquals(1234.5, w1.capacityTokensPerSecond(), EPS);
        assertTrue(w1.alive());
        assertFalse(workers.get(1).alive(), "w2 was last heard 20 s ago");
    }

    @Test
    void aWorkerGoneForTenMinutesLeavesTheListItsRatesAndItsMeters() {
        model.onHeartbeat(heartbeat("old", List.of(0), 0, NOW - 1_000));
        model.onLane("a", 0);
        model.onResult("a", usage(100, 10), timings(40, 60), NOW - 1_000);
        DashboardMeters meters = new DashboardMeters(model.snapshot());
        assertTrue(meters.registry().scrape().contains("worker=\"old\""));

        clock.set(NOW + Throughput.FORGET_AFTER.toMillis() - 2_000);
        model.onHeartbeat(heartbeat("new", List.of(0), 0, clock.millis()));
        ThroughputSnapshot gone = model.snapshot();
        assertEquals(List.of("new", "old"), gone.workers().stream().map(WorkerLoad::workerId).toList(),
                "a worker unheard of for less than ten minutes is listed, as not alive");
        assertFalse(gone.workers().get(1).alive());

        clock.set(NOW + Throughput.FORGET_AFTER.toMillis());
        ThroughputSnapshot later = model.snapshot();
        assertEquals(List.of("new"), later.workers().stream().map(WorkerLoad::workerId).toList());
        assertFalse(later.tokensByWorker().containsKey("old"));
        meters.update(later);
        String text = meters.registry().scrape();
        assertFalse(text.contains("worker=\"old\""), "no series of the forgotten worker is left");
        assertEquals(0.0, PrometheusText.value(text, "longhaul_worker_outstanding_tokens", "worker", "new"), EPS);
        assertEquals(100, later.tokens().prefillTotal(), EPS, "the forgotten worker's tokens stay in the total of all workers");
    }

    @Test
    void batchFillComesFromTheLatestHeartbeatOfAWorkerStillAlive() {
        model.onHeartbeat(heartbeat("w1", NOW - 1_000, 40, 3.0, 8, 131.5, 263));
        model.onHeartbeat(heartbeat("w2", List.of(1), 0, NOW - 1_000)); // a heartbeat without the batch fields
        model.onHeartbeat(heartbeat("w3", NOW - 20_000, 40, 8.0, 8, 263, 263));

        List<WorkerLoad> workers = model.snapshot().workers();
        BatchFill w1 = workers.get(0).batch();
        assertEquals(40, w1.steps());
        assertEquals(3.0 / 8, w1.sequenceFill(), EPS);
        assertEquals(0.5, w1.tokenFill(), EPS);
        assertEquals(8, w1.maxSequences());
        assertEquals(BatchFill.NONE, workers.get(1).batch(), "defaults read as no fill");
        assertEquals(BatchFill.NONE, workers.get(2).batch(), "w3 was last heard 20 s ago: it fills nothing now");
    }

    @Test
    void deadLettersAreCountedByReasonAndLagGivesQueueDepth() {
        model.onDeadLetter(deadLetter("NOT_AVRO"));
        model.onDeadLetter(deadLetter("NOT_AVRO"));
        model.onDeadLetter(deadLetter("MISSING_CHUNKS"));
        model.onLag(List.of(new TopicLag("longhaul.work", "longhaul-workers", 10, 7, 3),
                new TopicLag("longhaul.jobs", "longhaul-pipeline", 5, 5, 0),
                new TopicLag("longhaul.work", "other", 10, 2, 8)));

        ThroughputSnapshot s = model.snapshot();
        assertEquals(Map.of("NOT_AVRO", 2L, "MISSING_CHUNKS", 1L), s.deadLetters());
        assertEquals(Map.of("longhaul.work", 8L, "longhaul.jobs", 0L), s.queueDepth(), "the largest lag of any group");
    }

    @Test
    void lagSumsPerPartitionOverTheTopicsAGroupHasCommittedOn() {
        TopicPartition t0 = new TopicPartition("t", 0);
        TopicPartition t1 = new TopicPartition("t", 1);
        TopicPartition u0 = new TopicPartition("u", 0);
        List<TopicLag> lag = LagProbe.lagOf("g", Map.of(t0, 10L, t1, 5L, u0, 7L), Map.of(t0, new OffsetAndMetadata(8)));
        assertEquals(List.of(new TopicLag("t", "g", 15, 8, 7)), lag, "t-1 never committed counts from 0; u is not read by g");
    }

    @Test
    void prometheusMetersShowTheSnapshotsFigures() {
        model.onHeartbeat(heartbeat("w1", List.of(0), 500, NOW - 1_000));
        model.onLane("a", 0);
        model.onStatus(status("a", "t1", JobState.SUCCEEDED, 1, 110, NOW - 1_000));
        model.onResult("a", usage(100, 10), timings(40, 60), NOW - 1_000);
        model.onDeadLetter(deadLetter("NOT_AVRO"));
        model.onLag(List.of(new TopicLag("longhaul.work", "longhaul-workers", 10, 7, 3)));
        DashboardMeters meters = new DashboardMeters(model.snapshot());
        String text = meters.registry().scrape();

        assertEquals(0.1, PrometheusText.value(text, "longhaul_jobs_per_second"), EPS);
        assertEquals(1.0, PrometheusText.value(text, "longhaul_jobs_finished_total", "state", "SUCCEEDED"), EPS);
        assertEquals(1.0, PrometheusText.value(text, "longhaul_jobs", "state", "SUCCEEDED"), EPS);
        assertEquals(10.0, PrometheusText.value(text, "longhaul_tokens_per_second", "phase", "prefill"), EPS);
        assertEquals(100.0, PrometheusText.value(text, "longhaul_tokens_total", "phase", "prefill", "worker", "w1"), EPS);
        assertEquals(1.0, PrometheusText.value(text, "longhaul_worker_tokens_per_second", "phase", "decode", "worker", "w1"), EPS);
        assertEquals(500.0, PrometheusText.value(text, "longhaul_worker_outstanding_tokens", "worker", "w1"), EPS);
        assertEquals(0.04, PrometheusText.value(text, "longhaul_job_latency_seconds", "stage", "queued", "quantile", "0.5"), EPS);
        assertEquals(1.0, PrometheusText.value(text, "longhaul_dead_letters_total", "reason", "NOT_AVRO"), EPS);
        assertEquals(3.0, PrometheusText.value(text, "longhaul_consumer_lag", "group", "longhaul-workers", "topic", "longhaul.work"), EPS);
        assertEquals(3.0, PrometheusText.value(text, "longhaul_queue_depth", "topic", "longhaul.work"), EPS);

        model.onDeadLetter(deadLetter("NOT_AVRO"));
        meters.update(model.snapshot());
        assertEquals(2.0, PrometheusText.value(meters.registry().scrape(), "longhaul_dead_letters_total", "reason", "NOT_AVRO"), EPS,
                "meters read the latest snapshot");
    }
}
