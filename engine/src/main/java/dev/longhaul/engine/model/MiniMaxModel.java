/*
 * The MiniMax-01 forward pass (MINIMAX.md §4–§7) over a batch of segments from different
 * sequences. Projections and experts run over all rows of the step at once; attention runs per
 * sequence against its own state. Every row's arithmetic is independent of the other rows, so a
 * sequence computes the same numbers alone or in a batch (given the same segment boundaries).
 *
 * Dimensions: T rows in the step, H hidden, N = n·D attention width, E experts, k per token,
 * I expert width, V vocabulary, R logit rows.
 */
package dev.longhaul.engine.model;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.Backend.AttentionShape;
import dev.longhaul.engine.backend.Backend.Product;
import dev.longhaul.engine.backend.DecayTable;
import dev.longhaul.engine.backend.SegmentTask;
import dev.longhaul.engine.checkpoint.Checkpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public final class MiniMaxModel implements AutoCloseable {
    private final ModelConfig cfg;
    private final ModelWeights w;
    private final Backend backend;
    private final Checkpoint checkpoint; // keeps the mapped weights alive; null when not owned
    private final DecayTable[] decay;    // [layer], null for softmax layers
    private final AttentionShape attentionShape;

    public MiniMaxModel(ModelConfig cfg, ModelWeights weights, Backend backend, Checkpoint owned) {
        this.cfg = cfg;
        this.w = weights;
        this.backend = backend;
        this.checkpoint = owned;
        this.decay = new DecayTable[cfg.numLayers()];
        for (int l = 0; l < cfg.numLayers(); l++) {
            if (cfg.kind(l) == LayerKind.LINEAR) {
                decay[l] = new DecayTable(slopes(cfg, l), cfg.blockSize());
            }
        }
        this.attentionShape = new AttentionShape(cfg.numHeads(), cfg.numKvHeads(), cfg.headDim(), cfg.rotaryDim(),
                cfg.ropeTheta());
    }

    /** Loads config.json and the safetensors of `dir` into `backend`; `rope` picks partial or whole-head RoPE. */
    public static MiniMaxModel load(Path dir, Backend backend, RopeMode rope) {
        ModelConfig cfg = ModelConfig.load(dir);
        if (rope == RopeMode.HF_FULL_HEAD) {
            cfg = cfg.withHfRopeParity();
        }
        Checkpoint ckpt = Checkpoint.open(dir);
        try {
            return new MiniMaxModel(cfg, ModelWeights.load(ckpt, cfg, backend), backend, ckpt);
        } catch (RuntimeException e) {
            ckpt.close();
            throw e;
        }
    }

    /** How RoPE treats partial_rotary_factor (MINIMAX.md §6.2). */
    public enum RopeMode {
        /** Rotate r = D·factor dims, as the model was trained (default). */
        PARTIAL,
        /** Rotate all D dims, as Hugging Face's native class does. */
        HF_FULL_HEAD
    }

    /** s[l][i] = 2^(−8(i+1)/n) · (1 − l/(L − 1 + 1e-5) + 1e-5), Hugging Face's rule (§5.2). */
    public static double[] slopes(ModelConfig cfg, int layer) {
        int n = cfg.numHeads();
        double layerFactor = 1 - layer / (cfg.numLayers() - 1 + 1e-5) + 1e-5;
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = Math.pow(2, -8.0 * (i + 1) / n) * layerFactor;
        }
        return s;
    }

    public ModelConfig config() {
        return cfg;
    }

    public Backend backend() {
        return backend;
    }

    public ModelWeights weights() {
        return w;
    }

    public SequenceState newSequence() {
        return SequenceState.create(this, cfg, backend);
    }

    public Workspace workspace(int maxTokens, int maxLogitRows) {
        return new Workspace(cfg, backend, maxTokens, maxLogitRows);
    }

    /**
     * Runs the segments through the model and advances their states. Returns, per segment, the
     * logits rows it asked for: none, the last, or all.
     */
    public List<float[][]> forward(List<Segment> segments, Workspace ws) {
        int total = 0;
        int logitRows = 0;
        for (Segment s : segments) {
            total += s.count();
            logitRows += s.logitRows();
        }
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("a forward step needs at least one segment");
        }
        if (total > ws.maxTokens || logitRows > ws.maxLogitRows) {
            throw new IllegalArgumentException("step of " + total + " tokens and " + logitRows
                    + " logit rows exceeds the workspace (" + ws.maxTokens + ", " + ws.maxLogitRows + ")");
        }
        java.util.Set<SequenceState> states = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Segment s : segments) {
            s.state().checkUsable();
            s.state().checkBelongsTo(this); // another model's layers would fail partway, breaking every state in the step
            if (!states.add(s.state())) {
                // two tasks on one state would run in parallel on the same lightning state
                throw new IllegalArgumentException("one sequence state appears in two segments of one step");
            }
            if ((long) s.state().position() + s.count() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("a sequence cannot go past position " + Integer.MAX_VALUE);
            }
        }
        int t = 0;
        for (Segment s : segments) {
            for (int i = 0; i < s.count(); i++) {
                int id = s.tokens()[s.from() + i];
                if (id < 0 || id >= cfg.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " at index " + (s.from() + i)
                            + " is outside the vocabulary [0, " + cfg.vocabSize() + ")");
                }
                ws.ids[t++] = id;
            }
        }
        // x = embed_tokens[ids]
        backend.embed(w.embedding(), ws.ids, total, ws.x);
        for (int l = 0; l < cfg.numLayers(); l++) {
            try {
                decoderLayer(l, segments, total, ws);
            } catch (RuntimeException | Error e) {
                // the layers before this one, and this one partly, have advanced the states
                for (Segment s : segments) {
                    s.state().breakWith("a step failed in layer " + l + ": " + e);
                }
                throw e;
            }
        }
        for (Segment s : segments) {
            s.state().advance(s.count());
        }
        return logits(segments, ws, logitRows);
    }

    private void decoderLayer(int l, List<Segment> segments, int rows, Workspace ws) {
        ModelWeights.Layer layer = w.layers().get(l);
        float eps = (float) cfg.rmsNormEps();
        // h = RMSNorm(x; input_layernorm), for the first layer; the layer before computed it for the others
        if (l == 0) {
            backend.rmsNorm(ws.x, rows, layer.inputNorm(), eps, ws.h);
        }
        float alpha;
        float beta;
        switch (layer.attention()) {
            case ModelWeights.Lightning lw -> {
                lightning(l, lw, segments, rows, ws);
                alpha = (float) cfg.linearAlpha();
                beta = (float) cfg.linearBeta();
            }
            case ModelWeights.Softmax sw -> {
                softmaxAttention(l, sw, segments, rows, ws);
                alpha = (float) cfg.fullAlpha();
                beta = (float) cfg.fullBeta();
            }
        }
        // u = α_attn·h + β_attn·a; g = RMSNorm(u; post_attention_layernorm)
        backend.residualNorm(alpha, ws.h, beta, ws.a, rows, ws.a, layer.postNorm(), eps, ws.h);
        moe(layer, rows, ws);
        // x = α_mlp·g + β_mlp·MoE(g), and the next layer's h = RMSNorm(x; its input_layernorm)
        if (l + 1 < cfg.numLayers()) {
            backend.residualNorm((float) cfg.mlpAlpha(), ws.h, (float) cfg.mlpBeta(), ws.moe, rows, ws.x,
                    w.layers().get(l + 1).inputNorm(), eps, ws.h);
        } else {
            backend.residual((float) cfg.mlpAlpha(), ws.h, (float) cfg.mlpBeta(), ws.moe, rows, ws.x);
        }
    }

    private void lightning(int l, ModelWeights.Lightning lw, List<Segment> segments, int rows, Workspace ws) {
        // P = h · qkv_projᵀ (per-head interleaved q, k, v) and G = h · output_gateᵀ, together
        backend.matmuls(List.of(new Product(ws.h, rows, lw.qkv(), ws.qkv), new Product(ws.h, rows, lw.outputGate(), ws.gate)));
        // P = silu(P)
        backend.silu(ws.qkv, rows);
        List<SegmentTask> tasks = new ArrayList<>(segments.size());
        int row0 = 0;
        for (Segment s : segments) {
            tasks.add(SegmentTask.lightning(row0, s.count(), s.state().position(), s.state().lightning(l)));
            row0 += s.count();
        }
        // O = lightning attention per head, state carried in each sequence
        backend.lightning(ws.qkv, decay[l], cfg.headDim(), tasks, ws.o);
        // Y = RMSNorm(O; norm, ε = 1e-6) over all heads together
        backend.rmsNorm(ws.o, rows, lw.norm(), (float) ModelConfig.LIGHTNING_NORM_EPS, ws.o);
        // Z = sigmoid(G) ⊙ Y
        backend.sigmoidGate(ws.gate, ws.o, rows);
        // a = Z · out_projᵀ
        backend.matmul(ws.gate, rows, lw.outProj(), ws.a);
    }

    private void softmaxAttention(int l, ModelWeights.Softmax sw, List<Segment> segments, int rows, Workspace ws) {
        // Q, K, V projections
        backend.matmuls(List.of(new Product(ws.h, rows, sw.q(), ws.q), new Product(ws.h, rows, sw.k(), ws.k),
                new Product(ws.h, rows, sw.v(), ws.v)));
        List<SegmentTask> tasks = new ArrayList<>(segments.size());
        int row0 = 0;
        for (Segment s : segments) {
            tasks.add(SegmentTask.attention(row0, s.count(), s.state().position(), s.state().kvCache(l)));
            row0 += s.count();
        }
        // RoPE, append to the cache, causal softmax attention with GQA
        backend.softmaxAttention(ws.q, ws.k, ws.v, attentionShape, tasks, ws.o);
        // a = O · o_projᵀ
        backend.matmul(ws.o, rows, sw.o(), ws.a);
    }

    private void moe(ModelWeights.Layer layer, int rows, Workspace ws) {
        int k = cfg.expertsPerToken();
        // p = softmax(g · routerᵀ); S = top-k; w = renormalised p over S
        backend.matmul(ws.h, rows, layer.router(), ws.router);
        // a backend may keep a decode step's routing on its device (the same bits as below)
        if (backend.routedExperts(ws.h, rows, ws.router, k, layer.experts(), ws.expertScratch, ws.moe)) {
            return;
        }
        backend.route(ws.router, rows, k, ws.experts, ws.routeWeights);
        backend.zero(ws.moe, rows);
        int most = routeRows(rows, k, ws);
        if (most <= ws.smallExpertRows) {
            smallExperts(layer, rows, ws);
            return;
        }
        for (int e = 0; e < cfg.numExperts(); e++) {
            int n = ws.routedCount[e];
            if (n == 0) {
                continue;
            }
            int[] at = ws.routedRows[e];
            // y_e = w2_e( silu(w1_e·g) ⊙ (w3_e·g) ) for the rows routed to e
            backend.gatherRows(ws.h, at, n, ws.expertIn);
            backend.matmul(ws.expertIn, n, layer.gateProj().get(e), ws.ffnGate);
            backend.matmul(ws.expertIn, n, layer.upProj().get(e), ws.ffnUp);
            backend.swiglu(ws.ffnGate, ws.ffnUp, n);
            backend.matmul(ws.ffnGate, n, layer.downProj().get(e), ws.ffnOut);
            // MoE(g) += w_e · y_e   (the router weight multiplies the expert's output here)
            backend.scatterAddRows(ws.ffnOut, at, ws.routedScale[e], n, ws.moe);
        }
    }

    /**
     * The rows routed to each expert, in row order, into ws.routedRows, ws.routedScale and
     * ws.routedCount, in one pass over the routing; returns the most rows any expert got.
     */
    private static int routeRows(int rows, int k, Workspace ws) {
        int[] count = ws.routedCount;
        Arrays.fill(count, 0);
        for (int t = 0; t < rows; t++) {
            for (int s = 0; s < k; s++) {
                int e = ws.experts[t * k + s];
                int n = count[e]++;
                ws.routedRows[e][n] = t;
                ws.routedScale[e][n] = ws.routeWeights[t * k + s];
            }
        }
        int most = 0;
        for (int n : count) {
            most = Math.max(most, n);
        }
        return most;
    }

    /**
     * The experts of a step in which each gets few rows (decode): each expert's rows in buffers of
     * its own, so that all gate and up projections run as one group of products and all down
     * projections as another (two parallel regions instead of three per expert). The same
     * arithmetic per row, and the outputs added in expert order, as the general path.
     */
    private void smallExperts(ModelWeights.Layer layer, int rows, Workspace ws) {
        int experts = cfg.numExperts();
        List<Product> gateUp = new ArrayList<>();
        for (int e = 0; e < experts; e++) {
            int n = ws.routedCount[e];
            if (n > 0) {
                backend.gatherRows(ws.h, ws.routedRows[e], n, ws.smallIn[e]);
                gateUp.add(new Product(ws.smallIn[e], n, layer.gateProj().get(e), ws.smallGate[e]));
                gateUp.add(new Product(ws.smallIn[e], n, layer.upProj().get(e), ws.smallUp[e]));
            }
        }
        backend.matmuls(gateUp);
        List<Product> down = new ArrayList<>();
        for (int e = 0; e < experts; e++) {
            int n = ws.routedCount[e];
            if (n > 0) {
                backend.swiglu(ws.smallGate[e], ws.smallUp[e], n);
                down.add(new Product(ws.smallGate[e], n, layer.downProj().get(e), ws.smallOut[e]));
            }
        }
        backend.matmuls(down);
        for (int e = 0; e < experts; e++) {
            int n = ws.routedCount[e];
            if (n > 0) {
                backend.scatterAddRows(ws.smallOut[e], ws.routedRows[e], ws.routedScale[e], n, ws.moe);
            }
        }
    }

    private List<float[][]> logits(List<Segment> segments, Workspace ws, int logitRows) {
        int r = 0;
        int row0 = 0;
        for (Segment s : segments) {
            int first = s.count() - s.logitRows();
            for (int i = first; i < s.count(); i++) {
                ws.logitRowIndex[r++] = row0 + i;
            }
            row0 += s.count();
        }
        // y = RMSNorm(x; model.norm); logits = y · lm_headᵀ, only for the rows asked for
        if (logitRows > 0) {
            backend.gatherRows(ws.x, ws.logitRowIndex, logitRows, ws.last);
            backend.rmsNorm(ws.last, logitRows, w.finalNorm(), (float) cfg.rmsNormEps(), ws.last);
            backend.matmul(ws.last, logitRows, w.lmHead(), ws.logits);
        }
        List<float[][]> out = new ArrayList<>(segments.size());
        r = 0;
        for (Segment s : segments) {
            float[][] rowsOut = new float[s.logitRows()][cfg.vocabSize()];
            for (float[] row : rowsOut) {
                backend.download(ws.logits, r++, row);
            }
            out.add(rowsOut);
        }
        // a step with no logit rows downloads nothing: work a backend still holds goes to its device
        // now, not with the next step (and a failure is reported by this step, not that one)
        backend.endStep();
        return out;
    }

    @Override
    public void close() {
        if (checkpoint != null) {
            checkpoint.close();
        }
    }
}
