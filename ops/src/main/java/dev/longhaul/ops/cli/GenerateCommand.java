/*
 * `longhaul generate --model DIR --prompt TEXT --max-tokens N [--temperature T --top-p P --seed S]`:
 * loads a model folder (config.json, safetensors, tokenizer.json), streams the decoded continuation
 * to stdout as tokens arrive, then prints one line with the token counts and speeds. Temperature 0
 * (the default) is greedy decoding.
 */
package dev.longhaul.ops.cli;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.generate.SamplingParams;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.ops.engine.PromptGeneration;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate text from a prompt with a model folder.")
public final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "HF-format model folder: config.json, *.safetensors, tokenizer.json.")
    Path model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The prompt (must not be empty).")
    String prompt;

    @Option(names = "--max-tokens", required = true, paramLabel = "N", description = "Tokens to generate at most.")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T",
            description = "Sampling temperature; 0 is greedy. Default: ${DEFAULT-VALUE}.")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1", paramLabel = "P",
            description = "Nucleus sampling mass. Default: ${DEFAULT-VALUE}.")
    double topP;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Sampling seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--hf-rope", description = "Rotate whole heads, ignoring partial_rotary_factor, as unmodified "
            + "Hugging Face transformers does (default: rotate head_dim x factor dims, as the model was trained).")
    boolean hfRope;

    @Mixin
    EngineOptions engine;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (prompt.isEmpty()) {
            throw new IllegalArgumentException("--prompt is empty; give some text to continue");
        }
        SamplingParams params = temperature == 0
                ? SamplingParams.greedy(maxTokens)
                : SamplingParams.sampled(temperature, topP, seed, maxTokens);
        PrintWriter out = spec.commandLine().getOut();
        PromptGeneration.Outcome outcome;
        try (Backend backend = engine.open()) {
            outcome = PromptGeneration.run(model, hfRope ? MiniMaxModel.RopeMode.HF_FULL_HEAD : MiniMaxModel.RopeMode.PARTIAL,
                    backend, prompt, params, piece -> {
                out.print(piece);
                out.flush();
            });
        }
        out.println();
        out.println(outcome.summary());
        out.flush();
        return 0;
    }
}
