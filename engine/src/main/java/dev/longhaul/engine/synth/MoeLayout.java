/*
 * How a synthesized checkpoint names its mixture-of-experts tensors (MINIMAX.md §2.1). Both hold
 * the same numbers for the same seed; only the names and the packing differ.
 */
package dev.longhaul.engine.synth;

public enum MoeLayout {
    /** `block_sparse_moe.gate.weight` and `block_sparse_moe.experts.{e}.w1/w2/w3.weight` (save_pretrained default). */
    PER_EXPERT,
    /** `mlp.gate.weight`, `mlp.experts.gate_up_proj` [E,2I,H] and `mlp.experts.down_proj` [E,H,I]. */
    FUSED
}
