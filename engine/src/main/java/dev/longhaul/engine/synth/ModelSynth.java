/*
 * Writes a Hugging Face-format MiniMax-01 checkpoint with seeded random weights: config.json (HF
 * field names, MINIMAX.md §3), a byte-level tokenizer (ByteLevelTokenizerFiles: ids 0-255 bytes,
 * 256 <bos>, 257 <eos>, 258 <pad>) and the weights as model.safetensors, or as
 * model-0000i-of-0000n.safetensors plus model.safetensors.index.json when spec.shards() > 1.
 * Contract: equal specs give byte-identical folders; the MoE layout, shard count and dtype change
 * only names, packing and rounding, never the underlying numbers (see SynthTensor). Weight files
 * of an earlier synth in the same folder are removed first, so a stale index cannot shadow them.
 * The weights are random but scaled (SynthPlan) so a forward pass gives finite, spread logits.
 */
package dev.longhaul.engine.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longhaul.engine.checkpoint.Checkpoint;
import dev.longhaul.engine.checkpoint.DType;
import dev.longhaul.engine.model.LayerKind;
import dev.longhaul.engine.model.ModelConfig;
import dev.longhaul.engine.tokenizer.ByteLevelTokenizerFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

public final class ModelSynth {
    public static final int BOS_ID = ByteLevelTokenizerFiles.BOS_ID;
    public static final int EOS_ID = ByteLevelTokenizerFiles.EOS_ID;
    public static final int PAD_ID = ByteLevelTokenizerFiles.PAD_ID;

    private ModelSynth() {
    }

    public static void write(Path outDir, SynthSpec spec) {
        write(outDir, spec, null);
    }

    /** Writes the model; `progress` (may be null) gets one short line per step, e.g. per layer. */
    public static void write(Path outDir, SynthSpec spec, Consumer<String> progress) {
        Consumer<String> say = progress == null ? line -> { } : progress;
        long started = System.nanoTime();
        SynthSize size = spec.architecture();
        List<LayerKind> kinds = size.layerKinds(spec.linearOnly());
        List<SynthTensor> tensors = SynthPlan.tensors(size, kinds, spec.layout());
        if (spec.shards() > tensors.size()) {
            throw new IllegalArgumentException("cannot split " + tensors.size() + " tensors into " + spec.shards() + " shards");
        }
        try {
            Files.createDirectories(outDir);
            removeOldWeights(outDir);
            Files.writeString(outDir.resolve(ModelConfig.FILE), configJson(spec, size, kinds));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write into " + outDir, e);
        }
        ByteLevelTokenizerFiles.write(outDir, size.vocab());
        say.accept(String.format(Locale.ROOT, "synth %s (%,d parameters, %s%s): config.json and tokenizer written",
                size.name(), size.parameters(spec.linearOnly()), spec.dtype(), spec.linearOnly() ? ", linear only" : ""));

        int[] lastOfLayer = new int[kinds.size()];
        for (int i = 0; i < tensors.size(); i++) {
            if (tensors.get(i).layer() >= 0) {
                lastOfLayer[tensors.get(i).layer()] = i;
            }
        }
        List<List<SynthTensor>> shards = split(tensors, spec.shards(), spec.dtype());
        int first = 0;
        long bytes = 0;
        for (int s = 0; s < shards.size(); s++) {
            List<SynthTensor> shard = shards.get(s);
            String fileName = shards.size() == 1 ? Checkpoint.SINGLE_FILE : shardName(s, shards.size());
            int offset = first;
            SynthShardWriter.write(outDir.resolve(fileName), shard, spec.dtype(), spec.seed(), local -> {
                int i = offset + local;
                SynthTensor t = tensors.get(i);
                if (t.layer() >= 0 && lastOfLayer[t.layer()] == i) {
                    say.accept(String.format(Locale.ROOT, "layer %d/%d (%s) written", t.layer() + 1, kinds.size(),
                            kinds.get(t.layer()) == LayerKind.LINEAR ? "linear_attention" : "full_attention"));
                } else if (t.layer() < 0 && t.count() > size.hidden()) {
                    say.accept(t.name() + " written");
                }
            });
            for (SynthTensor t : shard) {
                bytes += t.bytes(spec.dtype());
            }
            first += shard.size();
        }
        if (shards.size() > 1) {
            writeIndex(outDir, shards, bytes, spec.dtype());
        }
        say.accept(String.format(Locale.ROOT, "wrote %s: %,d bytes of weights in %d file(s), %.1f s", outDir, bytes,
                shards.size(), (System.nanoTime() - started) / 1e9));
    }

    static String shardName(int index, int count) {
        return String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", index + 1, count);
    }

    /** Consecutive groups of about equal bytes, none empty. */
    static List<List<SynthTensor>> split(List<SynthTensor> tensors, int shards, DType dtype) {
        long total = 0;
        for (SynthTensor t : tensors) {
            total += t.bytes(dtype);
        }
        List<List<SynthTensor>> out = new ArrayList<>();
        out.add(new ArrayList<>());
        long done = 0;
        for (int i = 0; i < tensors.size(); i++) {
            int opened = out.size();
            boolean full = done >= total / shards * opened;
            boolean mustOpen = tensors.size() - i <= shards - opened;
            if (!out.getLast().isEmpty() && opened < shards && (full || mustOpen)) {
                out.add(new ArrayList<>());
            }
            out.getLast().add(tensors.get(i));
            done += tensors.get(i).bytes(dtype);
        }
        return out;
    }

    private static void writeIndex(Path outDir, List<List<SynthTensor>> shards, long bytes, DType dtype) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.putObject("metadata").put("total_size", bytes);
        ObjectNode map = root.putObject("weight_map");
        for (int s = 0; s < shards.size(); s++) {
            for (SynthTensor t : shards.get(s)) {
                map.put(t.name(), shardName(s, shards.size()));
            }
        }
        try {
            Files.writeString(outDir.resolve(Checkpoint.INDEX_FILE),
                    json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + Checkpoint.INDEX_FILE + " into " + outDir, e);
        }
    }

    private static void removeOldWeights(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(Checkpoint.SINGLE_FILE));
        Files.deleteIfExists(dir.resolve(Checkpoint.INDEX_FILE));
        try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "model-*-of-*.safetensors")) {
            for (Path p : old) {
                Files.delete(p);
            }
        }
    }

    static String configJson(SynthSpec spec, SynthSize size, List<LayerKind> kinds) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode();
        c.putArray("architectures").add("MiniMaxForCausalLM");
        c.put("model_type", "minimax");
        c.put("vocab_size", size.vocab());
        c.put("hidden_size", size.hidden());
        c.put("intermediate_size", size.intermediate());
        c.put("num_hidden_layers", size.layers());
        c.put("num_attention_heads", size.heads());
        c.put("num_key_value_heads", size.kvHeads());
        c.put("head_dim", size.headDim());
        c.put("hidden_act", "silu");
        c.put("max_position_embeddings", size.maxPositionEmbeddings());
        c.put("rms_norm_eps", size.rmsNormEps());
        c.put("tie_word_embeddings", false);
        ObjectNode rope = c.putObject("rope_parameters");
        rope.put("rope_type", "default");
        rope.put("rope_theta", size.ropeTheta());
        rope.put("partial_rotary_factor", size.partialRotaryFactor());
        c.putNull("sliding_window");
        ArrayNode types = c.putArray("layer_types");
        kinds.forEach(k -> types.add(k == LayerKind.LINEAR ? "linear_attention" : "full_attention"));
        c.put("block_size", size.blockSize());
        c.put("num_local_experts", size.experts());
        c.put("num_experts_per_tok", size.expertsPerToken());
        for (String residual : Arrays.asList("full_attn", "linear_attn", "mlp")) {
            c.put(residual + "_alpha_factor", size.alpha());
            c.put(residual + "_beta_factor", 1.0);
        }
        c.put("attention_dropout", 0.0);
        c.put("router_jitter_noise", 0.0);
        c.put("output_router_logits", false);
        c.put("router_aux_loss_coef", 0.001);
        c.put("initializer_range", 0.02);
        c.put("use_cache", true);
        c.put("bos_token_id", BOS_ID);
        c.put("eos_token_id", EOS_ID);
        c.put("pad_token_id", PAD_ID);
        c.put("dtype", switch (spec.dtype()) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
        });
        ObjectNode origin = c.putObject("longhaul_synth");
        origin.put("size", size.name());
        origin.put("seed", spec.seed());
        origin.put("linear_only", spec.linearOnly());
        origin.put("moe_layout", spec.layout().name());
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(c) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
