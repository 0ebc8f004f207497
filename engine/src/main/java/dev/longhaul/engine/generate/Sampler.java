/*
 * Picks the next token of one sequence from its logits row (SamplingParams gives the rule).
 * Greedy: argmax, ties to the lowest id. Otherwise, in double: w_i = exp((l_i − max l) / T),
 * p_i = w_i / Σw (softmax(l / T)); the nucleus is the shortest prefix of the tokens sorted by
 * probability descending (ties: lower id first) whose cumulative probability reaches topP; one
 * uniform draw u·mass from the sampler's own SplittableRandom walks that prefix in sorted order.
 * topP = 1 keeps every token and walks them in id order (same distribution, no sort).
 * Only the tokens in the highest power-of-two bands of w that hold topP of the mass are sorted:
 * the same nucleus (up to the rounding of the sums) at a fraction of the cost for a 200k
 * vocabulary. Not thread-safe: one per sequence; the same seed and logits give the same tokens.
 */
package dev.longhaul.engine.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

public final class Sampler {
    private static final int BANDS = 1025; // w in (0, 1]: binary exponents 0 .. −1022, plus subnormals

    private final SamplingParams params;
    private final SplittableRandom random;
    private final double[] bandMass = new double[BANDS];
    private double[] weights = new double[0];
    private int[] candidates = new int[0];
    private int[] scratch = new int[0];

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
    }

    /** The next token drawn from `logits` (one row, length = vocabulary). */
    public int next(float[] logits) {
        if (logits.length == 0) {
            throw new IllegalArgumentException("empty logits row");
        }
        if (params.isGreedy()) {
            return argmax(logits);
        }
        int v = logits.length;
        if (weights.length < v) {
            weights = new double[v];
            candidates = new int[v];
            scratch = new int[v];
        }
        double max = logits[argmax(logits)];
        double t = params.temperature();
        double z = 0;
        for (int i = 0; i < v; i++) {
            double w = Math.exp((logits[i] - max) / t);
            if (Double.isNaN(w)) {
                throw new IllegalStateException("logits are not finite (id " + i + " is " + logits[i] + ", max " + max + ")");
            }
            weights[i] = w;
            z += w;
        }
        if (params.topP() >= 1) {
            return drawInIdOrder(v, z);
        }
        return drawFromNucleus(v, params.topP() * z);
    }

    /**
     * Index of the largest value, ties to the lowest index. A NaN is refused as sampling refuses it:
     * greedy decoding of a model that blew up numerically would otherwise go on, quietly, with
     * whichever id the NaN's position made the comparisons give.
     */
    public static int argmax(float[] row) {
        int best = 0;
        for (int i = 0; i < row.length; i++) {
            if (Float.isNaN(row[i])) {
                throw new IllegalStateException("logits are not finite (id " + i + " is NaN)");
            }
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    private int drawInIdOrder(int v, double mass) {
        double u = random.nextDouble() * mass;
        double acc = 0;
        int last = 0;
        for (int i = 0; i < v; i++) {
            if (weights[i] > 0) {
                acc += weights[i];
                last = i;
                if (u < acc) {
                    return i;
                }
            }
        }
        return last; // u fell past the rounded total
    }

    private int drawFromNucleus(int v, double target) {
        // Candidates: every token whose weight lies in the top binary-exponent bands holding `target`.
        Arrays.fill(bandMass, 0);
        for (int i = 0; i < v; i++) {
            bandMass[band(weights[i])] += weights[i];
        }
        int cut = BANDS - 1;
        double acc = 0;
        for (int b = 0; b < BANDS; b++) {
            acc += bandMass[b];
            if (acc >= target) {
                cut = b;
                break;
            }
        }
        int n = 0;
        for (int i = 0; i < v; i++) {
            if (weights[i] > 0 && band(weights[i]) <= cut) {
                candidates[n++] = i;
            }
        }
        sortByWeightDescending(n);
        // Nucleus: the shortest sorted prefix whose mass reaches the target (all candidates if rounding says never).
        int keep = 0;
        double mass = 0;
        while (keep < n) {
            mass += weights[candidates[keep++]];
            if (mass >= target) {
                break;
            }
        }
        double u = random.nextDouble() * mass;
        double walked = 0;
        for (int i = 0; i < keep; i++) {
            walked += weights[candidates[i]];
            if (u < walked) {
                return candidates[i];
            }
        }
        return candidates[keep - 1];
    }

    /** 0 for w in [1, 2), b for w in [2^−b, 2^−b+1), the last band for subnormals and zero. */
    private static int band(double w) {
        return Math.min(BANDS - 1, -Math.getExponent(w));
    }

    /** Stable bottom-up merge sort of candidates[0, n) by weight descending; ids start ascending. */
    private void sortByWeightDescending(int n) {
        int[] src = candidates;
        int[] dst = scratch;
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(lo + width, n);
                int hi = Math.min(lo + 2 * width, n);
                int i = lo;
                int j = mid;
                int k = lo;
                while (i < mid && j < hi) {
                    dst[k++] = weights[src[j]] > weights[src[i]] ? src[j++] : src[i++];
                }
                while (i < mid) {
                    dst[k++] = src[i++];
                }
                while (j < hi) {
                    dst[k++] = src[j++];
                }
            }
            int[] swap = src;
            src = dst;
            dst = swap;
        }
        if (src != candidates) {
            System.arraycopy(src, 0, candidates, 0, n);
        }
    }
}
