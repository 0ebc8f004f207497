/*
 * Activation buffers for forward steps of up to `maxTokens` rows and `maxLogitRows` logit rows,
 * allocated once in the backend and reused by every step (nothing is allocated in the hot loop).
 * A workspace serves one step at a time.
 */
package dev.longhaul.engine.model;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.Tensor;

public final class Workspace {
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
    final Tensor expertIn; // [T][H] rows routed to one expert
    final Tensor ffnGate;  // [T][I]
    final Tensor ffnUp;    // [T][I]
    final Tensor ffnOut;   // [T][H]
    final Tensor moe;      // [T][H]
    final Tensor last;     // [R][H] rows whose logits are wanted
    final Tensor logits;   // [R][V]
    final int[] experts;   // [T·k]
    final float[] routeWeights; // [T·k]
    final int[] expertRows;     // [T] rows routed to the expert at hand
    final float[] expertScale;  // [T]
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
        last = b.allocate(maxLogitRows, hid);
        logits = b.allocate(maxLogitRows, cfg.vocabSize());
        experts = new int[maxTokens * cfg.expertsPerToken()];
        routeWeights = new float[maxTokens * cfg.expertsPerToken()];
        expertRows = new int[maxTokens];
        expertScale = new float[maxTokens];
        ids = new int[maxTokens];
    }
}
