/*
 * A destination for results, driven by SinkRunner. Contract: write() returns only when the batch is
 * durable at the destination (fsynced, or committed in the database), because the runner commits
 * the batch's Kafka offsets right after; and it is idempotent by SinkResult.Key, because after a
 * crash between the two the runner hands the same results again. It returns how many results were
 * new. Sinks are used from one thread, the runner's.
 */
package dev.longhaul.sinks;

import java.util.List;

public interface ResultSink extends AutoCloseable {
    /** Makes the batch durable, skipping results whose key is already there; returns how many were new. */
    int write(List<SinkResult> batch) throws Exception;

    /** A result the destination refuses for what it holds, not for being unreachable, and why. */
    record Refusal(SinkResult result, String reason) {
    }

    /** What writeAll did: how many results were new, and those refused (every other one is durable). */
    record Written(int fresh, List<Refusal> refused) {
    }

    /**
     * As write(), except that a result the destination refuses for its content is handed back
     * instead of failing the batch, which would fail again on every restart and stop the sink: the
     * runner dead-letters it. A failure that is not about one result (the destination unreachable)
     * still throws. By default nothing is refused.
     */
    default Written writeAll(List<SinkResult> batch) throws Exception {
        return new Written(write(batch), List.of());
    }

    /**
     * What this destination is, when one group's offsets could otherwise be shared by two of them
     * (two result directories under one consumer group): SinkRunner stamps it on the offsets it
     * commits and refuses partitions whose offsets another destination committed, since this one
     * would then lack the results before them. Empty: no stamp, no check.
     */
    default java.util.Optional<String> owner() {
        return java.util.Optional.empty();
    }

    /**
     * Whether this destination is written by one process alone, so must hold every result (a
     * directory, which its lock keeps to one sink): SinkRunner then writes nothing while another
     * member of its group holds some result partitions, and stops if that lasts. False for a
     * destination several replicas share (one database), which is the default.
     */
    default boolean holdsEveryResult() {
        return false;
    }

    /**
     * Called after every poll, also an empty one, once the offsets of what it wrote are committed:
     * for rotating files (by size or age), so that a finished file holds only committed results.
     */
    default void tick() throws Exception {}

    /**
     * What was written so far may include a batch whose offsets will not be committed by this run
     * (a commit failed and its partitions were taken away): a file holding it must not be published
     * until confirmed(); later writes go elsewhere. A sink started on what a crash left (a file in
     * progress) holds that the same way from the start.
     */
    default void holdUntilConfirmed() throws Exception {}

    /**
     * The runner has read and committed every partition it holds up to where it ended when it was
     * assigned: every result written before, by this run or one that crashed, is committed, and
     * what was held may be published.
     */
    default void confirmed() throws Exception {}

    @Override
    void close() throws Exception;

    /**
     * Closes after a failed run, or with a batch written whose offsets may not be committed: the
     * file in progress is not finished here (the next start holds it until confirmed, as after a
     * crash, and a batch read again then is skipped by its keys). By default the same as close().
     * close() itself finishes the file in progress, but not what is held until confirmed.
     */
    default void abandon() throws Exception {
        close();
    }
}
