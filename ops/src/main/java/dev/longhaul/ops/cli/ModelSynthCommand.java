/*
 * `longhaul model synth --out DIR --size xs|s|m|l --seed N [--dtype f32|bf16|f16] [--linear-only]
 * [--shards N] [--layout per-expert|fused]`: writes an HF-format MiniMax checkpoint with seeded
 * random weights (config.json, safetensors, a byte-level tokenizer.json), printing progress.
 */
package dev.longhaul.ops.cli;

import dev.longhaul.engine.checkpoint.DType;
import dev.longhaul.engine.synth.ModelSynth;
import dev.longhaul.engine.synth.MoeLayout;
import dev.longhaul.engine.synth.SynthSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "synth", mixinStandardHelpOptions = true, description = "Write a MiniMax checkpoint with seeded random weights.")
public final class ModelSynthCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write (created if missing).")
    Path out;

    @Option(names = "--size", required = true, paramLabel = "xs|s|m|l",
            description = "xs: a test model; s: hidden 512, 8 layers, vocab 32000; m: about 4x s; "
                    + "l: about 1.6B parameters (the GPU benchmark's).")
    String size;

    @Option(names = "--seed", required = true, paramLabel = "N", description = "Seed every weight derives from.")
    long seed;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "f32|bf16|f16", converter = DTypeConverter.class,
            description = "Element type on disk. Default: ${DEFAULT-VALUE}.")
    DType dtype;

    @Option(names = "--linear-only", description = "Make every layer lightning attention (no softmax layers).")
    boolean linearOnly;

    @Option(names = "--shards", defaultValue = "1", paramLabel = "N",
            description = "Safetensors files to split the weights into. Default: ${DEFAULT-VALUE}.")
    int shards;

    @Option(names = "--layout", defaultValue = "per-expert", paramLabel = "per-expert|fused", converter = LayoutConverter.class,
            description = "MoE tensor layout. Default: ${DEFAULT-VALUE}.")
    MoeLayout layout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        SynthSpec synth = SynthSpec.of(size, seed, dtype).withLinearOnly(linearOnly).withShards(shards).withLayout(layout);
        PrintWriter console = spec.commandLine().getOut();
        ModelSynth.write(out, synth, line -> {
            console.println(line);
            console.flush();
        });
        return 0;
    }

    static final class DTypeConverter implements ITypeConverter<DType> {
        @Override
        public DType convert(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "f32", "fp32", "float32" -> DType.F32;
                case "bf16", "bfloat16" -> DType.BF16;
                case "f16", "fp16", "float16" -> DType.F16;
                default -> throw new IllegalArgumentException("unknown dtype '" + value + "'; use f32, bf16 or f16");
            };
        }
    }

    static final class LayoutConverter implements ITypeConverter<MoeLayout> {
        @Override
        public MoeLayout convert(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "per-expert" -> MoeLayout.PER_EXPERT;
                case "fused" -> MoeLayout.FUSED;
                default -> throw new IllegalArgumentException("unknown layout '" + value + "'; use per-expert or fused");
            };
        }
    }
}
