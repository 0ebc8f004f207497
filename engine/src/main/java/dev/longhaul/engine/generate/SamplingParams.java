/*
 * How one sequence picks its tokens. temperature 0 is greedy (argmax, ties to the lowest id);
 * temperature > 0 samples from softmax(logits / temperature) restricted to the top-p nucleus,
 * with a java.util.SplittableRandom seeded by `seed` and owned by that sequence alone, so the
 * draws are reproducible and independent of batching. Generation stops after maxTokens tokens or
 * when a token of stopTokens is drawn (that token is not emitted). An optional constraint (null:
 * none, and decoding is exactly as without one) makes each sequence a TokenConstraint that masks
 * the logits before every draw; see Completion. Validated on construction.
 */
package dev.longhaul.engine.generate;

import dev.longhaul.engine.constrain.TokenConstraint;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

public record SamplingParams(double temperature, double topP, long seed, int maxTokens, Set<Integer> stopTokens,
                             TokenConstraint.Factory constraint) {
    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, is " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], is " + topP);
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, is " + maxTokens);
        }
        stopTokens = Set.copyOf(Objects.requireNonNull(stopTokens, "stopTokens"));
        for (int id : stopTokens) {
            if (id < 0) {
                throw new IllegalArgumentException("stop token ids must be >= 0, got " + id);
            }
        }
    }

    /** Unconstrained decoding. */
    public SamplingParams(double temperature, double topP, long seed, int maxTokens, Set<Integer> stopTokens) {
        this(temperature, topP, seed, maxTokens, stopTokens, null);
    }

    /** Argmax decoding of up to maxTokens tokens, no stop tokens. */
    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(0, 1, 0, maxTokens, Set.of());
    }

    /** Temperature and nucleus sampling with the given seed, no stop tokens. */
    public static SamplingParams sampled(double temperature, double topP, long seed, int maxTokens) {
        return new SamplingParams(temperature, topP, seed, maxTokens, Set.of());
    }

    public SamplingParams withStopTokens(int... ids) {
        List<Integer> list = new ArrayList<>(ids.length);
        for (int id : ids) {
            list.add(id);
        }
        return new SamplingParams(temperature, topP, seed, maxTokens, Set.copyOf(list), constraint);
    }

    public SamplingParams withSeed(long newSeed) {
        return new SamplingParams(temperature, topP, newSeed, maxTokens, stopTokens, constraint);
    }

    public SamplingParams withMaxTokens(int newMaxTokens) {
        return new SamplingParams(temperature, topP, seed, newMaxTokens, stopTokens, constraint);
    }

    /** The same parameters with each sequence's output constrained by `factory` (null: unconstrained). */
    public SamplingParams withConstraint(TokenConstraint.Factory factory) {
        return new SamplingParams(temperature, topP, seed, maxTokens, stopTokens, factory);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    public boolean isStop(int tokenId) {
        return !stopTokens.isEmpty() && stopTokens.contains(tokenId);
    }
}
