/*
 * What ModelSynth writes: a named size (SynthSize), the seed all weights derive from, the element
 * type on disk (F32, BF16 or F16), whether every layer is lightning attention, how many shard files
 * to split the weights into, and the MoE tensor layout. Equal specs give byte-identical folders.
 */
package dev.longhaul.engine.synth;

import dev.longhaul.engine.checkpoint.DType;
import java.util.Objects;

public record SynthSpec(String size, long seed, DType dtype, boolean linearOnly, int shards, MoeLayout layout) {
    public SynthSpec {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(layout, "layout");
        SynthSize.named(size); // fails early, naming the known sizes
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be >= 1, is " + shards);
        }
    }

    /** Softmax layers as the size defines them, one file, per-expert MoE names. */
    public static SynthSpec of(String size, long seed, DType dtype) {
        return new SynthSpec(size, seed, dtype, false, 1, MoeLayout.PER_EXPERT);
    }

    public SynthSpec withLinearOnly(boolean value) {
        return new SynthSpec(size, seed, dtype, value, shards, layout);
    }

    public SynthSpec withShards(int value) {
        return new SynthSpec(size, seed, dtype, linearOnly, value, layout);
    }

    public SynthSpec withLayout(MoeLayout value) {
        return new SynthSpec(size, seed, dtype, linearOnly, shards, value);
    }

    public SynthSpec withSeed(long value) {
        return new SynthSpec(size, value, dtype, linearOnly, shards, layout);
    }

    public SynthSpec withDtype(DType value) {
        return new SynthSpec(size, seed, value, linearOnly, shards, layout);
    }

    public SynthSize architecture() {
        return SynthSize.named(size);
    }
}
