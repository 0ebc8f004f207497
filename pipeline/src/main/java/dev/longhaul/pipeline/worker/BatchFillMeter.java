/*
 * Counts a worker's engine steps for BatchFill from the BatchEngine's cumulative BatchStats
 * (segments are the live sequences of each step; every forward step of the worker, document
 * chunks included, is one of the engine's). window() returns the figures since its previous call,
 * so each heartbeat carries the fill of its own interval. Thread-safe.
 */
package dev.longhaul.pipeline.worker;

import java.util.function.Supplier;

import dev.longhaul.engine.batch.BatchConfig;
import dev.longhaul.engine.batch.BatchStats;

final class BatchFillMeter {
    private final int maxSequences;
    private final int tokenBudget;
    private final Supplier<BatchStats> engine;
    private long lastSteps;
    private long lastSequences;
    private long lastTokens;

    BatchFillMeter(BatchConfig config, Supplier<BatchStats> engine) {
        this.maxSequences = config.maxSequences();
        this.tokenBudget = config.maxTokensPerStep();
        this.engine = engine;
    }

    /** The fill since the previous call (or since the start). */
    synchronized BatchFill window() {
        BatchStats s = engine.get();
        long steps = s.steps();
        long sequences = s.segments();
        long tokens = s.tokens().total();
        long n = steps - lastSteps;
        BatchFill fill = n == 0 ? new BatchFill(0, 0, maxSequences, 0, tokenBudget)
                : new BatchFill(n, (double) (sequences - lastSequences) / n, maxSequences, (double) (tokens - lastTokens) / n, tokenBudget);
        lastSteps = steps;
        lastSequences = sequences;
        lastTokens = tokens;
        return fill;
    }
}
