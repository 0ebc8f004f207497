/*
 * Runs every check a golden folder's cases.json describes (format `minimax-golden/1`): last- and
 * all-position logits, greedy continuations through the decode path, the chunked-prefill plan,
 * the Hugging Face full-head RoPE expectations where a case carries them, the derived values
 * (decay rates, rotary widths, layer kinds, lightning-norm ε), and every case's `text` against its
 * input_ids through the folder's tokenizer. Works on any folder of that format; tolerance comes
 * from the folder.
 * The file's shape is checked against the model before anything runs (CasesFile): a malformed
 * cases.json is an error naming the file, the case and the field, never an index exception, and
 * never a vacuous pass (no cases, rows cut short, chunk plans that leave part of a prompt out).
 */
package dev.longhaul.engine.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.checkpoint.CheckpointException;
import dev.longhaul.engine.generate.Sampler;
import dev.longhaul.engine.model.LayerKind;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.ModelConfig;
import dev.longhaul.engine.model.MiniMaxModel.RopeMode;
import dev.longhaul.engine.model.Segment;
import dev.longhaul.engine.model.SequenceState;
import dev.longhaul.engine.model.Workspace;
import dev.longhaul.engine.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

public final class GoldenSuite {
    /** One check's outcome: `error` is the relative L2 error, or the count of mismatched tokens. */
    public record Check(String name, double error, double tolerance, boolean passed, String detail) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-4s %-48s %s", passed ? "ok" : "FAIL", name, detail);
        }
    }

    private final Path dir;
    private final JsonNode cases;
    private final double tolerance;

    private GoldenSuite(Path dir, JsonNode cases, double tolerance) {
        this.dir = dir;
        this.cases = cases;
        this.tolerance = tolerance;
    }

    public static GoldenSuite open(Path dir) {
        Path file = dir.resolve("cases.json");
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            if (root == null || !root.has("cases")) {
                throw new CheckpointException(file.toString(), "has no 'cases' array");
            }
            return new GoldenSuite(dir, root, CasesFile.header(file.toString(), root));
        } catch (IOException e) {
            throw new CheckpointException(file.toString(), "cannot read: " + e.getMessage(), e);
        }
    }

    public double tolerance() {
        return tolerance;
    }

    /** Runs all checks with models created by `backend`; never throws for a numeric mismatch. */
    public List<Check> run(Backend backend) {
        List<Check> out = new ArrayList<>();
        try (MiniMaxModel model = MiniMaxModel.load(dir, backend, RopeMode.PARTIAL)) {
            new CasesFile(dir.resolve("cases.json").toString(), model.config()).check(cases);
            derivedChecks(model, out);
            tokenizerChecks(out);
            for (JsonNode c : cases.get("cases")) {
                caseChecks(model, c, "", c, out);
            }
            chunkedPrefill(model, "", false, out);
        }
        boolean anyHf = false;
        for (JsonNode c : cases.get("cases")) {
            anyHf |= c.has("if_rotary_factor_ignored");
        }
        for (JsonNode plan : chunkPlans()) {
            anyHf |= plan.has("if_rotary_factor_ignored");
        }
        if (anyHf) {
            try (MiniMaxModel hf = MiniMaxModel.load(dir, backend, RopeMode.HF_FULL_HEAD)) {
                for (JsonNode c : cases.get("cases")) {
                    if (c.has("if_rotary_factor_ignored")) {
                        caseChecks(hf, c, "hf-rope/", c.get("if_rotary_factor_ignored"), out);
                    }
                }
                chunkedPrefill(hf, "hf-rope/", true, out);
            }
        }
        return out;
    }

    private void derivedChecks(MiniMaxModel model, List<Check> out) {
        JsonNode derived = cases.path("derived");
        ModelConfig cfg = model.config();
        if (derived.has("rotary_dim")) {
            out.add(same("derived/rotary_dim", cfg.rotaryDim(), derived.get("rotary_dim").asInt()));
        }
        if (derived.has("rotary_dim_if_factor_ignored")) {
            out.add(same("derived/rotary_dim_if_factor_ignored", cfg.withHfRopeParity().rotaryDim(),
                    derived.get("rotary_dim_if_factor_ignored").asInt()));
        }
        for (LayerKind kind : LayerKind.values()) {
            String field = kind == LayerKind.LINEAR ? "linear_layers" : "full_layers";
            if (derived.has(field)) {
                List<Integer> got = new ArrayList<>();
                for (int l = 0; l < cfg.numLayers(); l++) {
                    if (cfg.kind(l) == kind) {
                        got.add(l);
                    }
                }
                out.add(same("derived/" + field, got, Arrays.stream(ints(derived.get(field))).boxed().toList()));
            }
        }
        if (derived.has("lightning_norm_eps")) {
            out.add(same("derived/lightning_norm_eps", ModelConfig.LIGHTNING_NORM_EPS, derived.get("lightning_norm_eps").asDouble()));
        }
        JsonNode slopes = derived.path("slopes");
        double worst = 0;
        for (var it = slopes.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            double[] got = MiniMaxModel.slopes(model.config(), Integer.parseInt(e.getKey()));
            for (int i = 0; i < got.length && i < e.getValue().size(); i++) {
                double want = e.getValue().get(i).asDouble();
                worst = Math.max(worst, Math.abs(got[i] - want) / Math.abs(want));
            }
        }
        if (!slopes.isMissingNode()) {
            out.add(new Check("derived/slopes", worst, 1e-12, worst <= 1e-12, String.format(Locale.ROOT, "max rel diff %.2e", worst)));
        }
    }

    private static Check same(String name, Object got, Object want) {
        boolean equal = got.equals(want);
        return new Check(name, equal ? 0 : 1, 0, equal, "got " + got + ", want " + want);
    }

    /**
     * Each case's `text`, where it has one, must encode to its input_ids through the folder's
     * tokenizer.json and decode back: a folder whose tokenizer disagrees with its cases fails.
     */
    private void tokenizerChecks(List<Check> out) {
        List<JsonNode> withText = new ArrayList<>();
        cases.get("cases").forEach(c -> {
            if (c.path("text").isTextual()) {
                withText.add(c);
            }
        });
        if (withText.isEmpty()) {
            return;
        }
        if (!Files.exists(dir.resolve(TextTokenizer.TOKENIZER_FILE))) {
            out.add(new Check("tokenizer", 1, 0, false, "cases carry text but the folder has no " + TextTokenizer.TOKENIZER_FILE));
            return;
        }
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            for (JsonNode c : withText) {
                String text = c.get("text").asText();
                int[] want = ints(c.get("input_ids"));
                int[] got = tokenizer.encode(text);
                String back = tokenizer.decode(want);
                boolean ok = Arrays.equals(got, want) && back.equals(text);
                out.add(new Check(c.get("name").asText() + "/tokenizer", ok ? 0 : 1, 0, ok,
                        ok ? want.length + " ids, both ways"
                                : !Arrays.equals(got, want) ? "text encodes to " + Arrays.toString(got) + ", want " + Arrays.toString(want)
                                : "ids decode to \"" + back + "\", want the case's text"));
            }
        }
    }

    private void caseChecks(MiniMaxModel model, JsonNode c, String prefix, JsonNode expect, List<Check> out) {
        String name = prefix + c.get("name").asText();
        int[] ids = ints(c.get("input_ids"));
        boolean all = expect.has("all_logits");
        Workspace ws = model.workspace(Math.max(ids.length, 1), Math.max(ids.length, 1));
        SequenceState seq = model.newSequence();
        float[][] logits = model.forward(List.of(new Segment(seq, ids, 0, ids.length, all ? Segment.Logits.ALL : Segment.Logits.LAST)), ws).get(0);
        float[] last = logits[logits.length - 1];
        if (expect.has("last_logits")) {
            out.add(compare(name + "/last_logits", last, floats(expect.get("last_logits"))));
        }
        if (all) {
            out.add(compareMatrix(name + "/all_logits", logits, expect.get("all_logits")));
        }
        JsonNode greedy = expect.get("greedy_tokens");
        if (greedy != null) {
            int[] want = ints(greedy);
            int[] got = new int[want.length];
            int[] one = new int[1];
            float[] row = last;
            for (int i = 0; i < want.length; i++) {
                if (!allFinite(row)) { // a numeric failure is a failed check, not an exception out of run()
                    out.add(new Check(name + "/greedy", want.length - i, 0, false, "logits not finite at step " + i));
                    return;
                }
                got[i] = Sampler.argmax(row);
                if (i + 1 < want.length) {
                    one[0] = got[i];
                    row = model.forward(List.of(Segment.of(seq, one)), ws).get(0)[0];
                }
            }
            int mismatches = 0;
            for (int i = 0; i < want.length; i++) {
                mismatches += got[i] == want[i] ? 0 : 1;
            }
            out.add(new Check(name + "/greedy", mismatches, 0, mismatches == 0,
                    mismatches == 0 ? Arrays.toString(got) : "got " + Arrays.toString(got) + ", want " + Arrays.toString(want)));
        }
    }

    /** The chunked-prefill plans: one object, or an array of them. */
    private List<JsonNode> chunkPlans() {
        JsonNode node = cases.get("chunked_prefill");
        List<JsonNode> plans = new ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(plans::add);
        } else if (node != null && node.isObject()) {
            plans.add(node);
        }
        return plans;
    }

    private void chunkedPrefill(MiniMaxModel model, String prefix, boolean hfBlock, List<Check> out) {
        for (JsonNode plan : chunkPlans()) {
            JsonNode expect = hfBlock ? plan.get("if_rotary_factor_ignored") : plan;
            if (expect == null || !expect.has("chunk_last_logits")) {
                continue;
            }
            String caseName = plan.get("case").asText();
            int[] ids = null;
            for (JsonNode c : cases.get("cases")) {
                if (c.get("name").asText().equals(caseName)) {
                    ids = ints(c.get("input_ids"));
                }
            }
            if (ids == null) {
                throw new CheckpointException(dir.resolve("cases.json").toString(),
                        "chunked_prefill names unknown case " + caseName);
            }
            int[] sizes = ints(plan.get("chunk_sizes"));
            Workspace ws = model.workspace(ids.length, 1);
            SequenceState seq = model.newSequence();
            int from = 0;
            for (int i = 0; i < sizes.length; i++) {
                float[] last = model.forward(List.of(new Segment(seq, ids, from, sizes[i], Segment.Logits.LAST)), ws).get(0)[0];
                from += sizes[i];
                out.add(compare(prefix + "chunked_prefill/" + caseName + "/chunk" + i + "(" + sizes[i] + ")", last,
                        floats(expect.get("chunk_last_logits").get(i))));
            }
        }
    }

    private Check compare(String name, float[] got, float[] want) {
        double err = relativeL2(got, want);
        return new Check(name, err, tolerance, err <= tolerance, String.format(Locale.ROOT, "rel L2 %.3e (tol %.0e)", err, tolerance));
    }

    private Check compareMatrix(String name, float[][] got, JsonNode want) {
        double num = 0;
        double den = 0;
        if (want.size() != got.length) {
            return new Check(name, Double.POSITIVE_INFINITY, tolerance, false, got.length + " rows, expected " + want.size());
        }
        for (int r = 0; r < got.length; r++) {
            float[] w = floats(want.get(r));
            if (w.length != got[r].length) {
                return new Check(name, Double.POSITIVE_INFINITY, tolerance, false, "row " + r + " has " + w.length + " values, logits " + got[r].length);
            }
            for (int i = 0; i < w.length; i++) {
                double d = got[r][i] - w[i];
                num += d * d;
                den += (double) w[i] * w[i];
            }
        }
        double err = Math.sqrt(num / den);
        return new Check(name, err, tolerance, err <= tolerance, String.format(Locale.ROOT, "rel L2 %.3e (tol %.0e)", err, tolerance));
    }

    private static boolean allFinite(float[] row) {
        for (float v : row) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** ‖got − want‖₂ / ‖want‖₂ in double. */
    public static double relativeL2(float[] got, float[] want) {
        if (got.length != want.length) {
            return Double.POSITIVE_INFINITY;
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < got.length; i++) {
            double d = (double) got[i] - want[i];
            num += d * d;
            den += (double) want[i] * want[i];
        }
        return Math.sqrt(num / den);
    }


    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }

    private static float[] floats(JsonNode a) {
        float[] r = new float[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) a.get(i).asDouble();
        }
        return r;
    }
}
