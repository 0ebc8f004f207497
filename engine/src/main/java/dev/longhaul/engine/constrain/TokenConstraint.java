/*
 * The seam through which a grammar steers decoding. Completion, the one loop shared by Generator and
 * the batch engine, asks a sequence's constraint before every draw to restrict the logits row
 * (disallowed ids set to −∞, in place, before the listener and the sampler see it), tells it each
 * emitted token, and ends the output with STOP as soon as complete() says nothing may follow.
 * Contract for implementations: restrict() leaves at least one id finite, allows a stop token only
 * where the output may end, and respects the budget: every output it admits can be completed within
 * the maxTokens given to start(), so a constrained output never ends unfinished on LENGTH.
 */
package dev.longhaul.engine.constrain;

import java.util.Set;

public interface TokenConstraint {
    /** Makes one constraint per sequence; shared by the sequences of a SamplingParams, so stateless. */
    @FunctionalInterface
    interface Factory {
        /**
         * A fresh constraint for an output of at most maxTokens tokens that stops on any of
         * stopTokens; throws IllegalArgumentException when no allowed output fits in maxTokens.
         */
        TokenConstraint start(int maxTokens, Set<Integer> stopTokens);
    }

    /** Sets logits[id] to −∞ for every id that may not come next. */
    void restrict(float[] logits);

    /** Advances over an emitted token (never a stop token), one the last restrict() allowed. */
    void accept(int tokenId);

    /** Whether the output is finished: no token may follow. */
    boolean complete();
}
