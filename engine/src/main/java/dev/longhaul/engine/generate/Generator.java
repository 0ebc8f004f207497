/*
 * One sequence at a time, straight over the model: prefill in chunks cut by PrefillPlan (never one
 * huge step, so a long prompt streams through a workspace of `prefillChunk` rows), then one
 * forward step per generated token. Stops at a stop token (not included in the output), at
 * maxTokens, or when cancel() is called or the calling thread is interrupted (CANCELLED, keeping
 * the tokens so far, checked before every forward step). Uses the same chunk boundaries and stop
 * rules as the batch engine, so a sequence gives the same tokens and bit-identical logits here
 * and there. One generation at a time per Generator (it owns one workspace); cancel() may be
 * called from any thread and affects the generation in progress only.
 */
package dev.longhaul.engine.generate;

import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.Segment;
import dev.longhaul.engine.model.SequenceState;
import dev.longhaul.engine.model.Workspace;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

public final class Generator {
    private final MiniMaxModel model;
    private final PrefillPlan plan;
    private final Workspace workspace;
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile boolean cancelRequested;

    public Generator(MiniMaxModel model, int prefillChunk) {
        this.model = Objects.requireNonNull(model, "model");
        this.plan = new PrefillPlan(prefillChunk);
        this.workspace = model.workspace(prefillChunk, 1);
    }

    /** Generates from a fresh sequence; onToken sees each emitted token as it is sampled. */
    public GenerationResult generate(int[] promptIds, SamplingParams params, IntConsumer onToken) {
        Objects.requireNonNull(onToken, "onToken");
        return stream(promptIds, params, GenerationListener.of(onToken));
    }

    /** Generates from a fresh sequence, reporting logits, tokens and the result to `listener`. */
    public GenerationResult stream(int[] promptIds, SamplingParams params, GenerationListener listener) {
        PrefillPlan.checkPrompt(promptIds, model.config().vocabSize());
        return run(model.newSequence(), promptIds, params, listener);
    }

    /**
     * Feeds `ids` on top of `state` (which this call advances; pass a snapshot to keep the
     * original) and generates from there. `state` must come from this generator's model.
     */
    public GenerationResult continueFrom(SequenceState state, int[] ids, SamplingParams params,
                                         GenerationListener listener) {
        Objects.requireNonNull(state, "state");
        PrefillPlan.checkPrompt(ids, model.config().vocabSize());
        return run(state, ids, params, listener);
    }

    /** Cancels the generation in progress, if any, before its next forward step. */
    public void cancel() {
        cancelRequested = true;
    }

    private GenerationResult run(SequenceState state, int[] ids, SamplingParams params, GenerationListener listener) {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(listener, "listener");
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException("this generator is already generating; use one per thread or a BatchEngine");
        }
        cancelRequested = false;
        try {
            return decode(state, ids, new Completion(params, listener));
        } finally {
            busy.set(false);
        }
    }

    private GenerationResult decode(SequenceState state, int[] ids, Completion completion) {
        long start = System.nanoTime();
        long firstToken = -1;
        int promptTokens = state.position() + ids.length;
        float[] row = null;
        int from = 0;
        while (from < ids.length && !stopRequested()) {
            int n = plan.next(state.position(), ids.length - from);
            boolean last = from + n == ids.length;
            // only the prompt's last chunk needs logits: the others skip the lm_head
            Segment chunk = new Segment(state, ids, from, n, last ? Segment.Logits.LAST : Segment.Logits.NONE);
            if (last) {
                row = forward(chunk);
            } else {
                model.forward(List.of(chunk), workspace);
            }
            from += n;
        }
        int[] one = new int[1];
        if (from == ids.length && !stopRequested()) {
            boolean going = completion.accept(row);
            firstToken = System.nanoTime();
            while (going && !stopRequested()) {
                one[0] = completion.lastToken();
                going = completion.accept(forward(new Segment(state, one, 0, 1, Segment.Logits.LAST)));
            }
        }
        completion.cancel(); // no effect unless it stopped on a request
        long end = System.nanoTime();
        Timings t = firstToken < 0 ? new Timings(0, end - start, 0) : new Timings(0, firstToken - start, end - firstToken);
        GenerationResult result = completion.result(promptTokens, t);
        completion.listener().onFinish(result);
        return result;
    }

    private float[] forward(Segment segment) {
        return model.forward(List.of(segment), workspace).get(0)[0];
    }

    private boolean stopRequested() {
        return cancelRequested || Thread.currentThread().isInterrupted();
    }
}
