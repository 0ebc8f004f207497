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

        Generation(long id, int[] input, SequenceState state, Completion completion, int promptTokens) {
            super(id, input, state);
            this.completion = completion;
            this.promptTokens = promptTokens;
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
