/*
 * The growing output of one sequence: feeds each logits row to its Sampler, applies the stop rules
 * (a stop token ends it with STOP and is not emitted; the maxTokens-th token ends it with LENGTH)
 * and tells its listener. Shared by Generator and the batch engine so that both follow the same
 * rules token for token. With a constraint in the params, each row is first restricted by the
 * sequence's TokenConstraint (the listener sees the restricted row, the one drawn from) and the
 * output ends with STOP, without a stop token, as soon as the constraint is complete; without one,
 * nothing differs from plain decoding. Not thread-safe: driven by the one thread that runs the sequence.
 */
package dev.longhaul.engine.generate;

import dev.longhaul.engine.constrain.TokenConstraint;
import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalInt;

public final class Completion {
    private final SamplingParams params;
    private final Sampler sampler;
    private final GenerationListener listener;
    private final TokenConstraint constraint; // null when unconstrained
    private int[] tokens = new int[16];
    private int size;
    private int last = -1;
    private FinishReason reason; // null while running
    private OptionalInt stopToken = OptionalInt.empty();

    public Completion(SamplingParams params, GenerationListener listener) {
        this.params = Objects.requireNonNull(params, "params");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.sampler = new Sampler(params);
        this.constraint = params.constraint() == null ? null : params.constraint().start(params.maxTokens(), params.stopTokens());
    }

    /**
     * Samples the next token from `logits`; returns true while generation goes on, in which case
     * lastToken() is the token to feed the model next. Listener exceptions propagate.
     */
    public boolean accept(float[] logits) {
        if (reason != null) {
            throw new IllegalStateException("generation already finished: " + reason);
        }
        if (constraint != null) {
            constraint.restrict(logits);
        }
        listener.onLogits(logits);
        int id = sampler.next(logits);
        if (params.isStop(id)) {
            reason = FinishReason.STOP;
            stopToken = OptionalInt.of(id);
            return false;
        }
        if (size == tokens.length) {
            tokens = Arrays.copyOf(tokens, 2 * size);
        }
        tokens[size++] = id;
        last = id;
        if (constraint != null) {
            constraint.accept(id);
        }
        listener.onToken(id);
        if (constraint != null && constraint.complete()) {
            reason = FinishReason.STOP;
            return false;
        }
        if (size == params.maxTokens()) {
            reason = FinishReason.LENGTH;
            return false;
        }
        return true;
    }

    /** The token accepted last, to be fed to the model; −1 before the first. */
    public int lastToken() {
        return last;
    }

    /** Ends the generation as CANCELLED unless it has already finished. */
    public void cancel() {
        if (reason == null) {
            reason = FinishReason.CANCELLED;
        }
    }

    public boolean finished() {
        return reason != null;
    }

    public int size() {
        return size;
    }

    public GenerationListener listener() {
        return listener;
    }

    /** The result of a finished generation. */
    public GenerationResult result(int promptTokens, Timings timings) {
        if (reason == null) {
            throw new IllegalStateException("generation has not finished");
        }
        return new GenerationResult(Arrays.copyOf(tokens, size), reason, promptTokens, stopToken, timings);
    }
}
