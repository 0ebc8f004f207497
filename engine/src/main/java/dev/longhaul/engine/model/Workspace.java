/*
 * Activation buffers for forward steps of up to `maxTokens` rows and `maxLogitRows` logit rows,
 * allocated once in the backend and reused by every step (nothing is allocated in the hot loop).
 * A workspace serves one step at a time.
 */
package dev.longhaul.engine.model;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.Tensor;

public final class Workspace {
    /** Decode-sized expert groups: up to this many rows per expert take the grouped path. */
    static final int SMALL_EXPERT_ROWS = 16;

    final int maxTokens;
    final int maxLogitRows;
    final Tensor x;        // [T][H] residual stream
    final Tensor h;        // [T][H] normalised input of a sub-block (h, then g)
    final Tensor a;        // [T][H] attention output, then u
    final Tensor qkv;      // [T][3N] lightning projections
    final Tensor o;        // [T][N] attention heads concatenated
    final Tensor gate;     // [T][N] output gate
    final Tensor q;        // [T][N] softmax queries
    final Tensor k;        // [T][n_kv·D]
    final Tensor v;        // [T][n_kv·D]
    final Tensor router;   // [T][E]
    final Tensor expertIn; // [T][H] rows routed to one expert (general path)
    final Tensor ffnGate;  // [T][I]
    final Tensor ffnUp;    // [T][I]
    final Tensor ffnOut;   // [T][H]
    final Tensor moe;      // [T][H]
    final Backend.ExpertScratch expertScratch; // ffnGate, ffnUp, ffnOut for Backend.routedExperts
    final Tensor last;     // [R][H] rows whose logits are wanted
    final Tensor logits;   // [R][V]
    final int[] experts;   // [T·k]
    final float[] routeWeights; // [T·k]
    final int[] logitRowIndex;  // [R] rows whose logits are wanted
    final int[][] routedRows;   // [E][T] rows routed to each expert, in row order
    final float[][] routedScale; // [E][T] their router weights
    final int[] routedCount;    // [E]
    /** Most rows an expert may get for the grouped small-step path (MiniMaxModel.smallExperts). */
    final int smallExpertRows;
    final Tensor[] smallIn;     // [E][S][H] one expert's rows, S = smallExpertRows
    final Tensor[] smallGate;   // [E][S][I]
    final Tensor[] smallUp;     // [E][S][I]
    final Tensor[] smallOut;    // [E][S][H]
    final int[] ids;            // [T]

    Workspace(ModelConfig cfg, Backend b, int maxTokens, int maxLogitRows) {
        if (maxTokens <= 0 || maxLogitRows <= 0) {
            throw new IllegalArgumentException("workspace needs room for at least one token and one logit row");
        }
        this.maxTokens = maxTokens;
        this.maxLogitRows = maxLogitRows;
        int hid = cfg.hiddenSize();
        int n = cfg.attentionWidth();
        x = b.allocate(maxTokens, hid);
        h = b.allocate(maxTokens, hid);
        a = b.allocate(maxTokens, hid);
        boolean anyLinear = cfg.countLayers(LayerKind.LINEAR) > 0;
        boolean anyFull = cfg.countLayers(LayerKind.FULL) > 0;
        qkv = anyLinear ? b.allocate(maxTokens, 3 * n) : null;
        o = b.allocate(maxTokens, n);
        gate = anyLinear ? b.allocate(maxTokens, n) : null;
        q = anyFull ? b.allocate(maxTokens, n) : null;
        k = anyFull ? b.allocate(maxTokens, cfg.kvWidth()) : null;
        v = anyFull ? b.allocate(maxTokens, cfg.kvWidth()) : null;
        router = b.allocate(maxTokens, cfg.numExperts());
        expertIn = b.allocate(maxTokens, hid);
        ffnGate = b.allocate(maxTokens, cfg.intermediateSize());
        ffnUp = b.allocate(maxTokens, cfg.intermediateSize());
        ffnOut = b.allocate(maxTokens, hid);
        moe = b.allocate(maxTokens, hid);
        expertScratch = new Backend.ExpertScratch(ffnGate, ffnUp, ffnOut);
        last = b.allocate(maxLogitRows, hid);
        logits = b.allocate(maxLogitRows, cfg.vocabSize());
        experts = new int[maxTokens * cfg.expertsPerToken()];
        routeWeights = new float[maxTokens * cfg.expertsPerToken()];
        logitRowIndex = new int[Math.max(maxTokens, maxLogitRows)];
        int e = cfg.numExperts();
        routedRows = new int[e][maxTokens];
        routedScale = new float[e][maxTokens];
        routedCount = new int[e];
        smallExpertRows = Math.min(maxTokens, SMALL_EXPERT_ROWS);
        smallIn = new Tensor[e];
        smallGate = new Tensor[e];
        smallUp = new Tensor[e];
        smallOut = new Tensor[e];
        for (int i = 0; i < e; i++) {
            smallIn[i] = b.allocate(smallExpertRows, hid);
            smallGate[i] = b.allocate(smallExpertRows, cfg.intermediateSize());
            smallUp[i] = b.allocate(smallExpertRows, cfg.intermediateSize());
            smallOut[i] = b.allocate(smallExpertRows, hid);
        }
        ids = new int[maxTokens];
    }
}
