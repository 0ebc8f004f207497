/*
 * A submitted sequence: its id, a future completed with its GenerationResult when it finishes
 * (exceptionally if its listener or the forward step failed), and cancel(). Thread-safe.
 */
package dev.longhaul.engine.batch;

import dev.longhaul.engine.generate.GenerationResult;
import java.util.concurrent.CompletableFuture;

public final class SequenceHandle {
    private final long id;
    private final CompletableFuture<GenerationResult> result;
    private final BatchEngine engine;

    SequenceHandle(long id, CompletableFuture<GenerationResult> result, BatchEngine engine) {
        this.id = id;
        this.result = result.copy(); // callers cannot complete the engine's own future
        this.engine = engine;
    }

    public long id() {
        return id;
    }

    public CompletableFuture<GenerationResult> result() {
        return result;
    }

    /** Asks the engine to stop this sequence at its next step; false when it has already finished. */
    public boolean cancel() {
        return engine.cancel(id);
    }

    @Override
    public String toString() {
        return "SequenceHandle[" + id + "]";
    }
}
