/*
 * The tensor list of a synthesized checkpoint (names and shapes of MINIMAX.md §2.1) with the
 * initialisation that keeps activations O(1) through any depth: embeddings N(0, 1), every
 * projection N(0, 1/fan_in) (fan_in = the tensor's last dimension), norm weights N(1, 0.02²).
 * The residual stream is renormalised before every sub-block (post-norm), so this suffices; logits
 * come out with a standard deviation near 1. Order: embedding, layers 0..L-1, final norm, lm_head.
 */
package dev.longhaul.engine.synth;

import dev.longhaul.engine.model.LayerKind;
import java.util.ArrayList;
import java.util.List;

public final class SynthPlan {
    /** Standard deviation of the noise on norm weights around 1. */
    static final double NORM_NOISE = 0.02;

    private SynthPlan() {
    }

    public static List<SynthTensor> tensors(SynthSize size, List<LayerKind> kinds, MoeLayout layout) {
        long v = size.vocab();
        long h = size.hidden();
        long n = size.attentionWidth();
        long kv = size.kvWidth();
        List<SynthTensor> out = new ArrayList<>();
        out.add(SynthTensor.single("model.embed_tokens.weight", -1, 0, 1, v, h));
        for (int l = 0; l < kinds.size(); l++) {
            String p = "model.layers." + l + ".";
            out.add(norm(p + "input_layernorm.weight", l, h));
            if (kinds.get(l) == LayerKind.LINEAR) {
                out.add(projection(p + "self_attn.qkv_proj.weight", l, 3 * n, h));
                out.add(projection(p + "self_attn.output_gate.weight", l, n, h));
                out.add(projection(p + "self_attn.out_proj.weight", l, h, n));
                out.add(norm(p + "self_attn.norm.weight", l, n));
            } else {
                out.add(projection(p + "self_attn.q_proj.weight", l, n, h));
                out.add(projection(p + "self_attn.k_proj.weight", l, kv, h));
                out.add(projection(p + "self_attn.v_proj.weight", l, kv, h));
                out.add(projection(p + "self_attn.o_proj.weight", l, h, n));
            }
            out.add(norm(p + "post_attention_layernorm.weight", l, h));
            moe(out, size, p, l, layout);
        }
        out.add(norm("model.norm.weight", -1, h));
        out.add(projection("lm_head.weight", -1, v, h));
        return List.copyOf(out);
    }

    private static void moe(List<SynthTensor> out, SynthSize size, String p, int l, MoeLayout layout) {
        long h = size.hidden();
        long i = size.intermediate();
        int experts = size.experts();
        String router = p + "block_sparse_moe.gate.weight";
        SynthTensor.Part routerPart = new SynthTensor.Part(router, experts * h, 0, 1 / Math.sqrt(h));
        if (layout == MoeLayout.PER_EXPERT) {
            out.add(new SynthTensor(router, new long[] {experts, h}, l, List.of(routerPart)));
            for (int e = 0; e < experts; e++) {
                String ep = p + "block_sparse_moe.experts." + e + ".";
                out.add(new SynthTensor(ep + "w1.weight", new long[] {i, h}, l, List.of(w1(ep, i, h))));
                out.add(new SynthTensor(ep + "w2.weight", new long[] {h, i}, l, List.of(w2(ep, i, h))));
                out.add(new SynthTensor(ep + "w3.weight", new long[] {i, h}, l, List.of(w3(ep, i, h))));
            }
            return;
        }
        out.add(new SynthTensor(p + "mlp.gate.weight", new long[] {experts, h}, l, List.of(routerPart)));
        List<SynthTensor.Part> gateUp = new ArrayList<>();
        List<SynthTensor.Part> down = new ArrayList<>();
        for (int e = 0; e < experts; e++) {
            String ep = p + "block_sparse_moe.experts." + e + ".";
            gateUp.add(w1(ep, i, h)); // rows 0..I-1 of expert e: gate (w1)
            gateUp.add(w3(ep, i, h)); // rows I..2I-1: up (w3)
            down.add(w2(ep, i, h));
        }
        out.add(new SynthTensor(p + "mlp.experts.gate_up_proj", new long[] {experts, 2 * i, h}, l, gateUp));
        out.add(new SynthTensor(p + "mlp.experts.down_proj", new long[] {experts, h, i}, l, down));
    }

    private static SynthTensor.Part w1(String ep, long i, long h) {
        return new SynthTensor.Part(ep + "w1.weight", i * h, 0, 1 / Math.sqrt(h));
    }

    private static SynthTensor.Part w3(String ep, long i, long h) {
        return new SynthTensor.Part(ep + "w3.weight", i * h, 0, 1 / Math.sqrt(h));
    }

    private static SynthTensor.Part w2(String ep, long i, long h) {
        return new SynthTensor.Part(ep + "w2.weight", h * i, 0, 1 / Math.sqrt(i));
    }

    private static SynthTensor projection(String name, int layer, long rows, long cols) {
        return SynthTensor.single(name, layer, 0, 1 / Math.sqrt(cols), rows, cols);
    }

    private static SynthTensor norm(String name, int layer, long width) {
        return SynthTensor.single(name, layer, 1, NORM_NOISE, width);
    }
}
