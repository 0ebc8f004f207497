/*
 * config.json mapping (MINIMAX.md §3): every out-of-range or unsupported field fails with a
 * CheckpointException naming the file and the field; legacy MiniMax names parse to exactly the
 * configuration their native names give; native and legacy fields that disagree are refused.
 * Configs start from the golden folders' config.json and are edited as JSON.
 */
package dev.longhaul.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FILE = "/models/tiny/config.json";

    static Path golden(String name) {
        return SharedData.golden(name);
    }

    /** The golden folder's config.json as an editable tree. */
    static ObjectNode config(String folder) {
        try {
            return (ObjectNode) JSON.readTree(golden(folder).resolve(ModelConfig.FILE).toFile());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The config's rope_parameters object (both golden configs have one). */
    static ObjectNode rope(ObjectNode root) {
        return (ObjectNode) root.get("rope_parameters");
    }

    static ModelConfig parse(ObjectNode root) {
        return ModelConfig.parse(root, FILE);
    }

    /** Edits the tiny config, parses it, and returns the exception, which must name the file and `field`. */
    static CheckpointException refused(String field, Consumer<ObjectNode> edit) {
        ObjectNode root = config("minimax-tiny");
        edit.accept(root);
        CheckpointException e = assertThrows(CheckpointException.class, () -> parse(root), field);
        assertTrue(e.getMessage().startsWith(FILE + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("'" + field + "'"), "message lacks field " + field + ": " + e.getMessage());
        return e;
    }

    @Test
    void goldenConfigsParse() {
        // given the two golden configs, when parsed, then the fields are the ones written there
        ModelConfig tiny = parse(config("minimax-tiny"));
        assertEquals(List.of(LayerKind.LINEAR, LayerKind.LINEAR, LayerKind.LINEAR, LayerKind.FULL), tiny.layerKinds());
        assertEquals(16, tiny.rotaryDim(), "no factor: the whole head rotates");
        ModelConfig b = parse(config("minimax-tiny-b"));
        assertEquals(8, b.rotaryDim(), "factor 0.5 of head_dim 16");
        assertEquals(1.25, b.linearAlpha(), 0);
        assertTrue(b.tieWordEmbeddings());
    }

    @Test
    void legacyRotaryDimIsTakenAsIsEvenWhereTheFactorRoundsBelowIt() {
        // given head_dim 100 and a legacy rotary_dim 58: 100 · (58 / 100) is 57.99999999999999 in double
        ObjectNode root = config("minimax-tiny");
        root.put("head_dim", 100);
        rope(root).remove("partial_rotary_factor");
        root.put("rotary_dim", 58);
        // when parsed, then 58 dims rotate, not 57 (which would even be refused as odd)
        assertEquals(58, parse(root).rotaryDim());
        // and with an agreeing factor beside it, the integer still wins
        rope(root).put("partial_rotary_factor", 0.58);
        assertEquals(58, parse(root).rotaryDim());
    }

    @Test
    void modelTypeMissingOrWrongIsRefused() {
        refused("model_type", c -> c.remove("model_type"));
        CheckpointException e = refused("model_type", c -> c.put("model_type", "llama"));
        assertTrue(e.getMessage().contains("llama"), e.getMessage());
        // the legacy and M1 names are the same architecture
        ObjectNode legacy = config("minimax-tiny").put("model_type", "minimax_text_01");
        assertEquals(parse(config("minimax-tiny")), parse(legacy));
    }

    /** block_size is a performance knob: one past MAX_BLOCK_SIZE runs as MAX_BLOCK_SIZE (a huge one failed after loading every weight). */
    @Test
    void aBlockPastTheLimitRunsAtTheLimit() {
        ObjectNode c = config("minimax-tiny");
        c.put("block_size", Integer.MAX_VALUE);
        assertEquals(ModelConfig.MAX_BLOCK_SIZE, parse(c).blockSize());
        c.put("block_size", 16);
        assertEquals(16, parse(c).blockSize());
    }

    /** A linear-only model reads no KV heads: a count that would not divide the heads is no reason to refuse it. */
    @Test
    void aLinearOnlyModelIgnoresKeyValueHeads() {
        ObjectNode c = config("minimax-tiny");
        ArrayNode types = (ArrayNode) c.get("layer_types");
        for (int i = 0; i < types.size(); i++) {
            types.set(i, "linear_attention");
        }
        c.put("num_key_value_heads", 3);
        assertEquals(java.util.Collections.nCopies(types.size(), LayerKind.LINEAR), parse(c).layerKinds());
    }

    @Test
    void fieldsOutOfRangeAreRefusedByName() {
        refused("hidden_size", c -> c.put("hidden_size", -64));
        refused("hidden_size", c -> c.put("hidden_size", "64"));
        refused("num_hidden_layers", c -> c.put("num_hidden_layers", 2.5));
        refused("vocab_size", c -> c.put("vocab_size", 0));
        refused("num_key_value_heads", c -> c.put("num_key_value_heads", 0));
        refused("rms_norm_eps", c -> c.put("rms_norm_eps", -1e-5));
        refused("rope_theta", c -> rope(c).put("rope_theta", 0.5));
        CheckpointException topK = refused("num_experts_per_tok", c -> c.put("num_experts_per_tok", 5));
        assertTrue(topK.getMessage().contains("num_local_experts"), topK.getMessage());
        CheckpointException gqa = refused("num_key_value_heads", c -> c.put("num_key_value_heads", 3));
        assertTrue(gqa.getMessage().contains("num_attention_heads"), gqa.getMessage());
    }

    @Test
    void layerTypesOfWrongLengthOrUnknownKindAreRefused() {
        CheckpointException length = refused("layer_types", c -> ((ArrayNode) c.get("layer_types")).remove(0));
        assertTrue(length.getMessage().contains("num_hidden_layers"), length.getMessage());
        CheckpointException kind = refused("layer_types", c -> ((ArrayNode) c.get("layer_types")).set(0, "sliding_attention"));
        assertTrue(kind.getMessage().contains("sliding_attention"), kind.getMessage());
        refused("attn_type_list", c -> {
            c.remove("layer_types");
            c.putArray("attn_type_list").add(0).add(0).add(2).add(1);
        });
        // values that only coerce to a kind: true, "1" and 1.7 are not 1; an object is not a list
        int layers = config("minimax-tiny").get("num_hidden_layers").asInt();
        for (com.fasterxml.jackson.databind.JsonNode odd : List.of(JSON.getNodeFactory().booleanNode(true),
                JSON.getNodeFactory().textNode("1"), JSON.getNodeFactory().numberNode(1.7))) {
            refused("attn_type_list", c -> {
                c.remove("layer_types");
                ArrayNode list = c.putArray("attn_type_list");
                for (int l = 0; l < layers; l++) {
                    list.add(l == 0 ? odd : JSON.getNodeFactory().numberNode(0));
                }
            });
        }
        refused("layer_types", c -> {
            ObjectNode asObject = c.putObject("layer_types");
            for (int l = 0; l < layers; l++) {
                asObject.put("l" + l, "linear_attention");
            }
        });
        refused("layer_types", c -> ((ArrayNode) c.get("layer_types")).set(0, JSON.getNodeFactory().numberNode(1)));
    }

    @Test
    void unsupportedVariantsAreRefusedByName() {
        refused("rope_parameters.rope_type", c -> rope(c).put("rope_type", "yarn"));
        refused("rope_parameters.rope_type", c -> rope(c).put("type", "linear")); // the older key in it
        refused("rope_scaling", c -> c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4));
        refused("rope_scaling", c -> c.putObject("rope_scaling").put("type", "linear").put("factor", 4));
        refused("hidden_act", c -> c.put("hidden_act", "gelu"));
        refused("postnorm", c -> c.put("postnorm", false));
        refused("sliding_window", c -> c.put("sliding_window", 4096));
        refused("shared_intermediate_size", c -> c.put("shared_intermediate_size", 128));
        refused("shared_intermediate_size", c -> c.put("shared_intermediate_size", 0.5));
        refused("shared_intermediate_size", c -> c.putArray("shared_intermediate_size").add(0).add("x"));
        refused("partial_rotary_factor", c -> rope(c).put("partial_rotary_factor", 0.0));
        refused("partial_rotary_factor", c -> rope(c).put("partial_rotary_factor", 1.5));
        refused("partial_rotary_factor", c -> c.put("partial_rotary_factor", -0.5));
        // a legacy rotary_dim is named when it is the field at fault
        refused("rotary_dim", c -> c.put("rotary_dim", 0));
        refused("rotary_dim", c -> c.put("rotary_dim", 7));
        refused("rotary_dim", c -> c.put("rotary_dim", 32));
        refused("rotary_dim", c -> c.put("rotary_dim", "half"));
        // accepted neutral values of the same fields
        ObjectNode neutral = config("minimax-tiny");
        neutral.put("postnorm", true);
        neutral.putArray("shared_intermediate_size").add(0);
        neutral.put("shared_moe_mode", "sigmoid");
        assertEquals(parse(config("minimax-tiny")), parse(neutral));
    }

    @Test
    void hfRopeParityRefusesAnOddHeadDim() {
        ObjectNode root = config("minimax-tiny");
        root.put("head_dim", 5);
        root.put("rotary_dim", 4);
        root.remove("rope_parameters");
        root.remove("partial_rotary_factor");
        ModelConfig odd = parse(root);
        assertEquals(4, odd.rotaryDim());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, odd::withHfRopeParity);
        assertTrue(e.getMessage().contains("head_dim 5"), e.getMessage());
        assertEquals(parse(config("minimax-tiny")).headDim(), parse(config("minimax-tiny")).withHfRopeParity().rotaryDim());
    }

    @Test
    void legacyNamesGiveTheSameConfigAsNativeNames() {
        // given tiny-b (non-default factors, mixed layers, partial RoPE) rewritten with legacy names only
        ObjectNode nativeNames = config("minimax-tiny-b");
        ObjectNode legacy = nativeNames.deepCopy();
        legacy.remove("layer_types");
        legacy.putArray("attn_type_list").add(1).add(0).add(0).add(1).add(0);
        for (String[] pair : new String[][] {
                {"linear_attn_alpha_factor", "layernorm_linear_attention_alpha"},
                {"linear_attn_beta_factor", "layernorm_linear_attention_beta"},
                {"full_attn_alpha_factor", "layernorm_full_attention_alpha"},
                {"full_attn_beta_factor", "layernorm_full_attention_beta"},
                {"mlp_alpha_factor", "layernorm_mlp_alpha"},
                {"mlp_beta_factor", "layernorm_mlp_beta"}}) {
            legacy.set(pair[1], legacy.remove(pair[0]));
        }
        legacy.remove("rope_parameters");
        legacy.put("rope_theta", 10000.0);
        legacy.put("rotary_dim", 8);
        legacy.put("postnorm", true);
        legacy.put("model_type", "minimax_text_01");
        ObjectNode topLevelFactor = legacy.deepCopy();
        topLevelFactor.remove("rotary_dim");
        topLevelFactor.put("partial_rotary_factor", 0.5);

        // when both are parsed
        ModelConfig expected = parse(nativeNames);

        // then the records are equal, field for field
        assertEquals(expected, parse(legacy));
        assertEquals(expected, parse(topLevelFactor));
        // and native plus agreeing legacy fields are accepted too
        ObjectNode both = nativeNames.deepCopy();
        both.setAll(legacy);
        both.set("layer_types", nativeNames.get("layer_types"));
        assertEquals(expected, parse(both));
    }

    @Test
    void nativeAndLegacyFieldsThatDisagreeAreRefused() {
        refused("layer_types", c -> c.putArray("attn_type_list").add(0).add(0).add(1).add(1));
        refused("linear_attn_alpha_factor", c -> c.put("layernorm_linear_attention_alpha", 2.0));
        refused("mlp_beta_factor", c -> c.put("layernorm_mlp_beta", 0.5));
        refused("rope_parameters.rope_theta", c -> c.put("rope_theta", 10000.0));
        refused("rotary_dim", c -> {
            rope(c).put("partial_rotary_factor", 0.5);
            c.put("rotary_dim", 16);
        });
    }

    @Test
    void nullKeyValueHeadsMeansOnePerAttentionHead() {
        // given num_key_value_heads: null, when parsed, then n_kv = n
        ObjectNode c = config("minimax-tiny");
        c.putNull("num_key_value_heads");
        ModelConfig cfg = parse(c);
        assertEquals(cfg.numHeads(), cfg.numKvHeads());
        assertEquals(4, cfg.numKvHeads());
    }

    @Test
    void loadNamesTheFileWhenMissingOrNotJson(@TempDir Path dir) throws IOException {
        // given no config.json, then a config.json that is not JSON, then a JSON array
        Path file = dir.resolve(ModelConfig.FILE);
        CheckpointException missing = assertThrows(CheckpointException.class, () -> ModelConfig.load(dir));
        assertTrue(missing.getMessage().contains(file.toString()) && missing.getMessage().contains("missing"),
                missing.getMessage());
        Files.writeString(file, "{\"model_type\": \"minimax\",");
        CheckpointException broken = assertThrows(CheckpointException.class, () -> ModelConfig.load(dir));
        assertTrue(broken.getMessage().contains(file.toString()) && broken.getMessage().contains("not valid JSON"),
                broken.getMessage());
        Files.writeString(file, "[1, 2]");
        CheckpointException array = assertThrows(CheckpointException.class, () -> ModelConfig.load(dir));
        assertTrue(array.getMessage().contains(file.toString()), array.getMessage());
    }
}
