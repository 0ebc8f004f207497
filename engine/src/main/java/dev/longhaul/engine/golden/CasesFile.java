/*
 * The shape of a golden folder's cases.json, checked against the model it is for before any check
 * runs: `format` minimax-golden/1 and a sane `tolerance` (header()); a non-empty `cases` array; each
 * case a unique non-empty `name` and non-empty integer `input_ids` inside the vocabulary;
 * expectations (the case itself, and `if_rotary_factor_ignored`), at least one each, whose
 * `last_logits` hold vocab numbers, whose `all_logits` hold one such row per input id, whose
 * `greedy_tokens` are a non-empty list of ids; `derived` values of the right types; `chunked_prefill` plans naming a case, with positive `chunk_sizes` that
 * add up to its prompt and one `chunk_last_logits` row per chunk; `derived.slopes` keyed by layers
 * that exist, one rate per head. Any departure is a CheckpointException naming the file and the
 * place in it.
 */
package dev.longhaul.engine.golden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.longhaul.engine.checkpoint.CheckpointException;
import dev.longhaul.engine.model.ModelConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.Locale;

final class CasesFile {
    private final String file;
    private final ModelConfig cfg;

    CasesFile(String file, ModelConfig cfg) {
        this.file = file;
        this.cfg = cfg;
    }

    /** The only format this suite reads. */
    static final String FORMAT = "minimax-golden/1";

    /**
     * The file's header, checked before a model is loaded: `format` must be FORMAT, and `tolerance.max`,
     * where given, a finite number in (0, 1) (a string, `true` or 1e400 must not loosen every check
     * into a pass). Returns the tolerance: tolerance.max, or 1e-4 without one.
     */
    static double header(String file, JsonNode root) {
        JsonNode format = root.get("format");
        if (format == null || !format.isTextual() || !format.asText().equals(FORMAT)) {
            throw new CheckpointException(file, "'format' must be \"" + FORMAT + "\", is " + (format == null ? "missing" : format));
        }
        JsonNode tolerance = root.get("tolerance");
        if (tolerance == null || tolerance.isNull()) {
            return 1e-4;
        }
        JsonNode max = tolerance.get("max");
        if (!tolerance.isObject() || max == null || !max.isNumber() || !Double.isFinite(max.asDouble())
                || !(max.asDouble() > 0 && max.asDouble() < 1)) {
            throw new CheckpointException(file, "tolerance.max must be a number above 0 and below 1, is "
                    + (tolerance.isObject() ? max == null ? "missing" : max.toString() : tolerance.toString()));
        }
        return max.asDouble();
    }

    void check(JsonNode root) {
        JsonNode cases = root.get("cases");
        if (cases == null || !cases.isArray() || cases.isEmpty()) {
            throw bad("'cases' must be a non-empty array");
        }
        Map<String, Integer> lengths = new HashMap<>();
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            String where = "cases[" + i + "]";
            if (!c.isObject() || !c.path("name").isTextual() || c.get("name").asText().isEmpty()) {
                throw bad(where + " needs a non-empty 'name'");
            }
            String name = c.get("name").asText();
            where = "case '" + name + "'";
            if (lengths.containsKey(name)) {
                throw bad(where + " is named twice");
            }
            int n = ids(c.get("input_ids"), where + " input_ids", true);
            lengths.put(name, n);
            if (c.has("text") && !c.get("text").isTextual() && !c.get("text").isNull()) {
                throw bad(where + " text must be a string or null, is " + c.get("text"));
            }
            expectations(c, where, n);
            if (c.has("if_rotary_factor_ignored")) {
                expectations(c.get("if_rotary_factor_ignored"), where + " if_rotary_factor_ignored", n);
            }
        }
        JsonNode plans = root.get("chunked_prefill");
        if (plans != null && !plans.isNull()) {
            if (plans.isObject()) {
                plan(plans, "chunked_prefill", lengths);
            } else if (plans.isArray()) {
                for (int i = 0; i < plans.size(); i++) {
                    plan(plans.get(i), "chunked_prefill[" + i + "]", lengths);
                }
            } else {
                throw bad("'chunked_prefill' must be an object or an array of them");
            }
        }
        derived(root.path("derived"));
        JsonNode slopes = root.path("derived").path("slopes");
        if (!slopes.isMissingNode()) {
            if (!slopes.isObject()) {
                throw bad("derived.slopes must be an object keyed by layer");
            }
            for (var it = slopes.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                int layer;
                try {
                    layer = Integer.parseInt(e.getKey());
                } catch (NumberFormatException x) {
                    layer = -1;
                }
                if (layer < 0 || layer >= cfg.numLayers()) {
                    throw bad("derived.slopes key '" + e.getKey() + "' is not a layer of the model (0.." + (cfg.numLayers() - 1) + ")");
                }
                numbers(e.getValue(), "derived.slopes." + e.getKey(), cfg.numHeads());
            }
        }
    }

    /** The derived values other than slopes: integers, lists of layers, a number. */
    private void derived(JsonNode derived) {
        if (derived.isMissingNode()) {
            return;
        }
        if (!derived.isObject()) {
            throw bad("'derived' must be an object");
        }
        for (String field : new String[] {"rotary_dim", "rotary_dim_if_factor_ignored"}) {
            JsonNode v = derived.get(field);
            if (v != null && (!v.isIntegralNumber() || !v.canConvertToInt())) {
                throw bad("derived." + field + " must be an integer, is " + v);
            }
        }
        for (String field : new String[] {"linear_layers", "full_layers"}) {
            JsonNode v = derived.get(field);
            if (v != null && (!v.isArray() || !all(v, x -> x.isIntegralNumber() && x.canConvertToInt()))) {
                throw bad("derived." + field + " must be an array of layer numbers, is " + v);
            }
        }
        JsonNode eps = derived.get("lightning_norm_eps");
        if (eps != null && !eps.isNumber()) {
            throw bad("derived.lightning_norm_eps must be a number, is " + eps);
        }
    }

    private static boolean all(JsonNode array, java.util.function.Predicate<JsonNode> test) {
        for (JsonNode x : array) {
            if (!test.test(x)) {
                return false;
            }
        }
        return true;
    }

    private void expectations(JsonNode e, String where, int n) {
        if (!e.isObject()) {
            throw bad(where + " must be an object");
        }
        // a case must expect something, or a misspelt key would make it a check that checks nothing
        if (!e.has("last_logits") && !e.has("all_logits") && !e.has("greedy_tokens")) {
            throw bad(where + " expects nothing: it needs last_logits, all_logits or greedy_tokens");
        }
        if (e.has("last_logits")) {
            numbers(e.get("last_logits"), where + " last_logits", cfg.vocabSize());
        }
        if (e.has("all_logits")) {
            JsonNode rows = e.get("all_logits");
            if (!rows.isArray() || rows.size() != n) {
                throw bad(where + " all_logits must hold one row per input id (" + n + "), holds " + (rows.isArray() ? rows.size() : rows));
            }
            for (int r = 0; r < n; r++) {
                numbers(rows.get(r), where + " all_logits[" + r + "]", cfg.vocabSize());
            }
        }
        if (e.has("greedy_tokens")) {
            ids(e.get("greedy_tokens"), where + " greedy_tokens", true);
        }
    }

    private void plan(JsonNode plan, String where, Map<String, Integer> lengths) {
        if (!plan.isObject() || !plan.path("case").isTextual() || !lengths.containsKey(plan.get("case").asText())) {
            throw bad(where + " must name a case of 'cases'");
        }
        int n = lengths.get(plan.get("case").asText());
        JsonNode sizes = plan.get("chunk_sizes");
        if (sizes == null || !sizes.isArray() || sizes.isEmpty()) {
            throw bad(where + " needs a non-empty 'chunk_sizes' array");
        }
        long sum = 0;
        for (JsonNode s : sizes) {
            if (!s.isIntegralNumber() || !s.canConvertToInt() || s.asInt() < 1) {
                throw bad(where + " chunk_sizes must be positive integers, has " + s);
            }
            sum += s.asInt();
        }
        if (sum != n) {
            throw bad(where + " chunk_sizes add up to " + sum + ", but its case's prompt has " + n + " ids");
        }
        for (JsonNode expect : new JsonNode[] {plan, plan.get("if_rotary_factor_ignored")}) {
            if (expect == null || !expect.has("chunk_last_logits")) {
                continue;
            }
            JsonNode rows = expect.get("chunk_last_logits");
            if (!rows.isArray() || rows.size() != sizes.size()) {
                throw bad(where + " chunk_last_logits must hold one row per chunk (" + sizes.size() + ")");
            }
            for (int r = 0; r < rows.size(); r++) {
                numbers(rows.get(r), where + " chunk_last_logits[" + r + "]", cfg.vocabSize());
            }
        }
    }

    /** Checks an array of token ids inside the vocabulary; returns its length. */
    private int ids(JsonNode a, String where, boolean nonEmpty) {
        if (a == null || !a.isArray() || (nonEmpty && a.isEmpty())) {
            throw bad(where + " must be a" + (nonEmpty ? " non-empty" : "n") + " array of token ids");
        }
        for (JsonNode id : a) {
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0 || id.asInt() >= cfg.vocabSize()) {
                throw bad(where + " holds " + id + ", not a token id of the vocabulary (0.." + (cfg.vocabSize() - 1) + ")");
            }
        }
        return a.size();
    }

    private void numbers(JsonNode a, String where, int length) {
        if (a == null || !a.isArray() || a.size() != length) {
            throw bad(where + " must be an array of " + length + " numbers, is "
                    + (a == null ? "missing" : a.isArray() ? "of " + a.size() : a.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        for (JsonNode v : a) {
            if (!v.isNumber()) {
                throw bad(where + " holds " + v + ", not a number");
            }
        }
    }

    private CheckpointException bad(String message) {
        return new CheckpointException(file, message);
    }
}
