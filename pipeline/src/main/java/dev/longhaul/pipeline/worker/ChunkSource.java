/*
 * Where a worker's document chunks come from: Kafka in a worker (DocumentReader), memory when the
 * engine is measured alone on the same documents (the pipeline benchmark). Chunks arrive in index
 * order, one at a time.
 */
package dev.longhaul.pipeline.worker;

import dev.longhaul.schemas.DocumentChunk;
import dev.longhaul.schemas.WorkOrder;

public interface ChunkSource {
    /** Receives each chunk; returns false to stop reading (cancelled). */
    interface ChunkSink {
        boolean accept(DocumentChunk chunk);
    }

    /** Streams the order's chunks to {@code sink} in index order; true if all were read. */
    boolean read(WorkOrder order, ChunkSink sink);

    /**
     * As read(order, sink), and false as soon as {@code stop} says so, also while a chunk is awaited
     * (a source that never waits, as memory, only asks the sink).
     */
    default boolean read(WorkOrder order, ChunkSink sink, java.util.function.BooleanSupplier stop) {
        return read(order, sink);
    }
}
