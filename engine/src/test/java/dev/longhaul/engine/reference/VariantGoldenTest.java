/*
 * Proves the engine is not tuned to the two shipped golden folders: for configurations drawn the
 * same way but shaped differently (odd widths, head counts that are not powers of two, GQA extremes,
 * k = 1 / k = E / E = 1, all-linear / all-full / HF-default layer lists, block sizes 1 … > prompt,
 * partial RoPE via factor or legacy rotary_dim, tied embeddings, BF16 / F16 weights, fused MoE,
 * shards, legacy config names, a lightning output small enough for its fixed ε to matter), a random
 * checkpoint and a cases.json computed by the float64 ReferenceModel must pass every GoldenSuite check
 * on the scalar and the Vector API backends. The reference itself is validated against the shipped
 * folders (relative L2 ≤ 1e-6, exact greedy tokens).
 */
package dev.longhaul.engine.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.checkpoint.DType;
import dev.longhaul.engine.cpu.ScalarBackend;
import dev.longhaul.engine.cpu.VectorBackend;
import dev.longhaul.engine.golden.GoldenSuite;
import dev.longhaul.engine.reference.RandomCheckpoint.Spec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class VariantGoldenTest {
    static Stream<Spec> variants() {
        return Stream.of(
                // 5 heads × 24 dims (N = 120 ≠ H = 40), one KV head for all, r = 6 of 24, block 3.
                Spec.builder("odd-heads5-d24-kv1-r6-block3", 101).vocab(300).hidden(40).intermediate(56)
                        .heads(5, 1, 24).kinds("LFLL").rope(1e4, 0.25, null).blockSize(3).experts(4, 2).build(),
                // 3 heads × 8 dims, MHA (kv = n), k = E = 5, tied, BF16, fused MoE, 2 shards, block 7.
                Spec.builder("mha3-d8-r6-bf16-fused-tied-topk=E", 202).vocab(517).hidden(72).intermediate(40)
                        .heads(3, 3, 8).kinds("FLF").rope(1e6, 0.75, null).rmsEps(1e-6).tied(true).blockSize(7)
                        .experts(5, 5).dtype(DType.BF16).fused(true).shards(2).build(),
                // All lightning, block 1, E = 1, F16, 3 shards, legacy names (attn_type_list, layernorm_*).
                Spec.builder("all-linear-block1-E1-f16-legacy", 303).vocab(389).hidden(48).intermediate(32)
                        .heads(4, 2, 12).kinds("LLL").rope(1e7, null, null).blockSize(1).experts(1, 1)
                        .dtype(DType.F16).shards(3).legacyNames(true).factors(1.6, 1.0, 1.2, 0.7, 0.9, 1.3).build(),
                // All softmax, legacy rotary_dim 10 of 20, 6 heads in groups of 3, top-1, block > prompts.
                Spec.builder("all-full-legacy-rotary_dim-top1-block128", 404).vocab(300).hidden(56).intermediate(64)
                        .heads(6, 2, 20).kinds("FF").rope(1e7, null, 10).legacyNames(true).blockSize(128)
                        .experts(3, 1).fused(true).shards(2).build(),
                // One lightning layer (slope factor 1 + 1e-5), head_dim 32 > hidden 24, tied, F16, eps 1e-3.
                Spec.builder("single-layer-d32>hidden24-tied-f16", 505).vocab(261).hidden(24).intermediate(20)
                        .heads(2, 1, 32).kinds("L").rmsEps(1e-3).tied(true).blockSize(5).experts(2, 1)
                        .dtype(DType.F16).build(),
                // No layer_types: HF default pattern (full at even indices) over 6 layers, 8 experts top-3, BF16.
                Spec.builder("default-layer-pattern-6-E8k3-bf16", 606).vocab(300).hidden(32).intermediate(48)
                        .heads(2, 2, 16).defaultKinds(6).rope(5e5, null, null).rmsEps(1e-3).blockSize(5)
                        .experts(8, 3).dtype(DType.BF16).build(),
                // 7 heads (not a power of two), r = int(10·0.2) = 2, lightning output ~1e-6 (fixed ε matters).
                Spec.builder("heads7-d10-r2-small-lightning", 707).vocab(400).hidden(36).intermediate(28)
                        .heads(7, 7, 10).kinds("LLFL").rope(1e4, 0.2, null).blockSize(16).experts(6, 3)
                        .fused(true).qkvScale(0.05).build(),
                // Legacy top-level partial_rotary_factor, hidden 20, tied BF16 in 3 shards, k = E = 2, block 2.
                Spec.builder("legacy-factor-hidden20-bf16-shards3", 808).vocab(333).hidden(20).intermediate(100)
                        .heads(3, 1, 12).kinds("FLLF").rope(2e4, 0.5, null).legacyNames(true).tied(true)
                        .blockSize(2).experts(2, 2).dtype(DType.BF16).shards(3)
                        .factors(0.6, 2.2, 1.9, 0.5, 1.2, 0.4).build());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void variantGoldenPassesOnEveryBackend(Spec spec, @TempDir Path dir) {
        long start = System.nanoTime();
        RandomCheckpoint.write(spec, dir);
        GoldenWriter.Summary summary = GoldenWriter.write(dir, spec.name(), spec.seed());
        System.out.printf("== %s: reference %.2f s, %s%n", spec.name(), (System.nanoTime() - start) / 1e9,
                summary.cases());
        List<String> failures = new ArrayList<>();
        List<Supplier<Backend>> backends = List.of(ScalarBackend::new, () -> new VectorBackend(2));
        for (Supplier<Backend> make : backends) {
            try (Backend backend = make.get()) {
                List<GoldenSuite.Check> checks = GoldenSuite.open(dir).run(backend);
                System.out.println("-- " + backend.name());
                checks.forEach(System.out::println);
                // derived ×2, 5 cases × (last + greedy), 2 all_logits, 4 chunks, HF blocks × 2 when partial.
                assertTrue(checks.size() >= 18, "too few checks ran: " + checks.size());
                checks.stream().filter(c -> !c.passed()).forEach(c -> failures.add(backend.name() + " " + c));
            }
        }
        System.out.printf("== %s: total %.2f s%n", spec.name(), (System.nanoTime() - start) / 1e9);
        assertTrue(failures.isEmpty(), spec.name() + " failed: " + failures);
    }

    /** The reference reproduces both shipped folders: this validates ReferenceModel itself. */
    @ParameterizedTest
    @ValueSource(strings = {"minimax-tiny", "minimax-tiny-b"})
    void referenceReproducesShippedGolden(String folder) throws IOException {
        Path dir = SharedData.golden(folder);
        JsonNode root = new ObjectMapper().readTree(dir.resolve("cases.json").toFile());
        ReferenceModel model = ReferenceModel.load(dir, false);
        ReferenceModel hf = ReferenceModel.load(dir, true);
        ReferenceConfig cfg = model.config();
        JsonNode derived = root.get("derived");
        assertEquals(derived.get("rotary_dim").asInt(), cfg.rotaryDim());
        for (var e : derived.get("slopes").properties()) {
            double[] s = cfg.slopes(Integer.parseInt(e.getKey()));
            for (int i = 0; i < s.length; i++) {
                double want = e.getValue().get(i).asDouble();
                assertEquals(want, s[i], 1e-12 * want, folder + " slope " + e.getKey() + "/" + i);
            }
        }
        double worst = 0;
        for (JsonNode c : root.get("cases")) {
            String name = folder + "/" + c.get("name").asText();
            int[] ids = ints(c.get("input_ids"));
            if (c.hasNonNull("text")) {
                assertEquals(Arrays.toString(bytes(c.get("text").asText())), Arrays.toString(ids), name + " text");
            }
            double[][] logits = model.logits(ids);
            worst = Math.max(worst, check(name + "/last_logits", logits[ids.length - 1], c.get("last_logits")));
            if (c.has("all_logits")) {
                for (int t = 0; t < ids.length; t++) {
                    worst = Math.max(worst, check(name + "/all_logits[" + t + "]", logits[t], c.get("all_logits").get(t)));
                }
            }
            assertEquals(Arrays.toString(ints(c.get("greedy_tokens"))),
                    Arrays.toString(model.greedy(ids, GoldenWriter.NEW_TOKENS).tokens()), name + " greedy");
            JsonNode h = c.get("if_rotary_factor_ignored");
            if (h != null) {
                worst = Math.max(worst, check(name + "/hf/last_logits", hf.lastLogits(ids), h.get("last_logits")));
                assertEquals(Arrays.toString(ints(h.get("greedy_tokens"))),
                        Arrays.toString(hf.greedy(ids, GoldenWriter.NEW_TOKENS).tokens()), name + " hf greedy");
            }
            if (c.get("name").asText().equals(root.path("chunked_prefill").path("case").asText())) {
                int end = 0;
                JsonNode plan = root.get("chunked_prefill");
                for (int i = 0; i < plan.get("chunk_sizes").size(); i++) {
                    end += plan.get("chunk_sizes").get(i).asInt();
                    worst = Math.max(worst, check(name + "/chunk" + i, logits[end - 1], plan.get("chunk_last_logits").get(i)));
                }
            }
        }
        System.out.printf("reference vs shipped %s: worst relative L2 %.3e%n", folder, worst);
    }

    @Test
    void promptsAndChunkPlansAreWellFormed() {
        assertEquals(100, GoldenWriter.DOC100.getBytes(StandardCharsets.UTF_8).length);
        for (long seed = 0; seed < 200; seed++) {
            int[] sizes = GoldenWriter.chunkSizes(100, seed);
            assertEquals(100, Arrays.stream(sizes).sum());
            assertTrue(Arrays.stream(sizes).allMatch(s -> s >= 1), Arrays.toString(sizes));
        }
        assertEquals(33, GoldenWriter.prompt("span33", 3, 300, 9).ids().length);
        assertEquals(100, GoldenWriter.prompt("doc100", 5, 300, 9).ids().length);
    }

    private static double check(String what, double[] got, JsonNode want) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < got.length; i++) {
            double d = got[i] - want.get(i).asDouble();
            num += d * d;
            den += want.get(i).asDouble() * want.get(i).asDouble();
        }
        double err = Math.sqrt(num / den);
        assertEquals(want.size(), got.length, what + " length");
        assertTrue(err <= 1e-6, what + ": reference differs from the shipped golden, relative L2 " + err);
        return err;
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }

    private static int[] bytes(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int[] r = new int[b.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = b[i] & 0xff;
        }
        return r;
    }
}
