/*
 * The engine benchmark behind `longhaul bench engine`: prefill and decode throughput of a model on
 * one backend, with the machine's ceilings (copy bandwidth, matmul rate) measured in the same run,
 * the weight bytes a decode step streams and the useful flops of a prefill token, so that results
 * are reported as fractions of the bounds. Prompts are seeded random token ids, generated chunk by
 * chunk so that a very long prompt costs no memory of its own.
 */
package dev.longhaul.engine.bench;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.BackendProvider;
import dev.longhaul.engine.backend.Weight;
import dev.longhaul.engine.generate.Sampler;
import dev.longhaul.engine.model.LayerKind;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.ModelConfig;
import dev.longhaul.engine.model.ModelWeights;
import dev.longhaul.engine.model.Segment;
import dev.longhaul.engine.model.SequenceState;
import dev.longhaul.engine.model.Workspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

public final class EngineBench {
    /** What to run. prefillChunk tokens per prefill step and sequence. */
    public record Options(Path model, int promptTokens, int generate, int batch, int threads, String backend,
                          int prefillChunk, long seed) {
        public Options {
            if (promptTokens < 1 || generate < 0 || batch < 1 || threads < 1 || prefillChunk < 1) {
                throw new IllegalArgumentException("prompt-tokens, batch, threads and chunk must be >= 1, generate >= 0");
            }
        }

        public static Options of(Path model, int promptTokens, int generate, int batch, int threads) {
            return new Options(model, promptTokens, generate, batch, threads, "cpu", 512, 42);
        }
    }

    private EngineBench() {
    }

    public static Map<String, Object> run(Options o) {
        return run(o, false);
    }

    /**
     * The same; with `profile`, every backend operation of the timed decode steps is also timed
     * (ProfilingBackend: a clock read per call, so the decode figures are a little lower) and the
     * result carries "decode_profile": milliseconds and calls per operation.
     */
    public static Map<String, Object> run(Options o, boolean profile) {
        Map<String, Object> r = new LinkedHashMap<>();
        Backend opened = BackendProvider.open(o.backend(), o.threads());
        try (Backend backend = profile ? new ProfilingBackend(opened) : opened; // closing the wrapper closes the backend
             MiniMaxModel model = MiniMaxModel.load(o.model(), backend, MiniMaxModel.RopeMode.PARTIAL)) {
            ModelConfig cfg = model.config();
            r.put("model", o.model().getFileName().toString());
            r.put("backend", backend.name());
            r.put("threads", backend.threads());
            r.put("batch", o.batch());
            r.put("prompt_tokens", o.promptTokens());
            r.put("generate", o.generate());
            r.put("prefill_chunk", o.prefillChunk());
            r.put("weights_dtype", dtypeOf(model));
            warmUp(model, o);

            int chunk = Math.min(o.prefillChunk(), o.promptTokens());
            Workspace ws = model.workspace(Math.max(chunk * o.batch(), o.batch()), o.batch());
            List<SequenceState> seqs = new ArrayList<>();
            for (int b = 0; b < o.batch(); b++) {
                seqs.add(model.newSequence());
            }
            SplittableRandom rnd = new SplittableRandom(o.seed());
            int[][] ids = new int[o.batch()][chunk];
            long t0 = System.nanoTime();
            List<float[][]> last = null;
            for (int done = 0; done < o.promptTokens(); done += chunk) {
                int n = Math.min(chunk, o.promptTokens() - done);
                List<Segment> segs = new ArrayList<>();
                for (int b = 0; b < o.batch(); b++) {
                    for (int i = 0; i < n; i++) {
                        ids[b][i] = rnd.nextInt(cfg.vocabSize());
                    }
                    segs.add(new Segment(seqs.get(b), ids[b], 0, n,
                            done + n == o.promptTokens() ? Segment.Logits.LAST : Segment.Logits.NONE));
                }
                last = model.forward(segs, ws);
            }
            long prefillNs = System.nanoTime() - t0;

            int[][] next = new int[o.batch()][1];
            for (int b = 0; b < o.batch(); b++) {
                next[b][0] = Sampler.argmax(last.get(b)[0]);
            }
            if (backend instanceof ProfilingBackend p) {
                p.reset();
            }
            long t1 = System.nanoTime();
            greedyDecode(model, ws, seqs, next, o.generate());
            long decodeNs = System.nanoTime() - t1;
            if (backend instanceof ProfilingBackend p) {
                r.put("decode_profile", p.report());
            }

            double prefillTps = (double) o.batch() * o.promptTokens() / (prefillNs / 1e9);
            double decodeTps = o.generate() == 0 ? 0 : (double) o.batch() * o.generate() / (decodeNs / 1e9);
            r.put("prefill_tokens_per_s", round(prefillTps));
            r.put("decode_tokens_per_s", round(decodeTps));
            r.put("prefill_seconds", round(prefillNs / 1e9));
            r.put("decode_seconds", round(decodeNs / 1e9));
            r.put("prefill_us_per_token", round(prefillNs / 1e3 / ((double) o.batch() * o.promptTokens())));
            r.put("state_bytes_per_sequence", seqs.get(0).bytes());
            r.put("lightning_state_bytes_per_sequence", seqs.get(0).lightningBytes());
            // before the ceilings below, whose copy buffers would dominate the peak
            r.put("peak_rss_bytes", peakRss());

            // ceilings, measured now, in the same process
            double copy = MachineCeilings.copyBandwidth(o.threads(), 1L << 29);
            // the best of a memory-sized and a cache-sized problem, so the ceiling is not flattered
            double matmul = Math.max(MachineCeilings.matmulRate(backend, 256, 2048, 2048),
                    MachineCeilings.matmulRate(backend, 512, 1024, 1024));
            r.put("copy_bandwidth_bytes_per_s", round(copy));
            r.put("matmul_flops_per_s", round(matmul));
            long stepBytes = decodeWeightBytes(model, o.batch());
            r.put("decode_weight_bytes_per_step", stepBytes);
            double bound = copy / stepBytes * o.batch();
            r.put("decode_bandwidth_bound_tokens_per_s", round(bound));
            r.put("decode_fraction_of_bandwidth_bound", round(decodeTps / bound));
            // for context: a decode step only reads its weights, so also against read bandwidth
            double read = MachineCeilings.readBandwidth(o.threads(), 1L << 29);
            r.put("read_bandwidth_bytes_per_s", round(read));
            r.put("decode_fraction_of_read_bound", round(decodeTps / (read / stepBytes * o.batch())));
            double flopsPerToken = prefillFlopsPerToken(cfg, o.promptTokens());
            r.put("prefill_flops_per_token", round(flopsPerToken));
            r.put("prefill_fraction_of_matmul_rate", round(prefillTps * flopsPerToken / matmul));
        }
        return r;
    }

    /**
     * Logits of `model` against those of `reference` (e.g. the same checkpoint in bf16 and f32) over
     * one seeded prompt of `tokens` ids, every position: the median and largest per-position
     * relative L2 error, and the overall one. A large maximum with a small median means rounding
     * flipped a near-tied routing choice at a few positions.
     */
    public static Map<String, Object> compareLogits(Path model, Path reference, int tokens, Backend backend) {
        float[][] got;
        float[][] want;
        int[] ids = new int[tokens];
        try (MiniMaxModel m = MiniMaxModel.load(model, backend, MiniMaxModel.RopeMode.PARTIAL)) {
            SplittableRandom rnd = new SplittableRandom(11);
            for (int i = 0; i < tokens; i++) {
                ids[i] = rnd.nextInt(m.config().vocabSize());
            }
            got = m.forward(List.of(new Segment(m.newSequence(), ids, 0, tokens, Segment.Logits.ALL)), m.workspace(tokens, tokens)).get(0);
        }
        try (MiniMaxModel r = MiniMaxModel.load(reference, backend, MiniMaxModel.RopeMode.PARTIAL)) {
            want = r.forward(List.of(new Segment(r.newSequence(), ids, 0, tokens, Segment.Logits.ALL)), r.workspace(tokens, tokens)).get(0);
        }
        double[] rows = new double[tokens];
        double num = 0;
        double den = 0;
        for (int t = 0; t < tokens; t++) {
            double n = 0;
            double d = 0;
            for (int v = 0; v < got[t].length; v++) {
                double e = (double) got[t][v] - want[t][v];
                n += e * e;
                d += (double) want[t][v] * want[t][v];
            }
            rows[t] = Math.sqrt(n / d);
            num += n;
            den += d;
        }
        double overall = Math.sqrt(num / den);
        java.util.Arrays.sort(rows);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("logits_positions_compared", tokens);
        r.put("logits_rel_l2_overall_vs_reference", overall);
        r.put("logits_rel_l2_median_position_vs_reference", rows[tokens / 2]);
        r.put("logits_rel_l2_max_position_vs_reference", rows[tokens - 1]);
        return r;
    }

    /**
     * `steps` greedy decode steps of all `seqs` together: each continues from its token in
     * `next[s]` (one id), which is replaced by the token it chose, so the caller can continue.
     */
    static void greedyDecode(MiniMaxModel model, Workspace ws, List<SequenceState> seqs, int[][] next, int steps) {
        for (int step = 0; step < steps; step++) {
            List<Segment> segs = new ArrayList<>(seqs.size());
            for (int s = 0; s < seqs.size(); s++) {
                segs.add(Segment.of(seqs.get(s), next[s]));
            }
            List<float[][]> out = model.forward(segs, ws);
            for (int s = 0; s < seqs.size(); s++) {
                next[s] = new int[] {Sampler.argmax(out.get(s)[0])};
            }
        }
    }

    /** Runs the timed shapes once on a throwaway sequence, so that the JIT has compiled them. */
    private static void warmUp(MiniMaxModel model, Options o) {
        int chunk = Math.min(o.prefillChunk(), o.promptTokens());
        Workspace ws = model.workspace(Math.max(chunk * o.batch(), o.batch()), o.batch());
        SplittableRandom rnd = new SplittableRandom(o.seed() + 1);
        List<SequenceState> seqs = new ArrayList<>();
        for (int b = 0; b < o.batch(); b++) {
            seqs.add(model.newSequence());
        }
        int[] ids = new int[chunk];
        for (int rep = 0; rep < 3; rep++) {
            List<Segment> segs = new ArrayList<>();
            for (SequenceState s : seqs) {
                int[] mine = ids.clone();
                for (int i = 0; i < chunk; i++) {
                    mine[i] = rnd.nextInt(model.config().vocabSize());
                }
                segs.add(Segment.of(s, mine));
            }
            model.forward(segs, ws);
        }
        int[] one = {1};
        // decode reaches its compiled speed after a few hundred steps here; a batch-1 step is a
        // sixteenth of a batch-16 one, so it gets more of them
        int warmSteps = seqs.size() == 1 ? 400 : 160;
        for (int i = 0; i < warmSteps; i++) {
            List<Segment> segs = new ArrayList<>();
            for (SequenceState s : seqs) {
                segs.add(Segment.of(s, one));
            }
            model.forward(segs, ws);
        }
    }

    /**
     * Weight bytes one decode step streams at batch size `batch`: every attention, norm and router
     * weight, the lm_head, one embedding row per sequence, and the experts the batch can reach
     * (k per sequence, at most E per layer: the expected count under uniform routing).
     */
    public static long decodeWeightBytes(MiniMaxModel model, int batch) {
        ModelConfig cfg = model.config();
        ModelWeights w = model.weights();
        long bytes = w.lmHead().bytes() + w.finalNorm().bytes() + batch * w.embedding().bytes() / cfg.vocabSize();
        double touched = expectedExperts(cfg.numExperts(), cfg.expertsPerToken(), batch);
        for (ModelWeights.Layer layer : w.layers()) {
            bytes += layer.inputNorm().bytes() + layer.postNorm().bytes() + layer.router().bytes();
            bytes += switch (layer.attention()) {
                case ModelWeights.Lightning l -> l.qkv().bytes() + l.outputGate().bytes() + l.outProj().bytes() + l.norm().bytes();
                case ModelWeights.Softmax s -> s.q().bytes() + s.k().bytes() + s.v().bytes() + s.o().bytes();
            };
            long expert = layer.gateProj().get(0).bytes() + layer.upProj().get(0).bytes() + layer.downProj().get(0).bytes();
            bytes += Math.round(touched * expert);
        }
        return bytes;
    }

    /** Expected number of distinct experts hit by `batch` tokens each choosing k of E uniformly. */
    static double expectedExperts(int e, int k, int batch) {
        if (batch == 1) {
            return k;
        }
        double missOne = 1.0 - (double) k / e;
        return e * (1.0 - Math.pow(missOne, batch));
    }

    /**
     * Useful flops of one prefill token at context length `context` (average over the prompt):
     * 2 per multiply-add of every projection and the k chosen experts; lightning attention per
     * head and token ≈ 4·D² (state read and update) + 2·B·D (intra-block scores and values, half
     * of a B-token block on average); softmax attention 4·D per key per head over the average
     * context; the lm_head once per chunk is left out (prefill returns the last row only).
     */
    public static double prefillFlopsPerToken(ModelConfig cfg, int context) {
        double h = cfg.hiddenSize();
        double n = cfg.attentionWidth();
        double d = cfg.headDim();
        double flops = 0;
        for (int l = 0; l < cfg.numLayers(); l++) {
            if (cfg.kind(l) == LayerKind.LINEAR) {
                flops += 2 * h * (3 * n + n) + 2 * n * h;
                flops += cfg.numHeads() * (4 * d * d + 2 * cfg.blockSize() * d);
            } else {
                flops += 2 * h * (n + 2.0 * cfg.kvWidth()) + 2 * n * h;
                flops += cfg.numHeads() * 4 * d * (context / 2.0);
            }
            flops += 2 * h * cfg.numExperts() + cfg.expertsPerToken() * 2 * 3 * h * cfg.intermediateSize();
        }
        return flops;
    }

    private static String dtypeOf(MiniMaxModel model) {
        Weight w = model.weights().layers().get(0).gateProj().get(0);
        return w.bytes() == (long) w.rows() * w.cols() * 2 ? "bf16" : "f32";
    }


    private static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }

    /** Peak resident set size of this process (VmHWM), or -1 where /proc is absent. */
    public static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
