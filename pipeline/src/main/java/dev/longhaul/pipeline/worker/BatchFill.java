/*
 * How full a worker's engine steps were over one heartbeat window: steps run, mean live sequences
 * per step against the batch's slots (maxSequences), and mean tokens per step against the step's
 * token budget. Both fills are in [0, 1] and 0 for a window without steps (an idle worker) or an
 * engine that does not batch here (a remote server): NONE.
 */
package dev.longhaul.pipeline.worker;

public record BatchFill(long steps, double sequencesPerStep, int maxSequences, double tokensPerStep, int tokenBudget) {
    public static final BatchFill NONE = new BatchFill(0, 0, 0, 0, 0);

    public BatchFill {
        if (steps < 0 || maxSequences < 0 || tokenBudget < 0 || sequencesPerStep < 0 || tokensPerStep < 0) {
            throw new IllegalArgumentException("negative batch figures: " + steps + ", " + sequencesPerStep + ", "
                    + maxSequences + ", " + tokensPerStep + ", " + tokenBudget);
        }
    }

    /** Mean live sequences per step over the slots. */
    public double sequenceFill() {
        return maxSequences == 0 ? 0 : sequencesPerStep / maxSequences;
    }

    /** Mean tokens per step over the step's token budget. */
    public double tokenFill() {
        return tokenBudget == 0 ? 0 : tokensPerStep / tokenBudget;
    }
}
