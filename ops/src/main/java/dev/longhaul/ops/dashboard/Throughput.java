/*
 * The dashboard's metrics model: fed one record at a time by DashboardFeed (or by a test), it
 * keeps jobs completed per second, prefill and decode tokens per second per worker and in total,
 * lane load and batch fill from heartbeats, latency percentiles from result timings (of the jobs
 * finished in the last LATENCY_HORIZON), dead letters by reason,
 * consumer lag from LagProbe, and a bounded job table; snapshot() returns all of it at once.
 *
 * Contract: thread-safe (every method synchronizes on the model; feeding is one thread, readers
 * are the HTTP and meter threads). Rates use event time (a status's updatedAt, a result record's
 * timestamp) against the injected clock, so a replay from the topics' start does not show old work
 * as current. Results do not name the worker that produced them, so tokens are attributed through
 * the job's lane (from its WorkOrder) and the worker whose latest heartbeat holds that lane;
 * "unknown" when either is missing.
 *
 * Prefill is counted live: a RUNNING tick's tokensProcessed (the document's tokens fed so far, as
 * the final status counts them) adds what it grew since the job's previous tick, and the job's
 * first result adds only the rest of its prompt (the preamble and its task's instruction among it), so a long document shows its throughput while it
 * streams rather than all at once at its end; a job first heard of by a tick well into it (the
 * status topic compacted to each job's latest record, replayed after a restart) counts that tick's
 * tokens in the totals only, since when they were fed is unknown. Statuses follow JobStates' rule (a stale tick after a final state is ignored; an
 * ACCEPTED after one begins the id's new life). Jobs by state counts every job not final (up to
 * MAX_UNFINISHED) and every end seen, not only the rows the bounded table shows. The Prometheus
 * counters (ThroughputSnapshot.Counters) count only events stamped since the model was made.
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
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStates;
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
    /** Rows of the table a snapshot carries (the page shows 200; job() looks up any row). */
    static final int SNAPSHOT_ROWS = 500;
    /** Jobs not final whose state is counted; past it the oldest-updated leave the count. */
    static final int MAX_UNFINISHED = 250_000;
    /** Latency samples kept per stage. */
    static final int LATENCY_SAMPLES = 2_048;
    /**
     * The stretch of time latency percentiles cover: jobs whose first result was written in it. An
     * older result (a replay of the topics after a restart) adds no sample, and with no job
     * finished in it the percentiles have no samples (NaN in Prometheus) rather than old ones.
     */
    static final Duration LATENCY_HORIZON = Duration.ofMinutes(15);
    /**
     * Ended jobs remembered past the table (about 150 bytes each, up to MAX_REASON_CHARS more with
     * a reason), so that a dashboard that does not run beside the pipeline's status store still
     * answers /api/jobs/{id} for recent jobs.
     */
    static final int MAX_ENDED = 100_000;
    /** The longest reason a row of the table keeps (see shortened()). */
    static final int MAX_REASON_CHARS = 512;
    /** Jobs remembered for lane attribution and timing de-duplication. */
    private static final int MAX_REMEMBERED = 10_000;

    private final Clock clock;
    private final long windowMillis;
    private final long startMillis;
    private final Map<String, JobRow> jobs = new HashMap<>();
    private final Map<String, String> unfinished = new LinkedHashMap<>(16, 0.75f, true) { // job id -> state, least recently updated first
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX_UNFINISHED;
        }
    };
    private final Map<String, Long> finished = new TreeMap<>();
    private final Map<String, Long> finishedSinceStart = new TreeMap<>();
    private final Map<String, Long> deadSinceStart = new TreeMap<>();
    // job id -> document tokens its ticks counted; in access order, so that a long job ticking
    // stays while thousands of shorter ones come and go (evicted, its next tick would count its
    // whole prefix again)
    private final Map<String, Long> ticked = bounded(MAX_REMEMBERED, true);
    // final rows evicted from the table: for late ticks, and for job() lookups of recent jobs
    private final Map<String, JobRow> ended = bounded(MAX_ENDED);
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
    private ThroughputSnapshot.KafkaTrouble kafkaTrouble = ThroughputSnapshot.KafkaTrouble.NONE;

    public Throughput(Clock clock, Duration window) {
        this.clock = clock;
        this.windowMillis = window.toMillis();
        this.startMillis = clock.millis();
        this.completed = new RateWindow(windowMillis, startMillis);
        this.prefill = new RateWindow(windowMillis, startMillis);
        this.decode = new RateWindow(windowMillis, startMillis);
        for (String stage : ThroughputSnapshot.STAGES) {
            latency.put(stage, new LatencySamples(LATENCY_SAMPLES));
        }
    }

    /**
     * A status update: the job table, live prefill from a RUNNING tick, and a completion when a life
     * of the job first reaches a final state.
     */
    public synchronized void onStatus(JobStatus status) {
        String id = status.getJobId();
        JobState next = status.getState();
        String state = next.name();
        long at = status.getUpdatedAt().toEpochMilli();
        JobRow previous = jobs.containsKey(id) ? jobs.get(id) : ended.get(id);
        if (previous != null) {
            JobState before = JobState.valueOf(previous.state());
            // a final state is never left within a life: a late RUNNING tick (ticks are written
            // outside transactions) must not resurrect a finished job, nor a repeated end count
            // twice, nor a stopped worker's tick show a paused job RUNNING
            if (JobStates.staleAfter(previous.status(), status)
                    || JobStates.isFinal(before) && JobStates.isFinal(next)
                    && JobStates.sameLife(previous.submissionId(), status.getSubmissionId())) {
                return;
            }
            if (JobStates.isFinal(before)) { // a new life of the id: its document is not counted yet
                ticked.remove(id);
                timedJobs.remove(id);
            }
        }
        if (next == JobState.RUNNING && !timedJobs.containsKey(id)) {
            long fed = status.getTokensProcessed();
            if (previous == null && !ticked.containsKey(id) && fed > 0 && at < startMillis) {
                // the first the model hears of the job is a tick well into it, written before the
                // model started: a status topic compacted down to each job's latest record, read
                // from its start after a restart (a later tick of a job whose row was evicted counts live).
                // When those tokens were fed is unknown, so they count in the totals as history,
                // not as throughput at this tick's time
                ticked.put(id, fed);
                countPrefill(id, Long.MIN_VALUE, fed);
            }
            long before = ticked.getOrDefault(id, 0L);
            if (fed < before) {
                // ticks only grow within one attempt: fewer is another worker redoing the order of
                // one that died (it starts with a RUNNING of 0), whose prefill is work done again
                before = 0;
                ticked.put(id, fed);
            }
            if (fed > before) {
                ticked.put(id, fed);
                countPrefill(id, at, fed - before);
            }
        }
        jobs.put(id, shortened(JobRow.of(status)));
        ended.remove(id); // the table's row is the latest; an earlier life's end must not answer job()
        if (JobStates.isFinal(next)) {
            unfinished.remove(id);
            // only a SUCCEEDED job has results to come, whose first subtracts what ticks counted
            if (next != JobState.SUCCEEDED || timedJobs.containsKey(id)) {
                ticked.remove(id);
            }
            finished.merge(state, 1L, Long::sum);
            if (at >= startMillis) {
                finishedSinceStart.merge(state, 1L, Long::sum);
            }
            if (next == JobState.SUCCEEDED) {
                completed.add(at, 1, clock.millis());
            }
        } else {
            unfinished.put(id, state);
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
        RateWindow[] w = windowsOf(workerOf(jobId));
        boolean firstOfJob = timedJobs.put(jobId, Boolean.TRUE) == null;
        long document = Math.min(usage.getDocumentTokens(), usage.getPromptTokens());
        // the job's first result counts its whole prompt (the shared prefix with the document, and
        // its own suffix) less what the ticks counted live of the prefix; later ones their suffix
        long prefilled = firstOfJob ? Math.max(0, usage.getPromptTokens() - ticked.getOrDefault(jobId, 0L))
                : usage.getPromptTokens() - document;
        // done with it: a late tick finds the job in timedJobs, and a long job's entry must not be
        // pushed out of the bounded map by others and then counted again from zero
        ticked.remove(jobId);
        prefill.add(atMillis, prefilled, now);
        decode.add(atMillis, usage.getOutputTokens(), now);
        w[0].add(atMillis, prefilled, now);
        w[1].add(atMillis, usage.getOutputTokens(), now);
        // Every task of a job carries the same timings; count the job once, not once per task.
        if (firstOfJob && atMillis >= now - LATENCY_HORIZON.toMillis()) {
            latency.get("queued").add(timings.getQueuedMs(), atMillis);
            latency.get("running").add(timings.getRunningMs(), atMillis);
            latency.get("end_to_end").add(timings.getEndToEndMs(), atMillis);
        }
    }

    public synchronized void onHeartbeat(WorkerHeartbeat heartbeat) {
        heartbeats.put(heartbeat.getWorkerId(), heartbeat);
    }

    public synchronized void onDeadLetter(DeadLetter letter) {
        deadLetters.merge(letter.getReasonCode(), 1L, Long::sum);
        if (letter.getAt().toEpochMilli() >= startMillis) {
            deadSinceStart.merge(letter.getReasonCode(), 1L, Long::sum);
        }
    }

    /** Kafka did not answer the lag probe at atMillis: the figures go stale from the first such failure on. */
    public synchronized void onKafkaFailure(long atMillis, String error) {
        long since = kafkaTrouble.failingSince() == 0 ? atMillis : kafkaTrouble.failingSince();
        kafkaTrouble = new ThroughputSnapshot.KafkaTrouble(since, error == null ? "" : error);
    }

    /** Kafka answered the lag probe. */
    public synchronized void onKafkaReached() {
        kafkaTrouble = ThroughputSnapshot.KafkaTrouble.NONE;
    }

    /** The latest lag measurement (LagProbe), replacing the previous one. */
    public synchronized void onLag(List<TopicLag> measured) {
        lag = List.copyOf(measured);
    }

    /** The job's row, if the table holds it. */
    /** The job's row: the table's, or the end of one of the MAX_ENDED jobs that left it last. */
    public synchronized java.util.Optional<JobRow> job(String jobId) {
        JobRow row = jobs.get(jobId);
        return java.util.Optional.ofNullable(row != null ? row : ended.get(jobId));
    }

    public synchronized ThroughputSnapshot snapshot() {
        long now = clock.millis();
        forgetGoneWorkers(now);
        Map<String, Long> byState = new TreeMap<>(finished);
        for (String state : unfinished.values()) {
            byState.merge(state, 1L, Long::sum);
        }
        Map<String, Tokens> workerTokens = new TreeMap<>();
        Map<String, ThroughputSnapshot.TokenCount> workerCounts = new TreeMap<>();
        byWorker.forEach((id, w) -> {
            workerTokens.put(id, new Tokens(w[0].rate(now), w[1].rate(now), w[0].total(), w[1].total()));
            workerCounts.put(id, new ThroughputSnapshot.TokenCount(w[0].counted(), w[1].counted()));
        });
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
        long since = clock.millis() - LATENCY_HORIZON.toMillis();
        latency.forEach((stage, samples) -> latencies.put(stage, samples.summary(since)));
        Map<String, Long> depth = new TreeMap<>();
        for (TopicLag l : lag) {
            depth.merge(l.topic(), l.lag(), Math::max);
        }
        List<JobRow> rows = new ArrayList<>(jobs.values());
        rows.sort(Comparator.comparingLong(JobRow::updatedAt).reversed().thenComparing(JobRow::jobId));
        return new ThroughputSnapshot(now, windowMillis / 1000.0, completed.rate(now), byState, finished,
                new Tokens(prefill.rate(now), decode.rate(now), prefill.total(), decode.total()), workerTokens, loads,
                latencies, deadLetters, lag, depth, rows.subList(0, Math.min(rows.size(), SNAPSHOT_ROWS)),
                new ThroughputSnapshot.Counters(startMillis, finishedSinceStart, deadSinceStart, workerCounts), kafkaTrouble);
    }

    /**
     * The row with a reason of at most MAX_REASON_CHARS: a failure's reason may run to 4,096
     * characters, which a hundred thousand remembered rows, and every push of 500 of them to every
     * page, would carry in full. The status itself (longhaul status, the pipeline's store) keeps it whole.
     */
    private static JobRow shortened(JobRow row) {
        String reason = row.reason();
        if (reason == null || reason.length() <= MAX_REASON_CHARS) {
            return row;
        }
        return new JobRow(row.jobId(), row.tenant(), row.state(), row.progress(), row.tokens(),
                reason.substring(0, MAX_REASON_CHARS - 1) + "\u2026", row.updatedAt(), row.submissionId(), row.release());
    }

    /** Prefill tokens a RUNNING tick says were fed since the job's previous one. */
    private void countPrefill(String jobId, long atMillis, long tokens) {
        long now = clock.millis();
        prefill.add(atMillis, tokens, now);
        windowsOf(workerOf(jobId))[0].add(atMillis, tokens, now);
    }

    /** A worker's prefill and decode windows. */
    private RateWindow[] windowsOf(String worker) {
        return byWorker.computeIfAbsent(worker, k -> new RateWindow[] {
                new RateWindow(windowMillis, startMillis), new RateWindow(windowMillis, startMillis)});
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

    /**
     * Keeps the table bounded: drops the oldest-updated final jobs, then the oldest of any, down to
     * MAX_JOBS once it holds a quarter more (so that a replay does not sort the table per status).
     */
    private void evictJobs() {
        if (jobs.size() <= MAX_JOBS + MAX_JOBS / 4) {
            return;
        }
        List<JobRow> rows = new ArrayList<>(jobs.values());
        rows.sort(Comparator.comparing((JobRow r) -> !r.isFinal()).thenComparingLong(JobRow::updatedAt));
        for (int i = 0; jobs.size() > MAX_JOBS && i < rows.size(); i++) {
            JobRow row = rows.get(i);
            jobs.remove(row.jobId());
            if (row.isFinal()) {
                ended.put(row.jobId(), row);
            }
        }
    }

    private static <V> Map<String, V> bounded() {
        return bounded(MAX_REMEMBERED);
    }

    private static <V> Map<String, V> bounded(int most) {
        return bounded(most, false);
    }

    /** At most `most` entries; the eldest by insertion, or by last use with accessOrder, leaves first. */
    private static <V> Map<String, V> bounded(int most, boolean accessOrder) {
        return new LinkedHashMap<>(16, 0.75f, accessOrder) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > most;
            }
        };
    }
}
