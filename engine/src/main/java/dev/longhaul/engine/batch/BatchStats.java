/*
 * A snapshot of a BatchEngine's counters, taken at the end of its latest step (for dashboards).
 * steps: forward steps run; mixedSteps: those that packed decode steps and prefill chunks
 * together; segments: sequence slices over all steps. tokens: rows prefilled and decoded, and the
 * capacity offered (steps × maxTokensPerStep). sequences: in flight, waiting for a slot, and
 * finished so far (of which cancelled).
 */
package dev.longhaul.engine.batch;

public record BatchStats(long steps, long mixedSteps, long segments, Tokens tokens, Sequences sequences) {
    public static final BatchStats EMPTY = new BatchStats(0, 0, 0, new Tokens(0, 0, 0), new Sequences(0, 0, 0, 0));

    public record Tokens(long prefilled, long decoded, long capacity) {
        public long total() {
            return prefilled + decoded;
        }
    }

    public record Sequences(int active, int waiting, long finished, long cancelled) {
    }

    /** Rows computed over rows offered, in [0, 1]; 0 before the first step. */
    public double fill() {
        return tokens.capacity() == 0 ? 0 : (double) tokens.total() / tokens.capacity();
    }

    /** Sequences per step on average. */
    public double meanSegmentsPerStep() {
        return steps == 0 ? 0 : (double) segments / steps;
    }
}
