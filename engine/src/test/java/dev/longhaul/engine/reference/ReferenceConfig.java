/*
 * The configuration the float64 reference model runs, read from config.json by its own parser
 * (MINIMAX.md §3), independently of the engine's ModelConfig: HF field name first, then the legacy
 * remote-code name, then HF's default. Contract: `rotaryDim` is int(D · factor) with the factor from
 * rope_parameters.partial_rotary_factor, a top-level partial_rotary_factor, or rotary_dim / D
 * (default 1); `full[l]` is true for softmax layers. It only reads; it does not validate
 * disagreements between native and legacy fields (the generated checkpoints never disagree).
 */
package dev.longhaul.engine.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

public record ReferenceConfig(
        int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads, int headDim,
        int rotaryDim, double ropeTheta, double rmsEps, boolean tied, boolean[] full,
        int experts, int topK,
        double linearAlpha, double linearBeta, double fullAlpha, double fullBeta, double mlpAlpha, double mlpBeta) {

    /** MINIMAX.md §5.4: the lightning output norm's epsilon is a constant, not rms_norm_eps. */
    public static final double LIGHTNING_NORM_EPS = 1e-6;

    public static ReferenceConfig read(Path modelDir) {
        try {
            return parse(new ObjectMapper().readTree(modelDir.resolve("config.json").toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ReferenceConfig parse(JsonNode c) {
        int hidden = num(c, "hidden_size", null, 4096).intValue();
        int heads = num(c, "num_attention_heads", null, 32).intValue();
        int layers = num(c, "num_hidden_layers", null, 32).intValue();
        JsonNode kv = c.get("num_key_value_heads");
        int kvHeads = kv == null ? 8 : kv.isNull() ? heads : kv.asInt();
        int headDim = num(c, "head_dim", null, hidden / heads).intValue();
        JsonNode rope = c.path("rope_parameters");
        double theta = rope.has("rope_theta") ? rope.get("rope_theta").asDouble()
                : num(c, "rope_theta", null, 1e6).doubleValue();
        double factor;
        if (rope.hasNonNull("partial_rotary_factor")) {
            factor = rope.get("partial_rotary_factor").asDouble();
        } else if (c.hasNonNull("partial_rotary_factor")) {
            factor = c.get("partial_rotary_factor").asDouble();
        } else if (c.hasNonNull("rotary_dim")) {
            factor = c.get("rotary_dim").asDouble() / headDim;
        } else {
            factor = 1.0;
        }
        boolean[] full = new boolean[layers];
        if (c.hasNonNull("layer_types")) {
            for (int l = 0; l < layers; l++) {
                full[l] = c.get("layer_types").get(l).asText().equals("full_attention");
            }
        } else if (c.hasNonNull("attn_type_list")) {
            for (int l = 0; l < layers; l++) {
                full[l] = c.get("attn_type_list").get(l).asInt() == 1;
            }
        } else {
            for (int l = 0; l < layers; l++) {
                full[l] = l % 2 == 0; // HF default: full at even indices
            }
        }
        return new ReferenceConfig(
                num(c, "vocab_size", null, 32000).intValue(), hidden,
                num(c, "intermediate_size", null, 14336).intValue(), layers, heads, kvHeads, headDim,
                (int) (headDim * factor), theta, num(c, "rms_norm_eps", null, 1e-5).doubleValue(),
                c.path("tie_word_embeddings").asBoolean(false), full,
                num(c, "num_local_experts", null, 8).intValue(), num(c, "num_experts_per_tok", null, 2).intValue(),
                num(c, "linear_attn_alpha_factor", "layernorm_linear_attention_alpha", 1).doubleValue(),
                num(c, "linear_attn_beta_factor", "layernorm_linear_attention_beta", 1).doubleValue(),
                num(c, "full_attn_alpha_factor", "layernorm_full_attention_alpha", 1).doubleValue(),
                num(c, "full_attn_beta_factor", "layernorm_full_attention_beta", 1).doubleValue(),
                num(c, "mlp_alpha_factor", "layernorm_mlp_alpha", 1).doubleValue(),
                num(c, "mlp_beta_factor", "layernorm_mlp_beta", 1).doubleValue());
    }

    private static Number num(JsonNode c, String name, String legacy, Number def) {
        if (c.hasNonNull(name)) {
            return c.get(name).numberValue();
        }
        if (legacy != null && c.hasNonNull(legacy)) {
            return c.get(legacy).numberValue();
        }
        return def;
    }

    /** The same model with RoPE over all D dims, as Hugging Face's native class computes (§6.2). */
    public ReferenceConfig withFullHeadRope() {
        return new ReferenceConfig(vocab, hidden, intermediate, layers, heads, kvHeads, headDim, headDim, ropeTheta,
                rmsEps, tied, full, experts, topK, linearAlpha, linearBeta, fullAlpha, fullBeta, mlpAlpha, mlpBeta);
    }

    /** Per-head decay rates s of layer l, HF rule (§5.2), in double. */
    public double[] slopes(int layer) {
        double layerFactor = 1 - layer / (layers - 1 + 1e-5) + 1e-5;
        double[] s = new double[heads];
        for (int i = 0; i < heads; i++) {
            s[i] = Math.pow(2, -8.0 * (i + 1) / heads) * layerFactor;
        }
        return s;
    }
}
