/*
 * An independent float64 implementation of the MiniMax-01 forward pass, written from MINIMAX.md and
 * sharing no code with the engine's model/ or cpu/ packages (weights are read through
 * checkpoint.Checkpoint and widened to double here). Deliberately the simplest correct form of
 * everything: lightning attention in the quadratic form (a) O = ((QKᵀ) ⊙ M) V with
 * M[t][u] = exp(−s·(t−u)); softmax attention with GQA and rotate-half RoPE over the first
 * rotaryDim dims; MoE softmax → top-k (ties to the lower index) → renormalise; SwiGLU experts;
 * post-norm α/β residuals. Contract: logits(ids) returns every position's logits for a fresh
 * sequence starting at position 0; greedy() recomputes from scratch at each step (slow, exact).
 */
package dev.longhaul.engine.reference;

import dev.longhaul.engine.checkpoint.Checkpoint;
import dev.longhaul.engine.checkpoint.DType;
import dev.longhaul.engine.checkpoint.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;

public final class ReferenceModel {
    /** A greedy continuation and the smallest best-minus-second logit gap along its path. */
    public record Greedy(int[] tokens, double minTop2Margin) {
    }

    private record Layer(double[] inNorm, double[] postNorm,
                         double[] qkv, double[] gate, double[] out, double[] norm,   // lightning
                         double[] q, double[] k, double[] v, double[] o,             // softmax
                         double[] router, double[][] w1, double[][] w3, double[][] w2) {
    }

    private final ReferenceConfig cfg;
    private final double[] embed;
    private final double[] finalNorm;
    private final double[] head;
    private final Layer[] layers;
    /** Smallest router-logit gap between the k-th and (k+1)-th expert seen since the last reset. */
    private double minRouterGap = Double.POSITIVE_INFINITY;

    private ReferenceModel(ReferenceConfig cfg, double[] embed, double[] finalNorm, double[] head, Layer[] layers) {
        this.cfg = cfg;
        this.embed = embed;
        this.finalNorm = finalNorm;
        this.head = head;
        this.layers = layers;
    }

    /** Loads dir; fullHeadRope rotates all D dims (HF-parity), otherwise int(D·factor) dims. */
    public static ReferenceModel load(Path dir, boolean fullHeadRope) {
        ReferenceConfig c = ReferenceConfig.read(dir);
        if (fullHeadRope) {
            c = c.withFullHeadRope();
        }
        try (Checkpoint ck = Checkpoint.open(dir)) {
            double[] embed = read(ck, "model.embed_tokens.weight");
            double[] head = c.tied() ? embed : read(ck, "lm_head.weight");
            Layer[] layers = new Layer[c.layers()];
            for (int l = 0; l < c.layers(); l++) {
                layers[l] = layer(ck, c, l);
            }
            return new ReferenceModel(c, embed, read(ck, "model.norm.weight"), head, layers);
        }
    }

    private static Layer layer(Checkpoint ck, ReferenceConfig c, int l) {
        String p = "model.layers." + l + ".";
        boolean full = c.full()[l];
        int e = c.experts();
        int h = c.hidden();
        int in = c.intermediate();
        double[][] w1 = new double[e][];
        double[][] w3 = new double[e][];
        double[][] w2 = new double[e][];
        double[] router;
        if (ck.has(p + "mlp.gate.weight")) {
            router = read(ck, p + "mlp.gate.weight");
            double[] gateUp = read(ck, p + "mlp.experts.gate_up_proj");  // [E, 2I, H]
            double[] down = read(ck, p + "mlp.experts.down_proj");       // [E, H, I]
            for (int x = 0; x < e; x++) {
                int base = x * 2 * in * h;
                w1[x] = Arrays.copyOfRange(gateUp, base, base + in * h);
                w3[x] = Arrays.copyOfRange(gateUp, base + in * h, base + 2 * in * h);
                w2[x] = Arrays.copyOfRange(down, x * h * in, (x + 1) * h * in);
            }
        } else {
            router = read(ck, p + "block_sparse_moe.gate.weight");
            for (int x = 0; x < e; x++) {
                String ep = p + "block_sparse_moe.experts." + x + ".";
                w1[x] = read(ck, ep + "w1.weight");
                w3[x] = read(ck, ep + "w3.weight");
                w2[x] = read(ck, ep + "w2.weight");
            }
        }
        String a = p + "self_attn.";
        return new Layer(read(ck, p + "input_layernorm.weight"), read(ck, p + "post_attention_layernorm.weight"),
                full ? null : read(ck, a + "qkv_proj.weight"), full ? null : read(ck, a + "output_gate.weight"),
                full ? null : read(ck, a + "out_proj.weight"), full ? null : read(ck, a + "norm.weight"),
                full ? read(ck, a + "q_proj.weight") : null, full ? read(ck, a + "k_proj.weight") : null,
                full ? read(ck, a + "v_proj.weight") : null, full ? read(ck, a + "o_proj.weight") : null,
                router, w1, w3, w2);
    }

    /** A whole tensor widened to double: F32 as is, BF16 as the high half of an F32 word, F16 exactly. */
    private static double[] read(Checkpoint ck, String name) {
        TensorInfo t = ck.require(name);
        MemorySegment m = t.data();
        double[] r = new double[Math.toIntExact(t.elementCount())];
        for (int i = 0; i < r.length; i++) {
            r[i] = switch (t.dtype()) {
                case F32 -> m.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
                case BF16 -> DType.bf16ToFloat(m.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i));
                case F16 -> Float.float16ToFloat(m.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i));
            };
        }
        return r;
    }

    public ReferenceConfig config() {
        return cfg;
    }

    /** Logits [T][V] of every position of `ids`, a fresh sequence from position 0. */
    public double[][] logits(int[] ids) {
        return forward(ids, true);
    }

    /** Logits of the last position only. */
    public double[] lastLogits(int[] ids) {
        return forward(ids, false)[0];
    }

    /** Greedy continuation of `newTokens` tokens, each step recomputed from the whole sequence. */
    public Greedy greedy(int[] prompt, int newTokens) {
        int[] seq = Arrays.copyOf(prompt, prompt.length + newTokens);
        int[] out = new int[newTokens];
        double minMargin = Double.POSITIVE_INFINITY;
        for (int i = 0; i < newTokens; i++) {
            double[] row = lastLogits(Arrays.copyOf(seq, prompt.length + i));
            out[i] = argmax(row);
            minMargin = Math.min(minMargin, top2Margin(row));
            seq[prompt.length + i] = out[i];
        }
        return new Greedy(out, minMargin);
    }

    /**
     * The smallest gap, in router logits, between the last chosen and the best unchosen expert over
     * all MoE evaluations since the last call (∞ when k = E); resets it. A tiny gap means float32
     * noise could route differently, so golden cases avoid them.
     */
    public double takeMinRouterGap() {
        double g = minRouterGap;
        minRouterGap = Double.POSITIVE_INFINITY;
        return g;
    }

    /** Index of the largest value, ties to the lowest index. */
    public static int argmax(double[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Best minus second-best value. */
    public static double top2Margin(double[] row) {
        double first = Double.NEGATIVE_INFINITY;
        double second = Double.NEGATIVE_INFINITY;
        for (double v : row) {
            if (v > first) {
                second = first;
                first = v;
            } else if (v > second) {
                second = v;
            }
        }
        return first - second;
    }

    private double[][] forward(int[] ids, boolean allPositions) {
        int t = ids.length;
        int h = cfg.hidden();
        double[][] x = new double[t][];
        for (int i = 0; i < t; i++) {
            x[i] = Arrays.copyOfRange(embed, ids[i] * h, (ids[i] + 1) * h);
        }
        for (int l = 0; l < cfg.layers(); l++) {
            Layer w = layers[l];
            double[][] hn = new double[t][];
            for (int i = 0; i < t; i++) {
                hn[i] = rmsNorm(x[i], w.inNorm(), cfg.rmsEps());
            }
            double[][] a = cfg.full()[l] ? softmaxAttention(w, hn) : lightning(w, hn, cfg.slopes(l));
            double alpha = cfg.full()[l] ? cfg.fullAlpha() : cfg.linearAlpha();
            double beta = cfg.full()[l] ? cfg.fullBeta() : cfg.linearBeta();
            for (int i = 0; i < t; i++) {
                double[] u = new double[h];
                for (int j = 0; j < h; j++) {
                    u[j] = alpha * hn[i][j] + beta * a[i][j];
                }
                double[] g = rmsNorm(u, w.postNorm(), cfg.rmsEps());
                double[] m = moe(w, g);
                for (int j = 0; j < h; j++) {
                    x[i][j] = cfg.mlpAlpha() * g[j] + cfg.mlpBeta() * m[j];
                }
            }
        }
        int from = allPositions ? 0 : t - 1;
        double[][] logits = new double[t - from][];
        for (int i = from; i < t; i++) {
            logits[i - from] = matVec(head, cfg.vocab(), h, rmsNorm(x[i], finalNorm, cfg.rmsEps()));
        }
        return logits;
    }

    /** §5: silu(h·qkvᵀ) split per head [q_i ‖ k_i ‖ v_i], quadratic decay-masked attention, joint norm, gate. */
    private double[][] lightning(Layer w, double[][] hn, double[] s) {
        int t = hn.length;
        int n = cfg.heads();
        int d = cfg.headDim();
        int width = n * d;
        double[][] p = new double[t][];
        for (int i = 0; i < t; i++) {
            p[i] = matVec(w.qkv(), 3 * width, cfg.hidden(), hn[i]);
            for (int j = 0; j < p[i].length; j++) {
                p[i][j] = silu(p[i][j]);
            }
        }
        double[][] result = new double[t][];
        for (int tq = 0; tq < t; tq++) {
            double[] o = new double[width];
            for (int head = 0; head < n; head++) {
                int q0 = 3 * d * head;
                for (int u = 0; u <= tq; u++) {
                    double score = dot(p[tq], q0, p[u], q0 + d, d) * Math.exp(-s[head] * (tq - u));
                    for (int j = 0; j < d; j++) {
                        o[head * d + j] += score * p[u][q0 + 2 * d + j];
                    }
                }
            }
            double[] y = rmsNorm(o, w.norm(), ReferenceConfig.LIGHTNING_NORM_EPS);
            double[] gate = matVec(w.gate(), width, cfg.hidden(), hn[tq]);
            for (int j = 0; j < width; j++) {
                y[j] *= sigmoid(gate[j]);
            }
            result[tq] = matVec(w.out(), cfg.hidden(), width, y);
        }
        return result;
    }

    /** §6: causal softmax attention, GQA head g(i) = i / (n / n_kv), RoPE at absolute positions 0..T−1. */
    private double[][] softmaxAttention(Layer w, double[][] hn) {
        int t = hn.length;
        int n = cfg.heads();
        int nkv = cfg.kvHeads();
        int d = cfg.headDim();
        double[][] q = new double[t][];
        double[][] k = new double[t][];
        double[][] v = new double[t][];
        for (int i = 0; i < t; i++) {
            q[i] = rope(matVec(w.q(), n * d, cfg.hidden(), hn[i]), n, i);
            k[i] = rope(matVec(w.k(), nkv * d, cfg.hidden(), hn[i]), nkv, i);
            v[i] = matVec(w.v(), nkv * d, cfg.hidden(), hn[i]);
        }
        double scale = 1 / Math.sqrt(d);
        double[][] result = new double[t][];
        for (int tq = 0; tq < t; tq++) {
            double[] o = new double[n * d];
            for (int head = 0; head < n; head++) {
                int g = head / (n / nkv);
                double[] score = new double[tq + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int u = 0; u <= tq; u++) {
                    score[u] = dot(q[tq], head * d, k[u], g * d, d) * scale;
                    max = Math.max(max, score[u]);
                }
                double sum = 0;
                for (int u = 0; u <= tq; u++) {
                    score[u] = Math.exp(score[u] - max);
                    sum += score[u];
                }
                for (int u = 0; u <= tq; u++) {
                    for (int j = 0; j < d; j++) {
                        o[head * d + j] += score[u] / sum * v[u][g * d + j];
                    }
                }
            }
            result[tq] = matVec(w.o(), cfg.hidden(), n * d, o);
        }
        return result;
    }

    /** Rotate-half RoPE over the first rotaryDim dims of each of `heads` heads; the rest pass through. */
    private double[] rope(double[] x, int heads, int pos) {
        int d = cfg.headDim();
        int r = cfg.rotaryDim();
        int half = r / 2;
        for (int head = 0; head < heads; head++) {
            int b = head * d;
            for (int j = 0; j < half; j++) {
                double phi = pos * Math.pow(cfg.ropeTheta(), -2.0 * j / r);
                double a = x[b + j];
                double c = x[b + j + half];
                x[b + j] = a * Math.cos(phi) - c * Math.sin(phi);
                x[b + j + half] = c * Math.cos(phi) + a * Math.sin(phi);
            }
        }
        return x;
    }

    /** §7: softmax over all experts, top-k (ties to lower index), renormalise, SwiGLU experts. */
    private double[] moe(Layer w, double[] g) {
        int e = cfg.experts();
        int h = cfg.hidden();
        int in = cfg.intermediate();
        double[] logits = matVec(w.router(), e, h, g);
        double max = Arrays.stream(logits).max().orElseThrow();
        double[] prob = new double[e];
        double sum = 0;
        for (int x = 0; x < e; x++) {
            prob[x] = Math.exp(logits[x] - max);
            sum += prob[x];
        }
        boolean[] chosen = new boolean[e];
        double chosenSum = 0;
        for (int pick = 0; pick < cfg.topK(); pick++) {
            int best = -1;
            for (int x = 0; x < e; x++) {
                if (!chosen[x] && (best < 0 || prob[x] > prob[best])) {
                    best = x;
                }
            }
            chosen[best] = true;
            chosenSum += prob[best] / sum;
        }
        double lowestChosen = Double.POSITIVE_INFINITY;
        double highestOther = Double.NEGATIVE_INFINITY;
        for (int x = 0; x < e; x++) {
            if (chosen[x]) {
                lowestChosen = Math.min(lowestChosen, logits[x]);
            } else {
                highestOther = Math.max(highestOther, logits[x]);
            }
        }
        minRouterGap = Math.min(minRouterGap, lowestChosen - highestOther);
        double[] out = new double[h];
        for (int x = 0; x < e; x++) {
            if (!chosen[x]) {
                continue;
            }
            double weight = prob[x] / sum / chosenSum;
            double[] gate = matVec(w.w1()[x], in, h, g);
            double[] up = matVec(w.w3()[x], in, h, g);
            double[] act = new double[in];
            for (int j = 0; j < in; j++) {
                act[j] = silu(gate[j]) * up[j];
            }
            double[] down = matVec(w.w2()[x], h, in, act);
            for (int j = 0; j < h; j++) {
                out[j] += weight * down[j];
            }
        }
        return out;
    }

    private static double[] rmsNorm(double[] z, double[] w, double eps) {
        double ms = 0;
        for (double v : z) {
            ms += v * v;
        }
        double inv = 1 / Math.sqrt(ms / z.length + eps);
        double[] r = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            r[i] = w[i] * z[i] * inv;
        }
        return r;
    }

    /** W [rows][cols] (row-major) times x. */
    private static double[] matVec(double[] w, int rows, int cols, double[] x) {
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double acc = 0;
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                acc += w[base + c] * x[c];
            }
            y[r] = acc;
        }
        return y;
    }

    private static double dot(double[] a, int ao, double[] b, int bo, int n) {
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += a[ao + i] * b[bo + i];
        }
        return acc;
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    private static double silu(double z) {
        return z * sigmoid(z);
    }
}
