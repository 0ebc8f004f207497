/*
 * The task branches of one order, decoded together: every branch continues its own snapshot of
 * the document's state with its instruction (and its own sampling parameters, constraint included)
 * as one sequence of a BatchEngine, which packs the branches' instruction prefills and decode steps
 * into shared forward steps. The engine's contract makes each branch's tokens identical to decoding
 * it alone (Generator.continueFrom with the same prefill chunk), whatever ran beside it.
 *
 * Contract: the engine runs its own step loop (BatchEngine.start), and decode() may be called by
 * several threads at once (one per order), their branches sharing the engine's steps. `stop` is
 * read while the branches decode (every POLL_MILLIS); once it says stop, or a branch fails, every branch
 * of the call is cancelled, and decode() returns (or throws the failing branch's cause) only when
 * all of them have ended, so nothing of the call is left in the engine. Progress (tokens decoded
 * so far) is reported on the calling thread at the same polls, never on the engine's thread,
 * which every order's steps share and which a slow callback would stall.
 */
package dev.longhaul.pipeline.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

import dev.longhaul.engine.batch.BatchEngine;
import dev.longhaul.engine.batch.SequenceHandle;
import dev.longhaul.engine.generate.FinishReason;
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

    /** How often a decoding call looks at its stop signal (milliseconds). */
    private static final long POLL_MILLIS = 20;

    private final BatchEngine engine;

    BranchDecoder(BatchEngine engine) {
        this.engine = engine;
    }

    Optional<List<GenerationResult>> decode(SequenceState document, List<Branch> branches, BooleanSupplier stop) {
        return decode(document, branches, stop, tokens -> { });
    }

    /**
     * Decodes every branch from `document` (left as it is: each branch gets a snapshot). The
     * results come back in the order of `branches`; empty when `stop` said stop or a branch was
     * cancelled. `decoded` hears, on this thread, how many tokens the branches have decoded
     * between them, each poll at which that number has grown.
     */
    Optional<List<GenerationResult>> decode(SequenceState document, List<Branch> branches, BooleanSupplier stop,
                                            LongConsumer decoded) {
        AtomicLong tokens = new AtomicLong();
        long reported = 0;
        List<SequenceHandle> handles = new ArrayList<>(branches.size());
        boolean stopped = false;
        try {
            for (Branch b : branches) {
                handles.add(engine.submit(document.snapshot(), b.instruction(), b.params(), id -> tokens.incrementAndGet()));
            }
        } catch (RuntimeException e) {
            handles.forEach(SequenceHandle::cancel);
            awaitAll(handles);
            throw e;
        }
        CompletableFuture<Void> all = allOf(handles);
        while (!all.isDone()) {
            long n = tokens.get();
            if (n > reported) {
                reported = n;
                decoded.accept(n);
            }
            if (!stopped && (stop.getAsBoolean() || handles.stream().anyMatch(h -> h.result().isCompletedExceptionally()))) {
                stopped = true;
                handles.forEach(SequenceHandle::cancel);
            }
            awaitAll(all, POLL_MILLIS);
        }
        // the failure of a branch whose own work failed, before a sibling's that failed as its
        // bystander (StepFailedException.bystander): the order is not a bystander of its own Error
        SequenceHandle failed = null;
        for (SequenceHandle h : handles) {
            if (h.result().isCompletedExceptionally() && (failed == null || bystander(failed) && !bystander(h))) {
                failed = h;
            }
        }
        if (failed != null) {
            join(failed); // throws its cause
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

    /** Completes when every branch has ended, however it ended. */
    private static CompletableFuture<Void> allOf(List<SequenceHandle> handles) {
        return CompletableFuture.allOf(handles.stream().map(SequenceHandle::result).toArray(CompletableFuture[]::new));
    }

    private static void awaitAll(List<SequenceHandle> handles) {
        CompletableFuture<Void> all = allOf(handles);
        while (!all.isDone()) {
            awaitAll(all, POLL_MILLIS);
        }
    }

    /** Waits up to `millis` for every branch to end, however they end. */
    private static void awaitAll(CompletableFuture<Void> all, long millis) {
        try {
            all.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException | CancellationException e) {
            // looked at by the caller
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while branches decode");
        }
    }

    private static boolean bystander(SequenceHandle h) {
        return Worker.bystander(h.result().exceptionNow());
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
