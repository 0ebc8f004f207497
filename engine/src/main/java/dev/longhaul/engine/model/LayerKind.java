/* The two decoder layer kinds of MiniMax-01 (config `layer_types`). */
package dev.longhaul.engine.model;

public enum LayerKind {
    /** Lightning (linear) attention: fixed-size state per head. */
    LINEAR,
    /** Softmax attention with GQA, RoPE and a KV cache. */
    FULL
}
