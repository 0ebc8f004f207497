/*
 * Counts a worker's engine steps for BatchFill: the BatchEngine's own steps (its cumulative
 * BatchStats: segments are the live sequences of each step) plus the document prefill's steps,
 * which run outside the engine on one sequence. window() returns the figures since its previous
 * call, so each heartbeat carries the fill of its own interval. Thread-safe: the inference thread
 * records prefill steps, the poll thread takes windows.
 */
package dev.longhaul.pipeline.worker;

import java.util.function.Supplier;

import dev.longhaul.engine.batch.BatchConfig;
import dev.longhaul.engine.batch.BatchStats;

final class BatchFillMeter {
    private final int maxSequences;
    private final int tokenBudget;
    private final Supplier<BatchStats> engine;
    private long prefillSteps;
    private long prefillTokens;
    private long lastSteps;
    private long lastSequences;
    private long lastTokens;

    BatchFillMeter(BatchConfig config, Supplier<BatchStats> engine) {
        this.maxSequences = config.maxSequences();
        this.tokenBudget = config.maxTokensPerStep();
        this.engine = engine;
    }

    /** One document prefill step of `tokens` tokens on one sequence. */
    synchronized void prefillStep(int tokens) {
        prefillSteps++;
        prefillTokens += tokens;
    }

    /** The fill since the previous call (or since the start). */
    synchronized BatchFill window() {
        BatchStats s = engine.get();
        long steps = s.steps() + prefillSteps;
        long sequences = s.segments() + prefillSteps;
        long tokens = s.tokens().total() + prefillTokens;
        long n = steps - lastSteps;
        BatchFill fill = n == 0 ? new BatchFill(0, 0, maxSequences, 0, tokenBudget)
                : new BatchFill(n, (double) (sequences - lastSequences) / n, maxSequences, (double) (tokens - lastTokens) / n, tokenBudget);
        lastSteps = steps;
        lastSequences = sequences;
        lastTokens = tokens;
        return fill;
    }
}
