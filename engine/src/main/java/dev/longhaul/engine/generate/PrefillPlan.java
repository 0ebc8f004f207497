/*
 * How a sequence's input enters the model. Chunks end at absolute positions that are multiples of
 * `chunk` (a sequence at position p feeds at most chunk − p mod chunk tokens next), so where a
 * sequence's input is cut depends only on that sequence, never on what else shares a step: this
 * is what makes a sequence bit-identical alone or in a batch, and a branch resumed at a chunk
 * boundary bit-identical to prefilling prefix and suffix in one go. Also validates prompts before
 * any compute.
 */
package dev.longhaul.engine.generate;

public record PrefillPlan(int chunk) {
    public PrefillPlan {
        if (chunk < 1) {
            throw new IllegalArgumentException("prefill chunk must be >= 1, is " + chunk);
        }
    }

    /** Tokens of the next chunk for a sequence at `position` with `remaining` input tokens left. */
    public int next(int position, int remaining) {
        if (remaining < 1) {
            throw new IllegalArgumentException("no input left to prefill");
        }
        return Math.min(remaining, chunk - position % chunk);
    }

    /** Throws IllegalArgumentException for an empty prompt or an id outside [0, vocabSize). */
    public static void checkPrompt(int[] ids, int vocabSize) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("empty prompt");
        }
        checkTokens(ids, vocabSize);
    }

    /** Throws IllegalArgumentException for an id outside [0, vocabSize); an empty array passes. */
    public static void checkTokens(int[] ids, int vocabSize) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("token id " + ids[i] + " at index " + i
                        + " is outside the vocabulary [0, " + vocabSize + ")");
            }
        }
    }
}
