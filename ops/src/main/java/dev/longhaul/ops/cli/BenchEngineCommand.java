/*
 * `longhaul bench engine --model DIR --prompt-tokens P --generate G [--batch B] [--threads T]
 * [--backend cpu] [--dtype-note] [--reference-model DIR] [--attention-tokens T,...] --json`: measures
 * prefill and decode speed on a model folder together with the machine's copy bandwidth and matmul
 * throughput in the same run, and prints the result as one JSON line (with --json) or as one
 * "key: value" line per field. On the cuda backend the GPU's own ceilings (copy bandwidths, BF16
 * matmul rate) are measured too, decode is reported against the device's bandwidth bound and
 * prefill against its BF16 matmul rate, and the fractions of host ceilings are left out.
 */
package dev.longhaul.ops.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.bench.AttentionBench;
import dev.longhaul.engine.bench.EngineBench;
import dev.longhaul.engine.cuda.CudaBackend;
import dev.longhaul.engine.cuda.DeviceCeilings;
import dev.longhaul.engine.model.ModelConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "engine", mixinStandardHelpOptions = true, description = "Benchmark the engine's prefill and decode on a model folder.")
public final class BenchEngineCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model folder to benchmark.")
    Path model;

    @Option(names = "--prompt-tokens", required = true, paramLabel = "P", description = "Prompt length for prefill.")
    int promptTokens;

    @Option(names = "--generate", required = true, paramLabel = "G", description = "Tokens to decode per sequence.")
    int generate;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "B",
            description = "Sequences decoded together. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--dtype-note", description = "Include the weights' element type and bytes per token in the result.")
    boolean dtypeNote;

    @Option(names = "--reference-model", paramLabel = "DIR",
            description = "Also compare all-position logits over a 256-token prompt with this model "
                    + "(e.g. the f32 checkpoint when benchmarking its bf16 copy).")
    Path referenceModel;

    @Option(names = "--attention-tokens", split = ",", paramLabel = "T",
            description = "Also time one lightning and one softmax attention layer (the model's shapes) "
                    + "prefilling T tokens; a comma list runs each length.")
    List<Integer> attentionTokens = List.of();

    @Option(names = "--profile", description = "Also time every backend operation of the decode steps (decode_profile: ms and calls per operation).")
    boolean profile;

    @Option(names = "--json", description = "Print the result as one JSON line.")
    boolean json;

    @Mixin
    EngineOptions engine;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws JsonProcessingException {
        for (int tokens : attentionTokens) {
            if (tokens < 1) { // checked before minutes of measuring, not after
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--attention-tokens must be positive token counts, got " + tokens);
            }
        }
        EngineBench.Options defaults = EngineBench.Options.of(model, promptTokens, generate, batch, engine.threads());
        EngineBench.Options options = new EngineBench.Options(model, promptTokens, generate, batch, engine.threads(),
                engine.backendName(), defaults.prefillChunk(), defaults.seed());
        Map<String, Object> result = new LinkedHashMap<>(EngineBench.run(options, profile));
        if (dtypeNote) {
            result.put("dtype_note", "weights are " + result.get("weights_dtype") + "; a decode step streams "
                    + result.get("decode_weight_bytes_per_step") + " weight bytes");
        }
        if (referenceModel != null) {
            try (Backend backend = engine.open()) {
                result.putAll(EngineBench.compareLogits(model, referenceModel, 256, backend));
            }
        }
        if (!attentionTokens.isEmpty()) {
            List<Map<String, Object>> runs = new ArrayList<>();
            try (Backend backend = engine.open()) {
                for (int tokens : attentionTokens) {
                    runs.add(AttentionBench.run(backend, ModelConfig.load(model), tokens, defaults.prefillChunk()));
                }
            }
            result.put("attention", runs);
        }
        if ("cuda".equals(result.get("backend"))) {
            try (Backend backend = engine.open()) {
                Map<String, Object> device = DeviceCeilings.measure((CudaBackend) backend);
                result.putAll(device);
                double bound = (double) device.get("device_d2d_bytes_per_s")
                        / ((Number) result.get("decode_weight_bytes_per_step")).doubleValue() * batch;
                result.put("decode_fraction_of_device_bandwidth_bound",
                        ((Number) result.get("decode_tokens_per_s")).doubleValue() / bound);
                // the host's ceilings bound nothing the GPU does: fractions of them would read as a
                // pass (above 1 against host DRAM) where none is meant; prefill is put against the
                // device's BF16 matmul rate instead (the kernel the model's matmuls run on)
                for (String host : List.of("decode_bandwidth_bound_tokens_per_s", "decode_fraction_of_bandwidth_bound",
                        "decode_fraction_of_read_bound", "prefill_fraction_of_matmul_rate")) {
                    result.remove(host);
                }
                result.put("prefill_fraction_of_device_bf16_matmul_rate",
                        ((Number) result.get("prefill_tokens_per_s")).doubleValue()
                                * ((Number) result.get("prefill_flops_per_token")).doubleValue()
                                / (double) device.get("device_bf16_matmul_flops_per_s"));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(result));
        } else {
            result.forEach((key, value) -> out.println(key + ": " + value));
        }
        out.flush();
        return 0;
    }
}
