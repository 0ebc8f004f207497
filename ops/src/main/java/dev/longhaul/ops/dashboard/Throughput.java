/*
 * The dashboard's metrics model: fed one record at a time by DashboardFeed (or by a test), it
 * keeps jobs completed per second, prefill and decode tokens per second per worker and in total,
 * lane load and batch fill from heartbeats, latency percentiles from result timings, dead letters by reason,
 * consumer lag from LagProbe, and a bounded job table; snapshot() returns all of it at once.
 *
 * Contract: thread-safe (every method synchronizes on the model; feeding is one thread, readers
 * are the HTTP and meter threads). Rates use event time (a status's updatedAt, a result record's
 * timestamp) against the injected clock, so a replay from the topics' start does not show old work
 * as current. Results do not name the worker that produced them, so tokens are attributed through
 * the job's lane (from its WorkOrder) and the worker whose latest heartbeat holds that lane;
 * "unknown" when either is missing.
 */
package dev.longhaul.ops.dashboard;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.longhaul.ops.dashboard.ThroughputSnapshot.BatchFill;
import dev.longhaul.ops.dashboard.ThroughputSnapshot.JobRow;
import dev.longhaul.ops.dashboard.ThroughputSnapshot.Tokens;
import dev.longhaul.ops.dashboard.ThroughputSnapshot.TopicLag;
import dev.longhaul.ops.dashboard.ThroughputSnapshot.WorkerLoad;
import dev.longhaul.schemas.DeadLetter;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Timings;
import dev.longhaul.schemas.Usage;
import dev.longhaul.schemas.WorkerHeartbeat;

public final class Throughput {
    public static final Set<String> FINAL_STATES = Set.of("SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED");
    /** Worker id used when a result cannot be traced to a worker. */
    public static final String UNKNOWN_WORKER = "unknown";
    /** A worker unheard of for this long is shown as gone (workers beat every second). */
    static final Duration STALE_AFTER = Duration.ofSeconds(10);
    /**
     * A worker gone this long leaves the worker list and the per-worker token rates: a worker's id
     * is by default its host name and process id, so each restart is a new worker, and the table
     * would otherwise list every one there ever was.
     */
    static final Duration FORGET_AFTER = Duration.ofMinutes(10);
    /** Jobs kept in the table; the oldest-updated final jobs leave first. */
    static final int MAX_JOBS = 2_000;
    /** Latency samples kept per stage. */
    static final int LATENCY_SAMPLES = 2_048;
    /** Jobs remembered for lane attribution and timing de-duplication. */
    private static final int MAX_REMEMBERED = 10_000;

    private final Clock clock;
    private final long windowMillis;
    private final Map<String, JobRow> jobs = new HashMap<>();
    private final Map<String, Long> finished = new TreeMap<>();
    private final RateWindow completed;
    private final RateWindow prefill;
    private final RateWindow decode;
    private final Map<String, RateWindow[]> byWorker = new TreeMap<>();
    private final Map<String, WorkerHeartbeat> heartbeats = new TreeMap<>();
    private final Map<String, Integer> laneOfJob = bounded();
    private final Map<String, Boolean> timedJobs = bounded();
    private final Map<String, LatencySamples> latency = new LinkedHashMap<>();
    private final Map<String, Long> deadLetters = new TreeMap<>();
    private List<TopicLag> lag = List.of();

    public Throughput(Clock clock, Duration window) {
        this.clock = clock;
        this.windowMillis = window.toMillis();
        this.completed = new RateWindow(windowMillis);
        this.prefill = new RateWindow(windowMillis);
        this.decode = new RateWindow(windowMillis);
        for (String stage : ThroughputSnapshot.STAGES) {
            latency.put(stage, new LatencySamples(LATENCY_SAMPLES));
        }
    }

    /** A status update: the job table, and a completion when the job first reaches a final state. */
    public synchronized void onStatus(JobStatus status) {
        String id = status.getJobId();
        String state = status.getState().name();
        JobRow previous = jobs.get(id);
        // The status contract says a final state is never left; a late RUNNING tick (ticks are
        // written outside transactions) must not resurrect a finished job on the dashboard.
        if (previous != null && previous.isFinal()) {
            return;
        }
        jobs.put(id, new JobRow(id, status.getTenant(), state, status.getProgress(), status.getTokensProcessed(),
                status.getReason(), status.getUpdatedAt().toEpochMilli()));
        if (FINAL_STATES.contains(state)) {
            finished.merge(state, 1L, Long::sum);
            if (state.equals("SUCCEEDED")) {
                completed.add(status.getUpdatedAt().toEpochMilli(), 1, clock.millis());
            }
        }
        evictJobs();
    }

    /** A planned order put the job on a lane: remembered, to attribute its results to a worker. */
    public synchronized void onLane(String jobId, int lane) {
        laneOfJob.put(jobId, lane);
    }

    /**
     * A result (Summary or Extraction) written at atMillis: tokens, and the job's latencies once.
     * The tasks of a job continue one prefill of its document (branches of one state), so each
     * result's prompt counts without the document, and the document counts once, with the job's
     * first result; a remote server without prefix caching does prefill it per task, which this
     * does not count.
     */
    public synchronized void onResult(String jobId, Usage usage, Timings timings, long atMillis) {
        long now = clock.millis();
        String worker = workerOf(jobId);
        RateWindow[] w = byWorker.computeIfAbsent(worker, k -> new RateWindow[] {new RateWindow(windowMillis), new RateWindow(windowMillis)});
        boolean firstOfJob = timedJobs.put(jobId, Boolean.TRUE) == null;
        long document = Math.min(usage.getDocumentTokens(), usage.getPromptTokens());
        long prefilled = usage.getPromptTokens() - document + (firstOfJob ? document : 0);
        prefill.add(atMillis, prefilled, now);
        decode.add(atMillis, usage.getOutputTokens(), now);
        w[0].add(atMillis, prefilled, now);
        w[1].add(atMillis, usage.getOutputTokens(), now);
        // Every task of a job carries the same timings; count the job once, not once per task.
        if (firstOfJob) {
            latency.get("queued").add(timings.getQueuedMs());
            latency.get("running").add(timings.getRunningMs());
            latency.get("end_to_end").add(timings.getEndToEndMs());
        }
    }

    public synchronized void onHeartbeat(WorkerHeartbeat heartbeat) {
        heartbeats.put(heartbeat.getWorkerId(), heartbeat);
    }

    public synchronized void onDeadLetter(DeadLetter letter) {
        deadLetters.merge(letter.getReasonCode(), 1L, Long::sum);
    }

    /** The latest lag measurement (LagProbe), replacing the previous one. */
    public synchronized void onLag(List<TopicLag> measured) {
        lag = List.copyOf(measured);
    }

    /** The job's row, if the table holds it. */
    public synchronized java.util.Optional<JobRow> job(String jobId) {
        return java.util.Optional.ofNullable(jobs.get(jobId));
    }

    public synchronized ThroughputSnapshot snapshot() {
        long now = clock.millis();
        forgetGoneWorkers(now);
        Map<String, Long> byState = new TreeMap<>();
        for (JobRow row : jobs.values()) {
            byState.merge(row.state(), 1L, Long::sum);
        }
        Map<String, Tokens> workerTokens = new TreeMap<>();
        byWorker.forEach((id, w) -> workerTokens.put(id, new Tokens(w[0].rate(now), w[1].rate(now), w[0].total(), w[1].total())));
        List<WorkerLoad> loads = new ArrayList<>();
        for (WorkerHeartbeat h : heartbeats.values()) {
            long at = h.getAt().toEpochMilli();
            boolean alive = now - at < STALE_AFTER.toMillis();
            // A gone worker's last interval is not its present: it fills nothing now.
            BatchFill fill = alive ? BatchFill.of(h.getBatchSteps(), h.getBatchSequencesPerStep(), h.getBatchMaxSequences(),
                    h.getBatchTokensPerStep(), h.getBatchTokenBudget()) : BatchFill.NONE;
            loads.add(new WorkerLoad(h.getWorkerId(), h.getBackend(), h.getLanes(), h.getCapacityTokensPerSecond(),
                    h.getOutstandingCostTokens(), at, alive, fill));
        }
        Map<String, ThroughputSnapshot.Latency> latencies = new LinkedHashMap<>();
        latency.forEach((stage, samples) -> latencies.put(stage, samples.summary()));
        Map<String, Long> depth = new TreeMap<>();
        for (TopicLag l : lag) {
            depth.merge(l.topic(), l.lag(), Math::max);
        }
        List<JobRow> rows = new ArrayList<>(jobs.values());
        rows.sort(Comparator.comparingLong(JobRow::updatedAt).reversed().thenComparing(JobRow::jobId));
        return new ThroughputSnapshot(now, windowMillis / 1000.0, completed.rate(now), byState, finished,
                new Tokens(prefill.rate(now), decode.rate(now), prefill.total(), decode.total()), workerTokens, loads,
                latencies, deadLetters, lag, depth, rows);
    }

    /** The worker whose latest heartbeat holds the job's lane, the most recent one if several do. */
    private String workerOf(String jobId) {
        Integer lane = laneOfJob.get(jobId);
        if (lane == null) {
            return UNKNOWN_WORKER;
        }
        String best = UNKNOWN_WORKER;
        long bestAt = Long.MIN_VALUE;
        for (WorkerHeartbeat h : heartbeats.values()) {
            if (h.getLanes().contains(lane) && h.getAt().toEpochMilli() > bestAt) {
                best = h.getWorkerId();
                bestAt = h.getAt().toEpochMilli();
            }
        }
        return best;
    }

    /** Drops workers unheard of for FORGET_AFTER, with their token rates (their windows are empty by then). */
    private void forgetGoneWorkers(long now) {
        List<String> gone = new ArrayList<>();
        for (WorkerHeartbeat h : heartbeats.values()) {
            if (now - h.getAt().toEpochMilli() >= FORGET_AFTER.toMillis()) {
                gone.add(h.getWorkerId());
            }
        }
        for (String id : gone) {
            heartbeats.remove(id);
            byWorker.remove(id);
        }
    }

    /** Keeps the table bounded: drops the oldest-updated final jobs, then the oldest of any. */
    private void evictJobs() {
        if (jobs.size() <= MAX_JOBS) {
            return;
        }
        List<JobRow> rows = new ArrayList<>(jobs.values());
        rows.sort(Comparator.comparing((JobRow r) -> !r.isFinal()).thenComparingLong(JobRow::updatedAt));
        for (int i = 0; jobs.size() > MAX_JOBS && i < rows.size(); i++) {
            jobs.remove(rows.get(i).jobId());
        }
    }

    private static <V> Map<String, V> bounded() {
        return new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > MAX_REMEMBERED;
            }
        };
    }
}
