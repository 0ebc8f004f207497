/*
 * Writes cases.json in the `minimax-golden/1` format of the shipped golden folders, computed by the
 * float64 ReferenceModel from the checkpoint in the same directory. Cases mirror the shipped ones
 * (one_token, minimax7, block16, span33, doc100); a chunked-prefill plan over doc100 with seeded,
 * block-misaligned chunk sizes including a one-token chunk; `if_rotary_factor_ignored` blocks when
 * the config rotates fewer than head_dim dims. Contract: every logit is written as a float32 value;
 * a case's prompt is redrawn (seeded) until its greedy paths have a top-2 margin ≥ MIN_MARGIN and its
 * MoE routing a k-th/(k+1)-th router-logit gap ≥ MIN_ROUTER_GAP, so float32 noise cannot flip a greedy
 * token or an expert choice. `reference_forms_max_rel_diff` and `debug` are not written.
 */
package dev.longhaul.engine.reference;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

public final class GoldenWriter {
    public static final int NEW_TOKENS = 8;
    public static final double TOLERANCE = 1e-4;
    public static final double MIN_MARGIN = 1e-3;
    public static final double MIN_ROUTER_GAP = 1e-4;
    /** Prompts of at most this many tokens also get all_logits. */
    public static final int ALL_LOGITS_MAX_LENGTH = 7;
    static final int MAX_ATTEMPTS = 60;
    static final String DOC100 = "Ströme über Blöcke: each lightning layer keeps a state per head; softmax layers keep K,V — ça!";

    /** What was written, for the test log: per case the number of redraws and the smallest margin. */
    public record Summary(List<String> cases, double minMargin, double minRouterGap) {
    }

    record Prompt(String name, String text, int[] ids) {
    }

    private GoldenWriter() {}

    /** Computes every expectation for the checkpoint in `dir` and writes dir/cases.json. */
    public static Summary write(Path dir, String modelName, long seed) {
        ReferenceModel model = ReferenceModel.load(dir, false);
        ReferenceConfig cfg = model.config();
        ReferenceModel hf = cfg.rotaryDim() < cfg.headDim() ? ReferenceModel.load(dir, true) : null;
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("format", "minimax-golden/1");
        root.put("model", modelName);
        root.put("reference", "independent reference implementation (engine test code, ReferenceModel), float64 "
                + "arithmetic on the weights as stored in the safetensors files");
        ObjectNode tol = root.putObject("tolerance");
        tol.put("metric", "relative_l2");
        tol.put("definition", "||got - expected||_2 / ||expected||_2 over the compared vector or matrix");
        tol.put("max", TOLERANCE);
        ObjectNode greedy = root.putObject("greedy");
        greedy.put("new_tokens", NEW_TOKENS);
        greedy.put("rule", "argmax of the last position's logits, ties to the lowest id; prefill the prompt, "
                + "then feed each chosen token back one at a time");
        root.set("derived", derived(json, cfg));
        ArrayNode cases = root.putArray("cases");
        List<String> log = new ArrayList<>();
        double minMargin = Double.POSITIVE_INFINITY;
        double minGap = Double.POSITIVE_INFINITY;
        double[][] docLogits = null;
        String[] names = {"one_token", "minimax7", "block16", "span33", "doc100"};
        for (int c = 0; c < names.length; c++) {
            for (int attempt = 0; ; attempt++) {
                if (attempt == MAX_ATTEMPTS) {
                    throw new IllegalStateException(modelName + ": no prompt for " + names[c] + " with margin >= "
                            + MIN_MARGIN + " after " + MAX_ATTEMPTS + " attempts");
                }
                Prompt p = prompt(names[c], attempt, cfg.vocab(), seed);
                model.takeMinRouterGap();
                double[][] logits = model.logits(p.ids());
                ReferenceModel.Greedy g = model.greedy(p.ids(), NEW_TOKENS);
                double gap = model.takeMinRouterGap();
                ReferenceModel.Greedy gHf = null;
                double[] lastHf = null;
                double margin = g.minTop2Margin();
                if (hf != null) {
                    hf.takeMinRouterGap();
                    lastHf = hf.lastLogits(p.ids());
                    gHf = hf.greedy(p.ids(), NEW_TOKENS);
                    gap = Math.min(gap, hf.takeMinRouterGap());
                    margin = Math.min(margin, gHf.minTop2Margin());
                }
                if (margin < MIN_MARGIN || gap < MIN_ROUTER_GAP) {
                    continue;
                }
                ObjectNode n = cases.addObject();
                n.put("name", p.name());
                if (p.text() == null) {
                    n.putNull("text");
                } else {
                    n.put("text", p.text());
                }
                ints(n.putArray("input_ids"), p.ids());
                n.put("length", p.ids().length);
                double[] last = logits[logits.length - 1];
                floats(n.putArray("last_logits"), last);
                n.put("last_argmax", ReferenceModel.argmax(last));
                ints(n.putArray("greedy_tokens"), g.tokens());
                n.put("greedy_min_top2_margin", round6(g.minTop2Margin()));
                if (p.ids().length <= ALL_LOGITS_MAX_LENGTH) {
                    ArrayNode all = n.putArray("all_logits");
                    for (double[] row : logits) {
                        floats(all.addArray(), row);
                    }
                }
                if (hf != null) {
                    ObjectNode h = n.putObject("if_rotary_factor_ignored");
                    floats(h.putArray("last_logits"), lastHf);
                    ints(h.putArray("greedy_tokens"), gHf.tokens());
                    h.put("greedy_min_top2_margin", round6(gHf.minTop2Margin()));
                }
                if (p.name().equals("doc100")) {
                    docLogits = logits;
                }
                minMargin = Math.min(minMargin, margin);
                minGap = Math.min(minGap, gap);
                log.add(String.format("%s(len %d, redraws %d, margin %.4f, router gap %.2e)", p.name(),
                        p.ids().length, attempt, margin, gap));
                break;
            }
        }
        int[] sizes = chunkSizes(docLogits.length, seed);
        ObjectNode plan = root.putObject("chunked_prefill");
        plan.put("case", "doc100");
        ints(plan.putArray("chunk_sizes"), sizes);
        ArrayNode rows = plan.putArray("chunk_last_logits");
        int end = 0;
        for (int size : sizes) {
            end += size;
            floats(rows.addArray(), docLogits[end - 1]);
        }
        plan.put("note", "feed the chunks in order, carrying the linear-attention states and the KV cache; "
                + "the last entry equals that case's last_logits");
        try {
            json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("cases.json").toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Summary(log, minMargin, minGap);
    }

    private static ObjectNode derived(ObjectMapper json, ReferenceConfig cfg) {
        ObjectNode d = json.createObjectNode();
        d.put("rotary_dim", cfg.rotaryDim());
        d.put("rotary_dim_if_factor_ignored", cfg.headDim());
        ArrayNode linear = d.putArray("linear_layers");
        ArrayNode full = d.putArray("full_layers");
        for (int l = 0; l < cfg.layers(); l++) {
            (cfg.full()[l] ? full : linear).add(l);
        }
        d.put("lightning_norm_eps", ReferenceConfig.LIGHTNING_NORM_EPS);
        ObjectNode slopes = d.putObject("slopes");
        for (int l = 0; l < cfg.layers(); l++) {
            if (!cfg.full()[l]) {
                ArrayNode a = slopes.putArray(Integer.toString(l));
                for (double s : cfg.slopes(l)) {
                    a.add(s);
                }
            }
        }
        return d;
    }

    /** Attempt 0: the canonical prompt of the shipped folders; later attempts: seeded redraws of equal length. */
    static Prompt prompt(String name, int attempt, int vocab, long seed) {
        Random rnd = new Random(seed * 31 + name.hashCode() * 1009L + attempt);
        String text = switch (name) {
            case "minimax7" -> "MiniMax";
            case "block16" -> "lightning + MoE.";
            case "doc100" -> DOC100;
            default -> null;
        };
        if (text == null) {
            int length = name.equals("one_token") ? 1 : 33;
            int[] ids = new int[length];
            for (int i = 0; i < length; i++) {
                ids[i] = attempt == 0 && length == 1 ? 256 : rnd.nextInt(vocab);
            }
            return new Prompt(name, null, ids);
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (attempt > 0) {
            char[] chars = new char[bytes.length];
            for (int i = 0; i < chars.length; i++) {
                chars[i] = (char) (' ' + rnd.nextInt(95)); // printable ASCII: one byte each
            }
            text = new String(chars);
            bytes = text.getBytes(StandardCharsets.UTF_8);
        }
        int[] ids = new int[bytes.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = bytes[i] & 0xff;
        }
        return new Prompt(name, text, ids);
    }

    /** Four chunks: a seeded first chunk, a single token, a seeded third, the rest. */
    static int[] chunkSizes(int length, long seed) {
        Random rnd = new Random(seed ^ 0x5DEECE66DL);
        int first = 2 + rnd.nextInt(length / 2 - 2);
        int third = 1 + rnd.nextInt(length - first - 2);
        return new int[] {first, 1, third, length - first - 1 - third};
    }

    private static void ints(ArrayNode a, int[] values) {
        for (int v : values) {
            a.add(v);
        }
    }

    private static void floats(ArrayNode a, double[] values) {
        for (double v : values) {
            a.add((float) v);
        }
    }

    private static double round6(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
