/*
 * The architectures ModelSynth can write, by name. `xs` is a test model (the golden
 * minimax-tiny's shape), `s` is the ~150M-parameter benchmark model, `m` about 3.5x `s`, `l` about
 * 1.6B parameters (~0.6B active per token), the GPU decode benchmark's model. Every size
 * follows MiniMax-Text-01 in kind: a softmax layer after every `fullEvery - 1` lightning layers,
 * RoPE θ 1e7 over half of each head, residual gains α = (2L)^(1/4) and β = 1, untied lm_head.
 * layerTypes(linearOnly) gives the config's layer_types; linearOnly makes every layer lightning.
 */
package dev.longhaul.engine.synth;

import dev.longhaul.engine.model.LayerKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

public record SynthSize(
        String name,
        int hidden,                 // H
        int layers,                 // L
        int heads,                  // n
        int headDim,                // D
        int kvHeads,                // n_kv
        int experts,                // E
        int expertsPerToken,        // k
        int intermediate,           // I
        int vocab,                  // V
        int blockSize,              // B
        int fullEvery,              // layer l is softmax when (l + 1) % fullEvery == 0
        int maxPositionEmbeddings,
        double ropeTheta,
        double partialRotaryFactor,
        double rmsNormEps) {

    public static final List<String> NAMES = List.of("xs", "s", "m", "l");

    public static SynthSize named(String name) {
        if (name == null) {
            throw new IllegalArgumentException("synth size is null; known sizes are " + NAMES);
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "xs" -> new SynthSize("xs", 64, 4, 4, 16, 2, 4, 2, 96, 512, 16, 4, 1 << 20, 1e7, 0.5, 1e-5);
            case "s" -> new SynthSize("s", 512, 8, 8, 64, 2, 8, 2, 1024, 32000, 256, 8, 1 << 20, 1e7, 0.5, 1e-5);
            case "m" -> new SynthSize("m", 1024, 8, 16, 64, 4, 8, 2, 2048, 32000, 256, 8, 1 << 20, 1e7, 0.5, 1e-5);
            case "l" -> new SynthSize("l", 2048, 12, 16, 128, 4, 8, 2, 2048, 32000, 256, 8, 1 << 20, 1e7, 0.5, 1e-5);
            default -> throw new IllegalArgumentException("unknown synth size '" + name + "'; known sizes are " + NAMES);
        };
    }

    /** N = n·D. */
    public int attentionWidth() {
        return heads * headDim;
    }

    public int kvWidth() {
        return kvHeads * headDim;
    }

    /** The DeepNet-style residual gain of the real model, (2L)^(1/4), for all three residuals. */
    public double alpha() {
        return Math.pow(2.0 * layers, 0.25);
    }

    public List<LayerKind> layerKinds(boolean linearOnly) {
        List<LayerKind> kinds = new ArrayList<>(layers);
        for (int l = 0; l < layers; l++) {
            kinds.add(!linearOnly && (l + 1) % fullEvery == 0 ? LayerKind.FULL : LayerKind.LINEAR);
        }
        return kinds;
    }

    /** Parameters the checkpoint holds (embedding and lm_head included). */
    public long parameters(boolean linearOnly) {
        long h = hidden;
        long n = attentionWidth();
        long total = 2L * vocab * h + h;
        for (LayerKind kind : layerKinds(linearOnly)) {
            total += 2 * h;
            total += kind == LayerKind.LINEAR ? 3 * n * h + n * h + h * n + n : 2 * n * h + 2L * kvWidth() * h;
            total += (long) experts * h + 3L * experts * intermediate * h;
        }
        return total;
    }
}
