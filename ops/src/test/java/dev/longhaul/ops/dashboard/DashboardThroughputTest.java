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
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Usage;
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
    void aStoppedWorkersLateTickDoesNotShowAPausedJobRunning() {
        java.time.Instant release = java.time.Instant.ofEpochMilli(NOW - 5_000);
        var tick = status("p", "t1", JobState.RUNNING, 0.2, 100, NOW - 3_000);
        tick.setRelease(release);
        var handedBack = status("p", "t1", JobState.QUEUED, 0, 0, NOW - 2_000);
        handedBack.setReason(dev.longhaul.schemas.JobStates.handedBack(release));
        handedBack.setRelease(release);
        var late = status("p", "t1", JobState.RUNNING, 0.3, 150, NOW - 1_000);
        late.setRelease(release);
        model.onStatus(tick);
        model.onStatus(handedBack);
        model.onStatus(late);
        ThroughputSnapshot.JobRow row = model.job("p").orElseThrow();
        assertEquals("QUEUED", row.state());
        assertEquals(handedBack.getReason(), row.reason());
        // the next release runs
        var again = status("p", "t1", JobState.RUNNING, 0.1, 50, NOW - 500);
        again.setRelease(release.plusSeconds(4));
        model.onStatus(again);
        assertEquals("RUNNING", model.job("p").orElseThrow().state());
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
    void latencyPercentilesCoverTheJobsFinishedInTheLastFifteenMinutes() {
        // a replay after a restart: days-old results, slow ones
        for (int i = 1; i <= 100; i++) {
            model.onResult("old-" + i, usage(1, 1), timings(100_000, 100_000), NOW - Duration.ofDays(3).toMillis());
        }
        assertEquals(new Latency(0, 0, 0, 0, 0), model.snapshot().latency().get("queued"), "no job finished lately");
        // then recent jobs alone make the percentiles
        model.onResult("new-1", usage(1, 1), timings(10, 20), NOW - Duration.ofMinutes(14).toMillis());
        model.onResult("new-2", usage(1, 1), timings(30, 40), NOW);
        assertEquals(new Latency(2, 10, 30, 30, 30), model.snapshot().latency().get("queued"));
        // and one that finished more than fifteen minutes ago leaves them
        clock.set(NOW + Duration.ofMinutes(2).toMillis());
        assertEquals(new Latency(1, 30, 30, 30, 30), model.snapshot().latency().get("queued"));
        clock.set(NOW);
    }

    @Test
    void kafkaTroubleIsDatedFromItsFirstFailureAndClearedWhenKafkaAnswers() {
        assertEquals(ThroughputSnapshot.KafkaTrouble.NONE, model.snapshot().kafka());
        model.onKafkaFailure(NOW - 4_000, "timed out");
        model.onKafkaFailure(NOW - 2_000, "timed out again");
        assertEquals(new ThroughputSnapshot.KafkaTrouble(NOW - 4_000, "timed out again"), model.snapshot().kafka());
        model.onKafkaReached();
        assertEquals(ThroughputSnapshot.KafkaTrouble.NONE, model.snapshot().kafka());
    }

    @Test
    void aLongFailureReasonIsShortenedInTheTable() {
        JobStatus failed = status("long-reason", "t1", JobState.FAILED, 1, 0, NOW);
        failed.setReason("x".repeat(4096));
        model.onStatus(failed);
        String shown = model.snapshot().jobs().get(0).reason();
        assertEquals(Throughput.MAX_REASON_CHARS, shown.length());
        assertTrue(shown.endsWith("\u2026"), shown);
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
        List<TopicLag> lag = LagProbe.lagOf("g", Map.of(), Map.of(t0, 10L, t1, 5L, u0, 7L), Map.of(t0, new OffsetAndMetadata(8)),
                LagProbe.Gaps.OFFSETS);
        assertEquals(List.of(new TopicLag("t", "g", 15, 8, 7)), lag, "t-1 never committed counts from 0; u is not read by g");
        // a partition never committed on whose head retention deleted counts from its log start
        lag = LagProbe.lagOf("g", Map.of(t1, 1_000_000L), Map.of(t0, 10L, t1, 1_000_010L), Map.of(t0, new OffsetAndMetadata(8)),
                LagProbe.Gaps.OFFSETS);
        assertEquals(List.of(new TopicLag("t", "g", 1_000_020, 1_000_008, 12)), lag);
        // and one committed below the log start counts from the log start too
        lag = LagProbe.lagOf("g", Map.of(t0, 9L), Map.of(t0, 10L), Map.of(t0, new OffsetAndMetadata(2)), LagProbe.Gaps.OFFSETS);
        assertEquals(List.of(new TopicLag("t", "g", 10, 2, 1)), lag);
    }

    @Test
    void prometheusMetersShowTheSnapshotsFigures() {
        // a model made before the events, so that its counters count them
        clock.set(NOW - 5_000);
        Throughput model = new Throughput(clock, Duration.ofSeconds(10));
        clock.set(NOW);
        model.onHeartbeat(heartbeat("w1", List.of(0), 500, NOW - 1_000));
        model.onLane("a", 0);
        model.onStatus(status("a", "t1", JobState.SUCCEEDED, 1, 110, NOW - 1_000));
        model.onResult("a", usage(100, 10), timings(40, 60), NOW - 1_000);
        model.onDeadLetter(deadLetter("NOT_AVRO", NOW - 1_000));
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

        model.onDeadLetter(deadLetter("NOT_AVRO", NOW));
        meters.update(model.snapshot());
        assertEquals(2.0, PrometheusText.value(meters.registry().scrape(), "longhaul_dead_letters_total", "reason", "NOT_AVRO"), EPS,
                "meters read the latest snapshot");

        // the lag probe failing (Dashboard drops stale figures): unknown, not an empty queue
        model.onLag(List.of());
        meters.update(model.snapshot());
        text = meters.registry().scrape();
        assertTrue(Double.isNaN(PrometheusText.value(text, "longhaul_consumer_lag", "group", "longhaul-workers", "topic", "longhaul.work")),
                text);
        assertTrue(Double.isNaN(PrometheusText.value(text, "longhaul_queue_depth", "topic", "longhaul.work")), text);
    }

    @Test
    void aRestartedDashboardsCountersCountOnlyWhatHappensAfterItStartsWhileThePageShowsTheHistory() {
        // given the topics' history, replayed by a dashboard started at NOW: a finished job, its
        // result and a dead letter, all from a minute before
        model.onHeartbeat(heartbeat("w1", List.of(0), 0, NOW - 1_000));
        model.onLane("old", 0);
        model.onStatus(status("old", "t1", JobState.SUCCEEDED, 1, 100, NOW - 60_000));
        model.onResult("old", usage(100, 10), timings(1, 2), NOW - 60_000);
        model.onDeadLetter(deadLetter("NOT_AVRO", NOW - 60_000));
        DashboardMeters meters = new DashboardMeters(model.snapshot());
        // then the page counts them, and the Prometheus counters start at zero
        ThroughputSnapshot replayed = model.snapshot();
        assertEquals(Map.of("SUCCEEDED", 1L), replayed.finishedByState());
        assertEquals(Map.of("NOT_AVRO", 1L), replayed.deadLetters());
        assertEquals(100, replayed.tokens().prefillTotal());
        String text = meters.registry().scrape();
        assertEquals(0.0, PrometheusText.value(text, "longhaul_jobs_finished_total", "state", "SUCCEEDED"), EPS);
        assertEquals(0.0, PrometheusText.value(text, "longhaul_tokens_total", "phase", "prefill", "worker", "w1"), EPS);
        assertEquals(0.0, PrometheusText.value(text, "longhaul_dead_letters_total", "reason", "NOT_AVRO"), EPS);
        assertEquals(1.0, PrometheusText.value(text, "longhaul_jobs", "state", "SUCCEEDED"), EPS, "jobs by state knows the history");

        // when a job finishes, with its result, and a dead letter comes, after the start
        clock.set(NOW + 2_000);
        model.onLane("new", 0);
        model.onStatus(status("new", "t1", JobState.SUCCEEDED, 1, 40, NOW + 1_000));
        model.onResult("new", usage(40, 4), timings(1, 2), NOW + 1_000);
        model.onDeadLetter(deadLetter("NOT_AVRO", NOW + 1_500));
        meters.update(model.snapshot());
        // then the counters count those only
        text = meters.registry().scrape();
        assertEquals(1.0, PrometheusText.value(text, "longhaul_jobs_finished_total", "state", "SUCCEEDED"), EPS);
        assertEquals(40.0, PrometheusText.value(text, "longhaul_tokens_total", "phase", "prefill", "worker", "w1"), EPS);
        assertEquals(4.0, PrometheusText.value(text, "longhaul_tokens_total", "phase", "decode", "worker", "w1"), EPS);
        assertEquals(1.0, PrometheusText.value(text, "longhaul_dead_letters_total", "reason", "NOT_AVRO"), EPS);
        assertEquals(2L, model.snapshot().finishedByState().get("SUCCEEDED"), "the page: history and new");
        assertTrue(Double.isNaN(PrometheusText.value(new DashboardMeters(new Throughput(clock, Duration.ofSeconds(10)).snapshot())
                .registry().scrape(), "longhaul_job_latency_seconds", "stage", "queued", "quantile", "0.5")), "no samples: NaN, not 0");
    }

    @Test
    void aJobIdUsedAgainShowsItsNewLifeAndCountsItsEnd() {
        // given a job that succeeded, and a late tick of that life
        model.onStatus(status("reused", "s1", JobState.SUCCEEDED, 50, NOW - 19_000));
        model.onStatus(status("reused", "s1", JobState.RUNNING, 40, NOW - 18_900));
        assertEquals("SUCCEEDED", model.job("reused").orElseThrow().state(), "a late tick is stale");
        // when the id is submitted again (its new life: ACCEPTED, RUNNING) and succeeds, and its end repeats
        model.onStatus(status("reused", "s2", JobState.ACCEPTED, 0, NOW - 3_000));
        assertEquals("ACCEPTED", model.job("reused").orElseThrow().state());
        assertEquals(Map.of("ACCEPTED", 1L, "SUCCEEDED", 1L), model.snapshot().jobsByState());
        model.onStatus(status("reused", "s2", JobState.RUNNING, 10, NOW - 2_000));
        model.onStatus(status("reused", "s2", JobState.SUCCEEDED, 20, NOW - 1_000));
        model.onStatus(status("reused", "s2", JobState.SUCCEEDED, 20, NOW - 900));
        // then the table shows the new life's end, and both ends count once each
        ThroughputSnapshot.JobRow row = model.job("reused").orElseThrow();
        assertEquals("SUCCEEDED", row.state());
        assertEquals("s2", row.submissionId());
        assertEquals(NOW - 1_000, row.updatedAt());
        ThroughputSnapshot s = model.snapshot();
        assertEquals(Map.of("SUCCEEDED", 2L), s.finishedByState());
        assertEquals(0.1, s.jobsPerSecond(), EPS, "the new life's end is within the window");
    }

    @Test
    void jobsByStateCountsEveryJobNotFinalNotOnlyTheRowsTheTableKeeps() {
        int queued = Throughput.MAX_JOBS * 2;
        for (int i = 0; i < queued; i++) {
            model.onStatus(status("q-" + i, "t1", JobState.QUEUED, 0, 0, NOW - 60_000 + i));
        }
        model.onStatus(status("q-0", "t1", JobState.RUNNING, 0.5, 10, NOW));
        model.onStatus(status("q-1", "t1", JobState.FAILED, 0.5, 10, NOW));
        ThroughputSnapshot s = model.snapshot();
        assertEquals(Map.of("QUEUED", (long) queued - 2, "RUNNING", 1L, "FAILED", 1L), s.jobsByState());
        assertTrue(s.jobs().size() <= Throughput.SNAPSHOT_ROWS, "the snapshot carries " + s.jobs().size() + " rows");
        assertEquals("RUNNING", s.jobs().stream().filter(r -> r.jobId().equals("q-0")).findFirst().orElseThrow().state());
        // and a job that ended and left the table is still found by a lookup
        for (int i = 2; i < queued; i++) {
            model.onStatus(status("q-" + i, "t1", JobState.SUCCEEDED, 1, 10, NOW + i));
        }
        assertEquals("FAILED", model.job("q-1").orElseThrow().state(), "q-1 left the table, not the lookups");
    }

    @Test
    void prefillIsCountedLiveFromRunningTicksAndTheResultAddsOnlyTheRest() {
        model.onHeartbeat(heartbeat("w1", List.of(0), 0, NOW - 1_000));
        model.onLane("long", 0);
        // given a long document streaming: ticks say 300, then 700 of its tokens were fed
        model.onStatus(status("long", "t1", JobState.RUNNING, 0.3, 300, NOW - 30_000));
        model.onStatus(status("long", "t1", JobState.RUNNING, 0.7, 700, NOW - 5_000));
        // then the window shows the tokens fed within it while the job runs
        ThroughputSnapshot running = model.snapshot();
        assertEquals(40.0, running.tokens().prefillPerSecond(), EPS, "400 tokens in the last 10 s");
        assertEquals(40.0, running.tokensByWorker().get("w1").prefillPerSecond(), EPS);
        assertEquals(700, running.tokens().prefillTotal());
        // when its result says 1000 document tokens in a prompt of 1100 (the task's own 100), and a late tick follows
        model.onResult("long", Usage.newBuilder().setPromptTokens(1100).setOutputTokens(5).setDocumentTokens(1000)
                .setDocumentShareRead(1.0).build(), timings(1, 2), NOW - 1_000);
        model.onStatus(status("long", "t1", JobState.RUNNING, 0.9, 900, NOW - 900));
        // then the prompt counts once in all: 700 live, and the rest with the result
        assertEquals(1100, model.snapshot().tokens().prefillTotal());
    }

    @Test
    void anOrderRedoneByAnotherWorkerCountsTheRedonePrefill() {
        // given a worker that fed 900 tokens of a document and died, and another that redoes the order
        model.onStatus(status("redo", "t1", JobState.RUNNING, 0.9, 900, NOW - 40_000));
        model.onStatus(status("redo", "t1", JobState.RUNNING, 0.0, 0, NOW - 8_000));
        model.onStatus(status("redo", "t1", JobState.RUNNING, 0.3, 300, NOW - 6_000));
        model.onStatus(status("redo", "t1", JobState.RUNNING, 0.6, 600, NOW - 4_000));
        // then the second worker's prefill shows live, though below the first one's high mark
        assertEquals(60.0, model.snapshot().tokens().prefillPerSecond(), EPS, "600 tokens in the last 10 s");
        // and with the result (a prompt of 1000) everything fed counts: 900 once, then 1000 again
        model.onResult("redo", Usage.newBuilder().setPromptTokens(1000).setOutputTokens(0).setDocumentTokens(1000)
                .setDocumentShareRead(1.0).build(), timings(1, 1), NOW - 1_000);
        assertEquals(1900, model.snapshot().tokens().prefillTotal());
    }

    @Test
    void aLongJobsLivePrefillIsNotCountedAgainAfterManyOtherJobsTicked() {
        // a long job ticks, then more jobs than the model remembers tick and end, then it ends
        model.onStatus(status("long", "t1", JobState.RUNNING, 0.3, 100_000, NOW - 9_000));
        int others = 10_001;
        for (int i = 0; i < others; i++) {
            model.onStatus(status("short-" + i, "t1", JobState.RUNNING, 0.5, 10, NOW - 8_000));
            model.onResult("short-" + i, Usage.newBuilder().setPromptTokens(10).setOutputTokens(0).setDocumentTokens(10)
                    .setDocumentShareRead(1.0).build(), timings(1, 1), NOW - 8_000);
        }
        model.onStatus(status("long", "t1", JobState.RUNNING, 0.6, 200_000, NOW - 1_000));
        model.onResult("long", Usage.newBuilder().setPromptTokens(200_100).setOutputTokens(0).setDocumentTokens(200_000)
                .setDocumentShareRead(1.0).build(), timings(1, 1), NOW - 500);
        // then it counts its prompt once, and each short job its own
        assertEquals(200_100 + 10L * others, model.snapshot().tokens().prefillTotal());
    }

    @Test
    void aLongJobsLivePrefillIsNotCountedAgainAfterManyOthersTickedAndFailed() {
        // a long job ticks, then more jobs than the model remembers tick and fail (no result follows a failure)
        model.onStatus(status("long", "t1", JobState.QUEUED, 0, 0, NOW - 9_500));
        model.onStatus(status("long", "t1", JobState.RUNNING, 0.3, 100_000, NOW - 9_000));
        int others = 10_001;
        for (int i = 0; i < others; i++) {
            model.onStatus(status("bad-" + i, "t1", JobState.RUNNING, 0.5, 10, NOW - 8_000));
            model.onStatus(status("bad-" + i, "t1", JobState.FAILED, 0.5, 10, NOW - 8_000));
        }
        model.onStatus(status("long", "t1", JobState.RUNNING, 0.6, 200_000, NOW - 1_000));
        // then the long job's prefix counts once: 200,000 in all, not its first 100,000 again
        assertEquals(200_000 + 10L * others, model.snapshot().tokens().prefillTotal());
    }

    @Test
    void aLongJobsLivePrefillIsNotCountedAgainWhileMoreJobsThanRememberedRun() {
        // a long job ticks now and then while more jobs than the model remembers start and run
        model.onStatus(status("long", "t1", JobState.QUEUED, 0, 0, NOW - 9_500));
        model.onStatus(status("long", "t1", JobState.RUNNING, 0.3, 100_000, NOW - 9_000));
        int others = 10_001;
        for (int i = 0; i < others; i++) {
            model.onStatus(status("other-" + i, "t1", JobState.RUNNING, 0.5, 10, NOW - 8_000));
            if (i % 1_000 == 999) {
                model.onStatus(status("long", "t1", JobState.RUNNING, 0.3, 100_000 + i, NOW - 8_000));
            }
        }
        model.onStatus(status("long", "t1", JobState.RUNNING, 0.6, 200_000, NOW - 1_000));
        // then the long job's prefix counts once: 200,000 in all, not the part before the last tick again
        assertEquals(200_000 + 10L * others, model.snapshot().tokens().prefillTotal());
    }

    @Test
    void aJobFirstSeenWellIntoItsRunCountsItsPastAsHistoryNotAsThroughput() {
        // given a status topic compacted to each job's latest record, replayed by a dashboard just started:
        // the running job's only record is a tick 2 s ago with a million tokens fed over its whole run
        model.onStatus(status("long", "t1", JobState.RUNNING, 0.5, 1_000_000, NOW - 2_000));
        ThroughputSnapshot replayed = model.snapshot();
        assertEquals(0.0, replayed.tokens().prefillPerSecond(), EPS, "its past is no burst of throughput now");
        assertEquals(1_000_000, replayed.tokens().prefillTotal(), "but it counts in the total");
        // when it ticks again, what it fed since shows live, and its result adds only the rest of its prompt
        model.onStatus(status("long", "t1", JobState.RUNNING, 0.6, 1_000_500, NOW - 1_000));
        assertEquals(50.0, model.snapshot().tokens().prefillPerSecond(), EPS, "500 tokens in the last 10 s");
        model.onResult("long", Usage.newBuilder().setPromptTokens(1_000_600).setOutputTokens(0).setDocumentTokens(1_000_500)
                .setDocumentShareRead(1.0).build(), timings(1, 1), NOW - 500);
        assertEquals(1_000_600, model.snapshot().tokens().prefillTotal());
        // and a job first heard of by a tick written since the model started (its earlier rows
        // pushed out of a full table, say) counts live as any other
        clock.set(NOW + 2_000);
        model.onStatus(status("fresh", "t1", JobState.RUNNING, 0.1, 3_000, NOW + 1_000));
        assertEquals(360.0, model.snapshot().tokens().prefillPerSecond(), EPS, "500 + 100 + 3,000 tokens in the last 10 s");
    }
}
