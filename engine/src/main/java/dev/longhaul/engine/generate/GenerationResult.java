/*
 * The outcome of one generation: the generated tokens (never the prompt, never the stop token),
 * why it ended, how many context tokens preceded the first generated token (the prompt, or for a
 * branch the shared prefix plus its suffix), the stop token drawn when the reason is STOP (absent
 * when a constraint ended the output), and the phase timings. Arrays are copied in and out; equality compares the token contents.
 */
package dev.longhaul.engine.generate;

import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalInt;

public record GenerationResult(int[] tokens, FinishReason finishReason, int promptTokens, OptionalInt stopToken,
                               Timings timings) {
    public GenerationResult {
        tokens = tokens.clone();
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(stopToken, "stopToken");
        Objects.requireNonNull(timings, "timings");
        if (stopToken.isPresent() && finishReason != FinishReason.STOP) {
            throw new IllegalArgumentException("a stop token is present only when the reason is STOP");
        }
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    public int tokenCount() {
        return tokens.length;
    }

    public long prefillNanos() {
        return timings.prefillNanos();
    }

    public long decodeNanos() {
        return timings.decodeNanos();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationResult r && Arrays.equals(tokens, r.tokens) && finishReason == r.finishReason
                && promptTokens == r.promptTokens && stopToken.equals(r.stopToken) && timings.equals(r.timings);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(tokens), finishReason, promptTokens, stopToken, timings);
    }

    @Override
    public String toString() {
        return "GenerationResult[" + finishReason + ", tokens=" + Arrays.toString(tokens) + ", promptTokens="
                + promptTokens + (stopToken.isPresent() ? ", stopToken=" + stopToken.getAsInt() : "") + ", " + timings + "]";
    }
}
