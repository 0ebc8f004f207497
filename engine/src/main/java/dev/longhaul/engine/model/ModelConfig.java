/*
 * The validated, immutable model configuration, mapped once from config.json (MINIMAX.md §3).
 * Each field is read under its Hugging Face name first, then its legacy MiniMax name; when both
 * are present and disagree, loading fails. Values out of range fail with the field's name.
 * `rotaryDim` follows the partial rotary factor (the DECISION of §6.2); withHfRopeParity() gives
 * the configuration that rotates the whole head, as unmodified Hugging Face does.
 */
package dev.longhaul.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.engine.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

public record ModelConfig(
        int vocabSize,            // V
        int hiddenSize,           // H
        int intermediateSize,     // I, per expert
        int numLayers,            // L
        int numHeads,             // n
        int numKvHeads,           // n_kv (softmax layers)
        int headDim,              // D
        int rotaryDim,            // r, dims rotated by RoPE
        double ropeTheta,
        double rmsNormEps,
        boolean tieWordEmbeddings,
        List<LayerKind> layerKinds,
        int blockSize,            // B, lightning prefill block
        int numExperts,           // E
        int expertsPerToken,      // k
        double linearAlpha, double linearBeta,
        double fullAlpha, double fullBeta,
        double mlpAlpha, double mlpBeta,
        int maxPositionEmbeddings,
        Integer bosTokenId,
        Integer eosTokenId) {
    /** Largest lightning block the engine runs (MiniMax-01 uses 256); a larger block_size runs as this. */
    public static final int MAX_BLOCK_SIZE = 8192;


    public static final String FILE = "config.json";
    /** MINIMAX.md §5.4: the lightning output norm has a fixed epsilon, not rms_norm_eps. */
    public static final double LIGHTNING_NORM_EPS = 1e-6;

    /** A sanity bound on depth: far above any released model, far below what would exhaust memory. */
    static final int MAX_LAYERS = 100_000;

    private static final Set<String> MODEL_TYPES = Set.of("minimax", "minimax_text_01", "minimax_m1");

    public ModelConfig {
        layerKinds = List.copyOf(layerKinds);
    }

    /** N = n·D, the width of the attention heads together (not necessarily H). */
    public int attentionWidth() {
        return numHeads * headDim;
    }

    public int kvWidth() {
        return numKvHeads * headDim;
    }

    public LayerKind kind(int layer) {
        return layerKinds.get(layer);
    }

    public long countLayers(LayerKind kind) {
        return layerKinds.stream().filter(k -> k == kind).count();
    }

    /** The same model with RoPE over all D dims of a head, as Hugging Face's native class computes. */
    public ModelConfig withHfRopeParity() {
        if (headDim % 2 != 0) {
            // Hugging Face's rotate_half splits a head in two halves: an odd head_dim fails there
            throw new IllegalArgumentException("head_dim " + headDim + " is odd: RoPE over every dim of a head (Hugging Face parity)"
                    + " needs an even number");
        }
        return new ModelConfig(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                headDim, ropeTheta, rmsNormEps, tieWordEmbeddings, layerKinds, blockSize, numExperts, expertsPerToken,
                linearAlpha, linearBeta, fullAlpha, fullBeta, mlpAlpha, mlpBeta, maxPositionEmbeddings, bosTokenId,
                eosTokenId);
    }

    public static ModelConfig load(Path modelDir) {
        Path file = modelDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file.toString(), "missing: a model directory needs " + FILE);
        }
        try {
            return parse(new ObjectMapper().readTree(file.toFile()), file.toString());
        } catch (IOException e) {
            throw new CheckpointException(file.toString(), "not valid JSON: " + e.getMessage(), e);
        }
    }

    public static ModelConfig parse(JsonNode root, String file) {
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file, "is not a JSON object");
        }
        Fields f = new Fields(root, file);
        String modelType = f.text("model_type", null, null);
        if (modelType == null || !MODEL_TYPES.contains(modelType)) {
            throw f.bad("model_type", "is " + modelType + "; expected one of " + MODEL_TYPES);
        }
        String act = f.text("hidden_act", null, "silu");
        if (!"silu".equals(act)) {
            throw f.bad("hidden_act", "is " + act + "; MiniMax-01 uses silu");
        }
        JsonNode postnorm = root.get("postnorm");
        if (postnorm != null && !postnorm.isNull() && !postnorm.asBoolean()) {
            throw f.bad("postnorm", "is false; only the post-norm residual of released checkpoints is supported");
        }
        JsonNode sliding = root.get("sliding_window");
        if (sliding != null && !sliding.isNull()) {
            throw f.bad("sliding_window", "must be null");
        }
        JsonNode shared = root.get("shared_intermediate_size");
        if (shared != null && !shared.isNull() && !isZeroOrZeroList(shared)) {
            throw f.bad("shared_intermediate_size", "is " + shared + "; the shared-expert branch is not supported");
        }
        int vocab = f.positiveInt("vocab_size", null, 32000);
        int hidden = f.positiveInt("hidden_size", null, 4096);
        int inter = f.positiveInt("intermediate_size", null, 14336);
        int layers = f.positiveInt("num_hidden_layers", null, 32);
        if (layers > MAX_LAYERS) {
            throw f.bad("num_hidden_layers", "is " + layers + "; more than " + MAX_LAYERS + " is not a model this engine can hold");
        }
        int heads = f.positiveInt("num_attention_heads", null, 32);
        JsonNode kvNode = root.get("num_key_value_heads");
        int kvHeads = kvNode == null ? 8 : kvNode.isNull() ? heads : f.positiveInt("num_key_value_heads", null, 8);
        JsonNode hd = root.get("head_dim");
        int headDim;
        if (hd == null || hd.isNull()) {
            if (hidden % heads != 0) {
                throw f.bad("head_dim", "is absent and hidden_size is not a multiple of num_attention_heads");
            }
            headDim = hidden / heads;
        } else {
            headDim = f.positiveInt("head_dim", null, 0);
        }
        try {
            Math.multiplyExact(3, Math.multiplyExact(heads, headDim));
            Math.multiplyExact(Math.max(kvHeads, 1), headDim);
        } catch (ArithmeticException overflow) {
            throw f.bad("head_dim", "x num_attention_heads (" + headDim + " x " + heads + ") overflows");
        }
        JsonNode rope = root.get("rope_parameters");
        if (rope != null && !rope.isNull() && !rope.isObject()) {
            throw f.bad("rope_parameters", "must be an object, is " + rope);
        }
        for (String key : new String[] {"rope_type", "type"}) { // "type": the older key of the same
            String ropeType = rope != null && rope.has(key) ? rope.get(key).asText() : "default";
            if (!"default".equals(ropeType)) {
                throw f.bad("rope_parameters.rope_type", "is " + ropeType + "; only default RoPE is supported");
            }
        }
        JsonNode scaling = root.get("rope_scaling"); // the older name of a scaled RoPE's parameters
        if (scaling != null && !scaling.isNull()) {
            String type = scaling.has("rope_type") ? scaling.get("rope_type").asText() : scaling.path("type").asText("?");
            if (!"default".equals(type)) {
                throw f.bad("rope_scaling", "is " + scaling + "; only default RoPE is supported");
            }
        }
        double theta = f.nestedOrLegacyDouble(rope, "rope_theta", "rope_theta", 1e6);
        if (!(theta > 1)) {
            throw f.bad("rope_theta", "must be > 1, is " + theta);
        }
        Double factor = f.optionalNestedOrLegacyDouble(rope, "partial_rotary_factor", "partial_rotary_factor");
        JsonNode rotaryDimNode = root.get("rotary_dim");
        String factorField = "partial_rotary_factor"; // the field the factor came from, for errors
        if (factor == null && rotaryDimNode != null && !rotaryDimNode.isNull()) {
            if (!rotaryDimNode.isIntegralNumber()) {
                throw f.bad("rotary_dim", "must be an integer, is " + rotaryDimNode);
            }
            factor = rotaryDimNode.asDouble() / headDim;
            factorField = "rotary_dim";
        } else if (factor != null && rotaryDimNode != null && !rotaryDimNode.isNull()) {
            if (!rotaryDimNode.isIntegralNumber()) {
                throw f.bad("rotary_dim", "must be an integer, is " + rotaryDimNode);
            }
            if (Math.abs(headDim * factor - rotaryDimNode.asDouble()) > 1e-6) {
                throw f.bad("rotary_dim", "(" + rotaryDimNode.asInt() + ") disagrees with partial_rotary_factor " + factor);
            }
            factorField = "rotary_dim"; // both agree; the integer is exact
        }
        double rf = factor == null ? 1.0 : factor;
        if (!(rf > 0 && rf <= 1)) {
            throw f.bad(factorField, "gives partial rotary factor " + rf + "; it must be in (0, 1]");
        }
        // a legacy rotary_dim is the width itself: D·(r/D) in floating point can land just below r
        int rotaryDim = factorField.equals("rotary_dim") ? rotaryDimNode.asInt() : (int) (headDim * rf);
        if (rotaryDim < 2 || rotaryDim % 2 != 0) {
            throw f.bad(factorField, "gives " + rotaryDim + " rotary dims; need an even number >= 2");
        }
        double eps = f.doubleField("rms_norm_eps", null, 1e-5);
        if (!(eps >= 1e-30 && eps < 1)) {
            throw f.bad("rms_norm_eps", "must be in (0, 1), is " + eps);
        }
        List<LayerKind> kinds = layerKinds(f, root, layers);
        if (heads % kvHeads != 0) {
            if (kinds.contains(LayerKind.FULL)) {
                throw f.bad("num_key_value_heads", "(" + kvHeads + ") must divide num_attention_heads (" + heads + ")");
            }
            kvHeads = heads; // no softmax layer reads it (a linear-only model, as HF builds none either)
        }
        // The block is a performance knob only (MINIMAX.md §5.3: the forms are equal for any block):
        // one past MAX_BLOCK_SIZE runs as MAX_BLOCK_SIZE, whose block x block scores per head a
        // prefill chunk can still hold (a huge one failed after loading every weight)
        int block = Math.min(f.positiveInt("block_size", null, 256), MAX_BLOCK_SIZE);
        int experts = f.positiveInt("num_local_experts", null, 8);
        int topK = f.positiveInt("num_experts_per_tok", null, 2);
        if (topK > experts) {
            throw f.bad("num_experts_per_tok", "(" + topK + ") exceeds num_local_experts (" + experts + ")");
        }
        double la = f.doubleField("linear_attn_alpha_factor", "layernorm_linear_attention_alpha", 1);
        double lb = f.doubleField("linear_attn_beta_factor", "layernorm_linear_attention_beta", 1);
        double fa = f.doubleField("full_attn_alpha_factor", "layernorm_full_attention_alpha", 1);
        double fb = f.doubleField("full_attn_beta_factor", "layernorm_full_attention_beta", 1);
        double ma = f.doubleField("mlp_alpha_factor", "layernorm_mlp_alpha", 1);
        double mb = f.doubleField("mlp_beta_factor", "layernorm_mlp_beta", 1);
        int maxPos = f.positiveInt("max_position_embeddings", null, 131072);
        return new ModelConfig(vocab, hidden, inter, layers, heads, kvHeads, headDim, rotaryDim, theta, eps,
                f.bool("tie_word_embeddings", false), kinds, block, experts, topK, la, lb, fa, fb, ma, mb, maxPos,
                f.optionalInt("bos_token_id"), f.optionalInt("eos_token_id"));
    }

    /** Whether n is the number 0 or a list of zeros (0.5 is not zero, nor is "x"). */
    private static boolean isZeroOrZeroList(JsonNode n) {
        if (n.isNumber()) {
            return n.asDouble() == 0;
        }
        if (n.isArray()) {
            for (JsonNode e : n) {
                if (!e.isNumber() || e.asDouble() != 0) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static List<LayerKind> layerKinds(Fields f, JsonNode root, int layers) {
        List<LayerKind> hf = null;
        JsonNode types = root.get("layer_types");
        if (types != null && !types.isNull()) {
            if (!types.isArray()) {
                throw f.bad("layer_types", "is " + types.getNodeType() + "; expected a list of kinds");
            }
            hf = new ArrayList<>();
            for (JsonNode t : types) {
                if (!t.isTextual()) {
                    throw f.bad("layer_types", "has " + t + "; expected \"linear_attention\" or \"full_attention\"");
                }
                hf.add(switch (t.asText()) {
                    case "linear_attention" -> LayerKind.LINEAR;
                    case "full_attention" -> LayerKind.FULL;
                    default -> throw f.bad("layer_types", "has unknown kind '" + t.asText() + "'");
                });
            }
        }
        List<LayerKind> legacy = null;
        JsonNode attn = root.get("attn_type_list");
        if (attn != null && !attn.isNull()) {
            if (!attn.isArray()) {
                throw f.bad("attn_type_list", "is " + attn.getNodeType() + "; expected a list of 0 and 1");
            }
            legacy = new ArrayList<>();
            for (JsonNode t : attn) {
                // asInt() would take true, "1" and 1.7 for 1
                legacy.add(switch (t.isIntegralNumber() && t.canConvertToInt() ? t.asInt() : -1) {
                    case 0 -> LayerKind.LINEAR;
                    case 1 -> LayerKind.FULL;
                    default -> throw f.bad("attn_type_list", "has value " + t + "; expected 0 or 1");
                });
            }
        }
        if (hf != null && legacy != null && !hf.equals(legacy)) {
            throw f.bad("layer_types", "disagrees with the legacy attn_type_list");
        }
        List<LayerKind> kinds = hf != null ? hf : legacy;
        if (kinds == null) {
            kinds = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                kinds.add(l % 2 == 0 ? LayerKind.FULL : LayerKind.LINEAR);
            }
        }
        if (kinds.size() != layers) {
            throw f.bad(hf != null ? "layer_types" : "attn_type_list",
                    "has " + kinds.size() + " entries but num_hidden_layers is " + layers);
        }
        return kinds;
    }

    /** Reads fields by HF name, then legacy name, refusing disagreements; errors name the field. */
    private record Fields(JsonNode root, String file) {
        CheckpointException bad(String field, String problem) {
            return new CheckpointException(file, "field '" + field + "' " + problem);
        }

        private JsonNode pick(String name, String legacy) {
            JsonNode a = root.get(name);
            JsonNode b = legacy == null ? null : root.get(legacy);
            boolean hasA = a != null && !a.isNull();
            boolean hasB = b != null && !b.isNull();
            if (hasA && hasB && !a.equals(b) && !(a.isNumber() && b.isNumber() && a.asDouble() == b.asDouble())) {
                throw bad(name, "(" + a + ") disagrees with legacy field '" + legacy + "' (" + b + ")");
            }
            return hasA ? a : hasB ? b : null;
        }

        String text(String name, String legacy, String def) {
            JsonNode n = pick(name, legacy);
            return n == null ? def : n.asText();
        }

        int positiveInt(String name, String legacy, int def) {
            JsonNode n = pick(name, legacy);
            if (n == null) {
                return def;
            }
            if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() <= 0) {
                throw bad(name, "must be a positive integer, is " + n);
            }
            return n.asInt();
        }

        double doubleField(String name, String legacy, double def) {
            JsonNode n = pick(name, legacy);
            if (n == null) {
                return def;
            }
            if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
                throw bad(name, "must be a finite number, is " + n);
            }
            return n.asDouble();
        }

        boolean bool(String name, boolean def) {
            JsonNode n = root.get(name);
            if (n == null || n.isNull()) {
                return def;
            }
            if (!n.isBoolean()) {
                throw bad(name, "must be true or false, is " + n);
            }
            return n.asBoolean();
        }

        Integer optionalInt(String name) {
            JsonNode n = root.get(name);
            return n == null || !n.isIntegralNumber() ? null : n.asInt();
        }

        Double optionalNestedOrLegacyDouble(JsonNode nested, String nestedName, String legacy) {
            JsonNode a = nested == null ? null : nested.get(nestedName);
            JsonNode b = root.get(legacy);
            boolean hasA = a != null && !a.isNull();
            boolean hasB = b != null && !b.isNull();
            if (hasA && hasB && a.asDouble() != b.asDouble()) {
                throw bad("rope_parameters." + nestedName, "(" + a + ") disagrees with top-level '" + legacy + "' (" + b + ")");
            }
            JsonNode n = hasA ? a : hasB ? b : null;
            if (n != null && (!n.isNumber() || !Double.isFinite(n.asDouble()))) {
                throw bad(legacy, "must be a finite number, is " + n);
            }
            return n == null ? null : n.asDouble();
        }

        double nestedOrLegacyDouble(JsonNode nested, String nestedName, String legacy, double def) {
            Double v = optionalNestedOrLegacyDouble(nested, nestedName, legacy);
            return v == null ? def : v;
        }
    }
}
