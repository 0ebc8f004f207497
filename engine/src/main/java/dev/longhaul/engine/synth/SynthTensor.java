/*
 * One tensor of a synthesized checkpoint: its on-disk name and shape, the decoder layer it belongs
 * to (-1 for embedding, final norm and lm_head), and the logical parts it is made of, in storage
 * order. A part is one logical weight (e.g. expert 3's w1) whose values are drawn from
 * N(mean, std²) by a stream keyed on the seed and the part's key alone, so the same weight gets
 * the same numbers whatever tensor packs it (per-expert or fused MoE) and whatever shard holds it.
 */
package dev.longhaul.engine.synth;

import dev.longhaul.engine.checkpoint.DType;
import java.util.List;

public record SynthTensor(String name, long[] shape, int layer, List<Part> parts) {

    /** `count` values of N(mean, std²), keyed by `key` (the per-expert HF name of the weight). */
    public record Part(String key, long count, double mean, double std) {
    }

    public SynthTensor {
        shape = shape.clone();
        parts = List.copyOf(parts);
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        long sum = 0;
        for (Part p : parts) {
            sum += p.count();
        }
        if (sum != n) {
            throw new IllegalArgumentException(name + ": parts hold " + sum + " values, shape needs " + n);
        }
    }

    /** A tensor that is one logical weight, keyed by its own name. */
    public static SynthTensor single(String name, int layer, double mean, double std, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return new SynthTensor(name, shape, layer, List.of(new Part(name, n, mean, std)));
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long count() {
        long n = 0;
        for (Part p : parts) {
            n += p.count();
        }
        return n;
    }

    public long bytes(DType dtype) {
        return count() * dtype.bytes();
    }
}
