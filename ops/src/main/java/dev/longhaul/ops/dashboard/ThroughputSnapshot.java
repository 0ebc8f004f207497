/*
 * One immutable picture of the metrics model at an instant: what /api/throughput returns, what
 * the SSE stream pushes, and what the Prometheus meters read. Plain records with JSON-friendly
 * fields (Jackson serializes records by their components); times in epoch milliseconds, rates
 * per second over windowSeconds, latencies in milliseconds.
 */
package dev.longhaul.ops.dashboard;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public record ThroughputSnapshot(
        long at,
        double windowSeconds,
        double jobsPerSecond,
        Map<String, Long> jobsByState,
        Map<String, Long> finishedByState,
        Tokens tokens,
        Map<String, Tokens> tokensByWorker,
        List<WorkerLoad> workers,
        Map<String, Latency> latency,
        Map<String, Long> deadLetters,
        List<TopicLag> lag,
        Map<String, Long> queueDepth,
        List<JobRow> jobs,
        Counters counters,
        KafkaTrouble kafka) {

    /**
     * Since when (epoch ms) the dashboard has been unable to reach Kafka (its lag probe failing), and
     * the last error; since 0 while it reaches it. While it cannot, the figures above are stale.
     */
    public record KafkaTrouble(long failingSince, String error) {
        public static final KafkaTrouble NONE = new KafkaTrouble(0, "");
    }

    /** Stages of a job's latency, as the result timings name them. */
    public static final List<String> STAGES = List.of("queued", "running", "end_to_end");

    public ThroughputSnapshot {
        jobsByState = ordered(jobsByState);
        finishedByState = ordered(finishedByState);
        tokensByWorker = ordered(tokensByWorker);
        workers = List.copyOf(workers);
        latency = ordered(latency);
        deadLetters = ordered(deadLetters);
        lag = List.copyOf(lag);
        queueDepth = ordered(queueDepth);
        jobs = List.copyOf(jobs);
    }

    /**
     * What the Prometheus counters count: events stamped at or after `since` (the dashboard's
     * start), so that a restarted dashboard, which replays the topics from their beginning, starts
     * its counters at zero instead of counting the topics' whole history again as new (which
     * rate() and increase() would show as a burst). The page's totals (finishedByState,
     * deadLetters, tokens) count all of the history the topics hold.
     */
    public record Counters(long since, Map<String, Long> finished, Map<String, Long> deadLetters,
                           Map<String, TokenCount> tokensByWorker) {
        public Counters {
            finished = ordered(finished);
            deadLetters = ordered(deadLetters);
            tokensByWorker = ordered(tokensByWorker);
        }
    }

    /** Prefill and decode tokens counted. */
    public record TokenCount(long prefill, long decode) {}

    // Unmodifiable copies that keep the caller's order (stages in pipeline order, names sorted),
    // so the JSON and the page list them the same way every time; Map.copyOf would not.
    private static <V> Map<String, V> ordered(Map<String, V> map) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    /**
     * Token throughput. Prefill counts the prompt tokens the model prefilled (the Usage contract
     * says promptTokens already includes the document view, so documentTokens is not added again);
     * decode counts generated tokens.
     */
    public record Tokens(double prefillPerSecond, double decodePerSecond, long prefillTotal, long decodeTotal) {}

    /** A worker's latest heartbeat; alive while it is younger than Throughput.STALE_AFTER. */
    public record WorkerLoad(String workerId, String backend, List<Integer> lanes, double capacityTokensPerSecond,
                             long outstandingCostTokens, long at, boolean alive, BatchFill batch) {
        public WorkerLoad {
            lanes = List.copyOf(lanes);
        }
    }

    /**
     * How full a worker's engine steps were over its latest heartbeat's interval: steps run, mean
     * live sequences per step over the batch's slots (sequenceFill), mean tokens per step over the
     * step's token budget (tokenFill). Fills are in [0, 1]; 0 without steps or capacity (an idle
     * worker, a remote engine, a heartbeat from before the fields existed).
     */
    public record BatchFill(long steps, double sequencesPerStep, int maxSequences, double sequenceFill,
                            double tokensPerStep, int tokenBudget, double tokenFill) {
        public static final BatchFill NONE = of(0, 0, 0, 0, 0);

        public static BatchFill of(long steps, double sequencesPerStep, int maxSequences, double tokensPerStep, int tokenBudget) {
            return new BatchFill(steps, sequencesPerStep, maxSequences, ratio(steps, sequencesPerStep, maxSequences),
                    tokensPerStep, tokenBudget, ratio(steps, tokensPerStep, tokenBudget));
        }

        private static double ratio(long steps, double perStep, int capacity) {
            return steps == 0 || capacity <= 0 ? 0 : Math.min(1, perStep / capacity);
        }
    }

    /** Percentiles in milliseconds over the `count` jobs that finished in the last Throughput.LATENCY_HORIZON. */
    public record Latency(long count, long p50, long p90, long p99, long max) {}

    /** How far a consumer group is behind the end of a topic (summed over partitions). */
    public record TopicLag(String topic, String group, long endOffset, long committedOffset, long lag) {}

    /** One line of the job table. */
    public record JobRow(String jobId, String tenant, String state, double progress, long tokens, String reason,
                         long updatedAt, String submissionId, long release) {
        /** The row of a job's latest status: what the table, a lookup and the pipeline's status endpoint show. */
        public static JobRow of(dev.longhaul.schemas.JobStatus s) {
            return new JobRow(s.getJobId(), s.getTenant(), s.getState().name(), s.getProgress(), s.getTokensProcessed(),
                    s.getReason(), s.getUpdatedAt().toEpochMilli(), s.getSubmissionId(), s.getRelease().toEpochMilli());
        }

        /** The status the row shows, for JobStates' rules. */
        public dev.longhaul.schemas.JobStatus status() {
            return dev.longhaul.schemas.JobStatus.newBuilder().setJobId(jobId).setTenant(tenant)
                    .setState(dev.longhaul.schemas.JobState.valueOf(state)).setProgress(progress).setTokensProcessed(tokens)
                    .setReason(reason).setUpdatedAt(java.time.Instant.ofEpochMilli(updatedAt)).setSubmissionId(submissionId)
                    .setRelease(java.time.Instant.ofEpochMilli(release)).build();
        }

        public boolean isFinal() {
            return Throughput.FINAL_STATES.contains(state);
        }
    }
}
