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

    /** Called after every poll, also an empty one, for time-based work such as rotating files. */
    default void tick() throws Exception {}

    @Override
    void close() throws Exception;
}
