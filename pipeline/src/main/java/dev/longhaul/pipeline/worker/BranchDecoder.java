/*
 * The task branches of one order, decoded together: every branch continues its own snapshot of
 * the document's state with its instruction (and its own sampling parameters, constraint included)
 * as one sequence of a BatchEngine, which packs the branches' instruction prefills and decode steps
 * into shared forward steps. The engine's contract makes each branch's tokens identical to decoding
 * it alone (Generator.continueFrom with the same prefill chunk), whatever ran beside it.
 *
 * Contract: decode() is called by one thread at a time and steps the engine on that thread (the
 * engine is never start()ed); `stop` is read before every step, and once it says stop every branch
 * is cancelled and drained, so that the engine is empty when decode() returns or throws and the
 * next order starts from a clean batch. A branch that fails (its constraint, a forward step) fails
 * the call with that cause, after the others are cancelled.
 */
package dev.longhaul.pipeline.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

import dev.longhaul.engine.batch.BatchEngine;
import dev.longhaul.engine.batch.SequenceHandle;
import dev.longhaul.engine.generate.FinishReason;
import dev.longhaul.engine.generate.GenerationListener;
import dev.longhaul.engine.generate.GenerationResult;
import dev.longhaul.engine.generate.SamplingParams;
import dev.longhaul.engine.model.SequenceState;

final class BranchDecoder {
    /** One task's continuation of the document: its instruction's token ids and how to sample. */
    record Branch(int[] instruction, SamplingParams params) {
        Branch {
            instruction = instruction.clone();
        }
    }

    private final BatchEngine engine;

    BranchDecoder(BatchEngine engine) {
        this.engine = engine;
    }

    Optional<List<GenerationResult>> decode(SequenceState document, List<Branch> branches, BooleanSupplier stop) {
        return decode(document, branches, stop, id -> { });
    }

    /**
     * Decodes every branch from `document` (left as it is: each branch gets a snapshot). The
     * results come back in the order of `branches`; empty when `stop` said stop or a branch was
     * cancelled. `onToken` hears every token any branch decodes, on this thread.
     */
    Optional<List<GenerationResult>> decode(SequenceState document, List<Branch> branches, BooleanSupplier stop,
                                            IntConsumer onToken) {
        List<SequenceHandle> handles = new ArrayList<>(branches.size());
        boolean stopped = false;
        try {
            for (Branch b : branches) {
                handles.add(engine.submit(document.snapshot(), b.instruction(), b.params(), GenerationListener.of(onToken)));
            }
            while (!allDone(handles)) {
                if (!stopped && stop.getAsBoolean()) {
                    stopped = true;
                    handles.forEach(SequenceHandle::cancel);
                }
                if (!engine.step() && !allDone(handles)) {
                    throw new IllegalStateException("the batch engine is idle while branches are unfinished");
                }
            }
        } finally {
            drain(handles);
        }
        List<GenerationResult> results = new ArrayList<>(handles.size());
        for (SequenceHandle h : handles) {
            GenerationResult r = join(h);
            if (r.finishReason() == FinishReason.CANCELLED) {
                stopped = true;
            }
            results.add(r);
        }
        return stopped ? Optional.empty() : Optional.of(results);
    }

    /** Leaves the engine empty: on a normal return every handle is done already and this does nothing. */
    private void drain(List<SequenceHandle> handles) {
        if (allDone(handles)) {
            return;
        }
        handles.forEach(SequenceHandle::cancel);
        while (!allDone(handles)) {
            try {
                if (!engine.step()) {
                    return;
                }
            } catch (RuntimeException e) {
                // the failing step failed its own sequences; the loop goes on until all are done
            }
        }
    }

    private static boolean allDone(List<SequenceHandle> handles) {
        return handles.stream().allMatch(h -> h.result().isDone());
    }

    private static GenerationResult join(SequenceHandle h) {
        try {
            return h.result().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }
}
