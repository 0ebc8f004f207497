/*
 * Receives one generation as it happens. For every sampled token: onLogits with the logits row it
 * was drawn from (a fresh array the listener may keep), then onToken unless the token is a stop
 * token; onFinish once at the end with the result. In the batch engine these run on the engine's
 * step thread: keep them short and never block. A listener that throws an exception ends its own
 * generation (the engine completes its future exceptionally) and no other; one that throws an
 * Error (out of memory, a stack overflow) fails its own, and the Error goes on: the engine's own
 * loop (start()) then fails every other sequence too, since nothing there can be trusted past
 * one, and a caller stepping the engine by hand gets it from step().
 */
package dev.longhaul.engine.generate;

import java.util.function.IntConsumer;

@FunctionalInterface
public interface GenerationListener {
    GenerationListener NONE = id -> {
    };

    void onToken(int tokenId);

    default void onLogits(float[] logits) {
    }

    default void onFinish(GenerationResult result) {
    }

    static GenerationListener of(IntConsumer onToken) {
        return onToken::accept;
    }
}
