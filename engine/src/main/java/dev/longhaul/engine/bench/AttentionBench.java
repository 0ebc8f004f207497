/*
 * One attention layer's prefill of a long document, lightning against softmax, on any backend and
 * with a model's shapes: `tokens` tokens fed in chunks of `chunk` as a worker streams a document,
 * the lightning layer through its block form and state, the softmax layer through RoPE, its KV cache
 * and causal attention over everything before. Inputs are seeded random rows (their values do not
 * change the work). The lightning time per token should stay flat as the document grows; the
 * softmax time per token grows with the cache, so it is timed only up to SOFTMAX_MAX_TOKENS
 * (beyond, its fields are absent). Each run ends with a download, so that a device backend's queued
 * work is inside the timing.
 */
package dev.longhaul.engine.bench;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.Backend.AttentionShape;
import dev.longhaul.engine.backend.DecayTable;
import dev.longhaul.engine.backend.KvCache;
import dev.longhaul.engine.backend.SegmentTask;
import dev.longhaul.engine.backend.Tensor;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.ModelConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

public final class AttentionBench {
    /** Longest document the quadratic softmax layer is timed on. */
    public static final int SOFTMAX_MAX_TOKENS = 32768;

    /** Chunks run untimed before each timed loop. */
    private static final int WARM_CHUNKS = 4;

    private AttentionBench() {
    }

    public static Map<String, Object> run(Backend backend, ModelConfig cfg, int tokens, int chunk) {
        int n = cfg.numHeads() * cfg.headDim();
        int kv = cfg.numKvHeads() * cfg.headDim();
        int rows = Math.min(chunk, tokens);
        Tensor qkv = random(backend, rows, 3 * n, 1);
        Tensor q = random(backend, rows, n, 2);
        Tensor k = random(backend, rows, kv, 3);
        Tensor v = random(backend, rows, kv, 4);
        Tensor out = backend.allocate(rows, n);
        float[] sink = new float[n];

        DecayTable decay = new DecayTable(MiniMaxModel.slopes(cfg, 0), cfg.blockSize());
        // a few chunks untimed first, on a state of their own: a device's first launches and a JVM's
        // compilation would otherwise land in the first length timed, flattering a later/first ratio
        Tensor warmState = backend.allocate(n, cfg.headDim());
        for (int pos = 0; pos < WARM_CHUNKS * rows; pos += rows) {
            backend.lightning(qkv, decay, cfg.headDim(), List.of(SegmentTask.lightning(0, rows, pos, warmState)), out);
        }
        backend.download(out, 0, sink);
        Tensor state = backend.allocate(n, cfg.headDim());
        long t0 = System.nanoTime();
        for (int pos = 0; pos < tokens; pos += rows) {
            int len = Math.min(rows, tokens - pos);
            backend.lightning(qkv, decay, cfg.headDim(), List.of(SegmentTask.lightning(0, len, pos, state)), out);
        }
        backend.download(out, 0, sink);
        double lightning = (System.nanoTime() - t0) / 1e9;

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("attention_tokens", tokens);
        r.put("lightning_layer_prefill_us_per_token", lightning * 1e6 / tokens);
        if (tokens > SOFTMAX_MAX_TOKENS) {
            return r;
        }
        AttentionShape shape = new AttentionShape(cfg.numHeads(), cfg.numKvHeads(), cfg.headDim(), cfg.rotaryDim(),
                cfg.ropeTheta());
        KvCache warmCache = backend.newKvCache(cfg.numKvHeads(), cfg.headDim());
        for (int pos = 0; pos < WARM_CHUNKS * rows; pos += rows) {
            backend.softmaxAttention(q, k, v, shape, List.of(SegmentTask.attention(0, rows, pos, warmCache)), out);
        }
        backend.download(out, 0, sink);
        KvCache cache = backend.newKvCache(cfg.numKvHeads(), cfg.headDim());
        long t1 = System.nanoTime();
        for (int pos = 0; pos < tokens; pos += rows) {
            int len = Math.min(rows, tokens - pos);
            backend.softmaxAttention(q, k, v, shape, List.of(SegmentTask.attention(0, len, pos, cache)), out);
        }
        backend.download(out, 0, sink);
        double softmax = (System.nanoTime() - t1) / 1e9;

        r.put("softmax_layer_prefill_us_per_token", softmax * 1e6 / tokens);
        r.put("softmax_over_lightning_prefill", softmax / lightning);
        return r;
    }

    private static Tensor random(Backend backend, int rows, int cols, long seed) {
        Tensor t = backend.allocate(rows, cols);
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                row[c] = (float) (rnd.nextGaussian() * 0.1);
            }
            backend.upload(row, t, r);
        }
        return t;
    }
}
