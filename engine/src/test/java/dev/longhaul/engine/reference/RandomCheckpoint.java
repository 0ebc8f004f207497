/*
 * Test fixture: writes a seeded random HF-format MiniMax-01 checkpoint for an arbitrary
 * configuration (a Spec) into a directory: config.json (native HF names, or the legacy remote-code
 * names attn_type_list / layernorm_*_alpha|beta / top-level rope_theta, rotary_dim,
 * partial_rotary_factor), the weights in F32, BF16 or F16, per-expert or fused MoE layout, in one
 * model.safetensors or in N shards with model.safetensors.index.json, and a byte-level tokenizer.
 * Contract: the same Spec always writes the same bytes; every weight is N(0, 1/fan_in) (so that
 * activations stay O(1)), except the embedding (N(0, 1)), norm weights (1 + N(0, 0.01)) and the
 * lightning qkv projection, whose std is multiplied by Spec.qkvScale (small values shrink the
 * lightning output so that its fixed norm ε matters).
 */
package dev.longhaul.engine.reference;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longhaul.engine.checkpoint.DType;
import dev.longhaul.engine.checkpoint.SafeTensorsWriter;
import dev.longhaul.engine.tokenizer.ByteLevelTokenizerFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

public final class RandomCheckpoint {
    /**
     * One checkpoint to draw. `kinds` is a string of 'L' (linear) / 'F' (full) per layer, or null to
     * omit layer_types and get HF's default (full at even indices). `partialRotaryFactor` and
     * `rotaryDim` are each optional (null = not written). `factors` are linear α, β, full α, β, mlp α, β.
     */
    public record Spec(String name, long seed, int vocab, int hidden, int intermediate, int layers, int heads,
                       int kvHeads, int headDim, String kinds, double ropeTheta, Double partialRotaryFactor,
                       Integer rotaryDim, double rmsEps, boolean tied, int blockSize, int experts, int topK,
                       double[] factors, DType dtype, boolean fused, int shards, boolean legacyNames,
                       double qkvScale) {

        public boolean full(int layer) {
            return kinds == null ? layer % 2 == 0 : kinds.charAt(layer) == 'F';
        }

        @Override
        public String toString() {
            return name;
        }

        /** A small, valid baseline; the setters below change one aspect at a time. */
        public static Builder builder(String name, long seed) {
            return new Builder(name, seed);
        }
    }

    /** Fluent construction of a Spec from the baseline. */
    public static final class Builder {
        private final String name;
        private final long seed;
        private int vocab = 300, hidden = 32, intermediate = 48, layers = 2, heads = 2, kvHeads = 1, headDim = 16;
        private String kinds = "LF";
        private double ropeTheta = 1e4;
        private Double factor;
        private Integer rotaryDim;
        private double rmsEps = 1e-5;
        private boolean tied;
        private int blockSize = 16, experts = 4, topK = 2;
        private double[] factors = {1.3, 0.9, 1.1, 1.4, 0.8, 1.7};
        private DType dtype = DType.F32;
        private boolean fused;
        private int shards = 1;
        private boolean legacy;
        private double qkvScale = 1;

        private Builder(String name, long seed) {
            this.name = name;
            this.seed = seed;
        }

        public Builder vocab(int v) { vocab = v; return this; }
        public Builder hidden(int h) { hidden = h; return this; }
        public Builder intermediate(int i) { intermediate = i; return this; }
        public Builder heads(int n, int kv, int d) { heads = n; kvHeads = kv; headDim = d; return this; }
        public Builder kinds(String k) { kinds = k; layers = k.length(); return this; }
        public Builder defaultKinds(int l) { kinds = null; layers = l; return this; }
        public Builder rope(double theta, Double partialFactor, Integer legacyRotaryDim) {
            ropeTheta = theta; factor = partialFactor; rotaryDim = legacyRotaryDim; return this;
        }
        public Builder rmsEps(double e) { rmsEps = e; return this; }
        public Builder tied(boolean t) { tied = t; return this; }
        public Builder blockSize(int b) { blockSize = b; return this; }
        public Builder experts(int e, int k) { experts = e; topK = k; return this; }
        public Builder factors(double... f) { factors = f.clone(); return this; }
        public Builder dtype(DType d) { dtype = d; return this; }
        public Builder fused(boolean f) { fused = f; return this; }
        public Builder shards(int s) { shards = s; return this; }
        public Builder legacyNames(boolean l) { legacy = l; return this; }
        public Builder qkvScale(double s) { qkvScale = s; return this; }

        public Spec build() {
            return new Spec(name, seed, vocab, hidden, intermediate, layers, heads, kvHeads, headDim, kinds, ropeTheta,
                    factor, rotaryDim, rmsEps, tied, blockSize, experts, topK, factors, dtype, fused, shards, legacy,
                    qkvScale);
        }
    }

    private record Tensor(String name, long[] shape, float[] values) {
    }

    private RandomCheckpoint() {}

    /** Writes config.json, the weights and the tokenizer files of `spec` into `dir`. */
    public static void write(Spec spec, Path dir) {
        ObjectMapper json = new ObjectMapper();
        try {
            json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config(json, spec));
            List<Tensor> tensors = tensors(spec);
            if (spec.shards() <= 1) {
                writeShard(spec, tensors, dir.resolve("model.safetensors"));
            } else {
                ObjectNode index = json.createObjectNode();
                ObjectNode map = index.putObject("weight_map");
                long bytes = 0;
                int per = (tensors.size() + spec.shards() - 1) / spec.shards();
                for (int s = 0; s < spec.shards(); s++) {
                    String file = String.format("model-%05d-of-%05d.safetensors", s + 1, spec.shards());
                    List<Tensor> part = tensors.subList(Math.min(s * per, tensors.size()),
                            Math.min((s + 1) * per, tensors.size()));
                    for (Tensor t : part) {
                        map.put(t.name(), file);
                        bytes += (long) t.values().length * spec.dtype().bytes();
                    }
                    writeShard(spec, part, dir.resolve(file));
                }
                index.putObject("metadata").put("total_size", bytes);
                json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteLevelTokenizerFiles.write(dir, spec.vocab());
    }

    private static void writeShard(Spec spec, List<Tensor> tensors, Path file) {
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (Tensor t : tensors) {
            w.add(t.name(), spec.dtype(), t.shape(), t.values());
        }
        w.write(file, Map.of("format", "pt"));
    }

    static ObjectNode config(ObjectMapper json, Spec s) {
        ObjectNode c = json.createObjectNode();
        c.putArray("architectures").add("MiniMaxForCausalLM");
        c.put("model_type", s.legacyNames() ? "minimax_text_01" : "minimax");
        c.put("vocab_size", s.vocab());
        c.put("hidden_size", s.hidden());
        c.put("intermediate_size", s.intermediate());
        c.put("num_hidden_layers", s.layers());
        c.put("num_attention_heads", s.heads());
        c.put("num_key_value_heads", s.kvHeads());
        c.put("head_dim", s.headDim());
        c.put("hidden_act", "silu");
        c.put("max_position_embeddings", 4096);
        c.put("rms_norm_eps", s.rmsEps());
        c.put("tie_word_embeddings", s.tied());
        if (s.legacyNames()) {
            c.put("rope_theta", s.ropeTheta());
            if (s.partialRotaryFactor() != null) {
                c.put("partial_rotary_factor", s.partialRotaryFactor());
            }
        } else {
            ObjectNode rope = c.putObject("rope_parameters");
            rope.put("rope_type", "default");
            rope.put("rope_theta", s.ropeTheta());
            if (s.partialRotaryFactor() != null) {
                rope.put("partial_rotary_factor", s.partialRotaryFactor());
            }
        }
        if (s.rotaryDim() != null) {
            c.put("rotary_dim", s.rotaryDim());
        }
        c.putNull("sliding_window");
        if (s.kinds() != null) {
            ArrayNode kinds = c.putArray(s.legacyNames() ? "attn_type_list" : "layer_types");
            for (int l = 0; l < s.layers(); l++) {
                if (s.legacyNames()) {
                    kinds.add(s.full(l) ? 1 : 0);
                } else {
                    kinds.add(s.full(l) ? "full_attention" : "linear_attention");
                }
            }
        }
        c.put("block_size", s.blockSize());
        c.put("num_local_experts", s.experts());
        c.put("num_experts_per_tok", s.topK());
        String[] names = s.legacyNames()
                ? new String[] {"layernorm_linear_attention_alpha", "layernorm_linear_attention_beta",
                        "layernorm_full_attention_alpha", "layernorm_full_attention_beta",
                        "layernorm_mlp_alpha", "layernorm_mlp_beta"}
                : new String[] {"linear_attn_alpha_factor", "linear_attn_beta_factor", "full_attn_alpha_factor",
                        "full_attn_beta_factor", "mlp_alpha_factor", "mlp_beta_factor"};
        for (int i = 0; i < 6; i++) {
            c.put(names[i], s.factors()[i]);
        }
        if (s.legacyNames()) {
            c.put("postnorm", true);
            c.put("shared_intermediate_size", 0);
        }
        c.put("bos_token_id", ByteLevelTokenizerFiles.BOS_ID);
        c.put("eos_token_id", ByteLevelTokenizerFiles.EOS_ID);
        c.put("pad_token_id", ByteLevelTokenizerFiles.PAD_ID);
        c.put("dtype", switch (s.dtype()) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
        });
        return c;
    }

    private static List<Tensor> tensors(Spec s) {
        List<Tensor> out = new ArrayList<>();
        int h = s.hidden();
        int n = s.heads() * s.headDim();
        int kv = s.kvHeads() * s.headDim();
        int e = s.experts();
        int in = s.intermediate();
        out.add(gauss(s, "model.embed_tokens.weight", 1.0, s.vocab(), h));
        out.add(norm(s, "model.norm.weight", h));
        if (!s.tied()) {
            out.add(gauss(s, "lm_head.weight", 1 / Math.sqrt(h), s.vocab(), h));
        }
        for (int l = 0; l < s.layers(); l++) {
            String p = "model.layers." + l + ".";
            out.add(norm(s, p + "input_layernorm.weight", h));
            out.add(norm(s, p + "post_attention_layernorm.weight", h));
            String a = p + "self_attn.";
            if (s.full(l)) {
                out.add(gauss(s, a + "q_proj.weight", 1 / Math.sqrt(h), n, h));
                out.add(gauss(s, a + "k_proj.weight", 1 / Math.sqrt(h), kv, h));
                out.add(gauss(s, a + "v_proj.weight", 1 / Math.sqrt(h), kv, h));
                out.add(gauss(s, a + "o_proj.weight", 1 / Math.sqrt(n), h, n));
            } else {
                out.add(gauss(s, a + "qkv_proj.weight", s.qkvScale() / Math.sqrt(h), 3 * n, h));
                out.add(gauss(s, a + "output_gate.weight", 1 / Math.sqrt(h), n, h));
                out.add(gauss(s, a + "out_proj.weight", 1 / Math.sqrt(n), h, n));
                out.add(norm(s, a + "norm.weight", n));
            }
            if (s.fused()) {
                out.add(gauss(s, p + "mlp.gate.weight", 1 / Math.sqrt(h), e, h));
                // Per expert: I rows of w1 (gate) std 1/sqrt(H), then I rows of w3 (up), same std.
                out.add(gauss(s, p + "mlp.experts.gate_up_proj", 1 / Math.sqrt(h), e, 2 * in, h));
                out.add(gauss(s, p + "mlp.experts.down_proj", 1 / Math.sqrt(in), e, h, in));
            } else {
                out.add(gauss(s, p + "block_sparse_moe.gate.weight", 1 / Math.sqrt(h), e, h));
                for (int x = 0; x < e; x++) {
                    String ep = p + "block_sparse_moe.experts." + x + ".";
                    out.add(gauss(s, ep + "w1.weight", 1 / Math.sqrt(h), in, h));
                    out.add(gauss(s, ep + "w3.weight", 1 / Math.sqrt(h), in, h));
                    out.add(gauss(s, ep + "w2.weight", 1 / Math.sqrt(in), h, in));
                }
            }
        }
        return out;
    }

    /** N(0, std²) values, seeded by the spec's seed and the tensor name (order-independent). */
    private static Tensor gauss(Spec s, String name, double std, long... shape) {
        Random rnd = new Random(s.seed() * 0x9E3779B97F4A7C15L ^ name.hashCode());
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        float[] v = new float[Math.toIntExact(count)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * std);
        }
        return new Tensor(name, shape, v);
    }

    private static Tensor norm(Spec s, String name, int width) {
        Tensor t = gauss(s, name, 0.1, width);
        for (int i = 0; i < width; i++) {
            t.values()[i] += 1f;
        }
        return t;
    }
}
