/*
 * The model's weights, resident in a backend, and the one place that knows checkpoint tensor names
 * (MINIMAX.md §2.1). Both MoE layouts load: per-expert `block_sparse_moe.experts.{e}.w1/w2/w3` and
 * fused `mlp.experts.gate_up_proj` / `down_proj`. Derived lightning buffers and rotary inv_freq are
 * ignored; any other tensor the model does not use is an error, which catches mapping mistakes.
 */
package dev.longhaul.engine.model;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.MatrixView;
import dev.longhaul.engine.backend.Weight;
import dev.longhaul.engine.checkpoint.Checkpoint;
import dev.longhaul.engine.checkpoint.CheckpointException;
import dev.longhaul.engine.checkpoint.TensorInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

public record ModelWeights(
        Weight embedding,          // [V][H]
        Weight finalNorm,          // [1][H]
        Weight lmHead,             // [V][H], the embedding when tied
        List<Layer> layers) {

    /** Attention weights of one layer: lightning or softmax. */
    public sealed interface Attention permits Lightning, Softmax {
    }

    public record Lightning(
            Weight qkv,            // [3N][H], rows per head [q_h ‖ k_h ‖ v_h]
            Weight outputGate,     // [N][H]
            Weight outProj,        // [H][N]
            Weight norm)           // [1][N]
            implements Attention {
    }

    public record Softmax(
            Weight q,              // [N][H]
            Weight k,              // [n_kv·D][H]
            Weight v,              // [n_kv·D][H]
            Weight o)              // [H][N]
            implements Attention {
    }

    public record Layer(
            Weight inputNorm,      // [1][H]
            Weight postNorm,       // [1][H]
            Attention attention,
            Weight router,         // [E][H]
            List<Weight> gateProj, // E x [I][H]  (w1)
            List<Weight> upProj,   // E x [I][H]  (w3)
            List<Weight> downProj) // E x [H][I]  (w2)
    {
        /** The three expert lists together, as Backend.routedExperts takes them. */
        public Backend.Experts experts() {
            return new Backend.Experts(gateProj, upProj, downProj);
        }
    }

    private static final Pattern IGNORED = Pattern.compile(
            "(model\\.layers\\.\\d+\\.self_attn\\.(slope_rate|query_decay|key_decay|diagonal_decay))"
                    + "|(.*rotary_emb\\.inv_freq)");

    public static ModelWeights load(Checkpoint ckpt, ModelConfig cfg, Backend backend) {
        return new Loader(ckpt, cfg, backend).load();
    }

    private static final class Loader {
        private final Checkpoint ckpt;
        private final ModelConfig cfg;
        private final Backend backend;
        private final Set<String> used = new HashSet<>();

        Loader(Checkpoint ckpt, ModelConfig cfg, Backend backend) {
            this.ckpt = ckpt;
            this.cfg = cfg;
            this.backend = backend;
        }

        ModelWeights load() {
            int v = cfg.vocabSize();
            int h = cfg.hiddenSize();
            Weight embed = matrix("model.embed_tokens.weight", v, h);
            Weight norm = vector("model.norm.weight", h);
            Weight head;
            if (cfg.tieWordEmbeddings()) {
                head = embed;
                if (ckpt.has("lm_head.weight")) {
                    // some writers store the tied copy too; one of another shape is not a copy
                    ckpt.require("lm_head.weight").requireShape(v, h);
                    used.add("lm_head.weight");
                }
            } else {
                head = matrix("lm_head.weight", v, h);
            }
            List<Layer> layers = new ArrayList<>();
            for (int l = 0; l < cfg.numLayers(); l++) {
                layers.add(layer(l));
            }
            Set<String> unknown = new TreeSet<>();
            for (String name : ckpt.tensors().keySet()) {
                if (!used.contains(name) && !IGNORED.matcher(name).matches()) {
                    unknown.add(name);
                }
            }
            if (!unknown.isEmpty()) {
                throw new CheckpointException(ckpt.dir().toString(), "unexpected tensors for this config: "
                        + unknown.stream().limit(5).toList() + (unknown.size() > 5 ? " and " + (unknown.size() - 5) + " more" : ""));
            }
            return new ModelWeights(embed, norm, head, List.copyOf(layers));
        }

        private Layer layer(int l) {
            String p = "model.layers." + l + ".";
            int h = cfg.hiddenSize();
            int n = cfg.attentionWidth();
            Attention attention = switch (cfg.kind(l)) {
                case LINEAR -> new Lightning(
                        matrix(p + "self_attn.qkv_proj.weight", 3 * n, h),
                        matrix(p + "self_attn.output_gate.weight", n, h),
                        matrix(p + "self_attn.out_proj.weight", h, n),
                        vector(p + "self_attn.norm.weight", n));
                case FULL -> new Softmax(
                        matrix(p + "self_attn.q_proj.weight", n, h),
                        matrix(p + "self_attn.k_proj.weight", cfg.kvWidth(), h),
                        matrix(p + "self_attn.v_proj.weight", cfg.kvWidth(), h),
                        matrix(p + "self_attn.o_proj.weight", h, n));
            };
            Weight inNorm = vector(p + "input_layernorm.weight", h);
            Weight postNorm = vector(p + "post_attention_layernorm.weight", h);
            int e = cfg.numExperts();
            int i = cfg.intermediateSize();
            List<Weight> w1 = new ArrayList<>();
            List<Weight> w3 = new ArrayList<>();
            List<Weight> w2 = new ArrayList<>();
            Weight router;
            if (ckpt.has(p + "mlp.experts.gate_up_proj") || ckpt.has(p + "mlp.gate.weight")) {
                router = matrix(p + "mlp.gate.weight", e, h);
                MatrixView gateUp = view(p + "mlp.experts.gate_up_proj", e, 2L * i, h);
                MatrixView down = view(p + "mlp.experts.down_proj", e, h, i);
                for (int x = 0; x < e; x++) {
                    MatrixView expertGateUp = gateUp.rowSlice(x * 2 * i, 2 * i);
                    w1.add(backend.weight(expertGateUp.rowSlice(0, i)));
                    w3.add(backend.weight(expertGateUp.rowSlice(i, i)));
                    w2.add(backend.weight(down.rowSlice(x * h, h)));
                }
            } else {
                router = matrix(p + "block_sparse_moe.gate.weight", e, h);
                for (int x = 0; x < e; x++) {
                    String ep = p + "block_sparse_moe.experts." + x + ".";
                    w1.add(matrix(ep + "w1.weight", i, h));
                    w3.add(matrix(ep + "w3.weight", i, h));
                    w2.add(matrix(ep + "w2.weight", h, i));
                }
            }
            return new Layer(inNorm, postNorm, attention, router, List.copyOf(w1), List.copyOf(w3), List.copyOf(w2));
        }

        private Weight matrix(String name, int rows, int cols) {
            return backend.weight(view(name, rows, cols));
        }

        private Weight vector(String name, int cols) {
            TensorInfo t = ckpt.require(name).requireShape(cols);
            used.add(name);
            return backend.weight(new MatrixView(name, t.data(), t.dtype(), 1, cols));
        }

        private MatrixView view(String name, long... shape) {
            TensorInfo t = ckpt.require(name).requireShape(shape);
            used.add(name);
            long cols = shape[shape.length - 1];
            long rows = t.elementCount() / Math.max(cols, 1);
            if (rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
                throw new CheckpointException(t.file(), "tensor '" + name + "' is too large for one matrix");
            }
            return new MatrixView(name, t.data(), t.dtype(), (int) rows, (int) cols);
        }
    }
}
