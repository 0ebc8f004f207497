/*
 * One sequence inside the batch engine. A Generation samples tokens once its input is in the
 * model; a Prefix only prefills, then hands a snapshot of its state to each of its branches
 * (the last branch takes the original state); a Feed only advances a caller's state by its input
 * (no logits, no sampling) and completes its future, so a document streamed chunk by chunk shares
 * forward steps with other sequences' decode steps. `input` is fed in PrefillPlan chunks; `fed` counts
 * the input tokens already in the model. Mutated only by the thread that steps the engine,
 * except cancelRequested.
 */
package dev.longhaul.engine.batch;

import dev.longhaul.engine.generate.Completion;
import dev.longhaul.engine.generate.GenerationResult;
import dev.longhaul.engine.model.SequenceState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

sealed abstract class Lane permits Lane.Generation, Lane.Prefix, Lane.Feed {
    final long id;
    final int[] input;
    final long submittedAt;
    SequenceState state; // null until admitted (fresh), forked from a prefix, or after it finished
    int fed;
    long startedAt = -1; // first forward step that included it

    Lane(long id, int[] input, SequenceState state) {
        this.id = id;
        this.input = input;
        this.state = state;
        this.submittedAt = System.nanoTime();
    }

    boolean prefilling() {
        return fed < input.length;
    }

    static final class Generation extends Lane {
        final Completion completion;
        final int promptTokens;
        final CompletableFuture<GenerationResult> future = new CompletableFuture<>();
        final int[] one = new int[1];
        volatile boolean cancelRequested;
        long firstTokenAt = -1;
        Branched from; // a branch not yet admitted: the prefix's state it takes its copy of then

        Generation(long id, int[] input, SequenceState state, Completion completion, int promptTokens) {
            super(id, input, state);
            this.completion = completion;
            this.promptTokens = promptTokens;
        }
    }

    /**
     * A prefilled prefix's state, shared by its branches until each is admitted: a branch takes a
     * snapshot then, and the last one to go the state itself, so that the copies made are those of
     * branches running, not one per branch at once (a state of the full model is hundreds of MiB).
     */
    static final class Branched {
        private SequenceState state;
        private int holders;

        Branched(SequenceState state, int holders) {
            this.state = state;
            this.holders = holders;
        }

        /** The state for one branch admitted now. */
        SequenceState take() {
            SequenceState s = --holders == 0 ? state : state.snapshot();
            if (holders == 0) {
                state = null;
            }
            return s;
        }

        /** A branch that ends before it was admitted lets go of its hold. */
        void drop() {
            if (--holders == 0) {
                state = null;
            }
        }
    }

    static final class Prefix extends Lane {
        final List<Generation> branches;

        Prefix(long id, int[] input, List<Generation> branches) {
            super(id, input, null);
            this.branches = new ArrayList<>(branches);
        }
    }

    static final class Feed extends Lane {
        final CompletableFuture<Void> future = new CompletableFuture<>();

        Feed(long id, int[] input, SequenceState state) {
            super(id, input, state);
        }
    }
}
