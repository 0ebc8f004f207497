/*
 * Sizing of a BatchEngine. maxTokensPerStep: rows of one forward step (the token budget, and the
 * workspace's row count). prefillChunk: prefill is cut at absolute positions that are multiples
 * of it (see PrefillPlan). maxSequences: sequences in flight at once (slots; also the workspace's
 * logit rows), the rest wait in arrival order. The budget must hold every decode step plus the
 * oldest prefill chunk, maxTokensPerStep >= prefillChunk + maxSequences − 1, so that every step
 * advances every decoding sequence and at least the oldest prefilling one (no starvation).
 */
package dev.longhaul.engine.batch;

public record BatchConfig(int maxTokensPerStep, int prefillChunk, int maxSequences) {
    public BatchConfig {
        if (prefillChunk < 1) {
            throw new IllegalArgumentException("prefillChunk must be >= 1, is " + prefillChunk);
        }
        if (maxSequences < 1) {
            throw new IllegalArgumentException("maxSequences must be >= 1, is " + maxSequences);
        }
        long need = (long) prefillChunk + maxSequences - 1;
        if (maxTokensPerStep < need) {
            throw new IllegalArgumentException("maxTokensPerStep (" + maxTokensPerStep + ") must be at least prefillChunk + "
                    + "maxSequences - 1 (" + need + ") so that a step holds every decode and the oldest prefill chunk");
        }
    }
}
