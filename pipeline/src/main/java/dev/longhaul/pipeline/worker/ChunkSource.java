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
}
