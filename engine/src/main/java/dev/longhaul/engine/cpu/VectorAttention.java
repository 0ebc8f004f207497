/*
 * Causal softmax attention of one query head over its sequence's paged KV cache, with the Vector
 * API and no horizontal sums: scores for L keys at a time from the page's transposed keys
 * (s[u..u+L) = Σ_a q[a]·Kᵀ[a][u..u+L)), a vectorised exp for the softmax, and the weighted value
 * sum along D. Same equations as AttentionKernels.attendHead; D must be a multiple of L.
 */
package dev.longhaul.engine.cpu;

import static dev.longhaul.engine.cpu.VectorMath.F;
import static dev.longhaul.engine.cpu.VectorMath.L;

import dev.longhaul.engine.backend.Backend.AttentionShape;
import dev.longhaul.engine.backend.SegmentTask;
import jdk.incubator.vector.FloatVector;

final class VectorAttention {
    private VectorAttention() {
    }

    static boolean supports(int headDim) {
        return headDim % L == 0 && HostKvCache.PAGE_TOKENS % L == 0;
    }

    /** scores must hold at least position + rows + L floats. */
    static void attendHead(HostTensor q, AttentionShape shape, SegmentTask task, int h, HostTensor out,
                           float[] scores) {
        HostKvCache cache = HostKvCache.of(task.kvCache());
        int d = shape.headDim();
        int g = h / (shape.heads() / shape.kvHeads());
        float scale = (float) (1.0 / Math.sqrt(d));
        int page = HostKvCache.PAGE_TOKENS;
        for (int t = 0; t < task.rows(); t++) {
            int row = task.row0() + t;
            int pos = task.position() + t;
            int qOff = row * q.cols() + h * d;
            int keys = pos + 1;
            // s_u = q·K_u / sqrt(D), L keys at a time (lanes past pos are computed, then ignored)
            for (int u0 = 0; u0 < keys; u0 += L) {
                float[] kp = cache.keyPage(u0 / page);
                int slot = u0 % page;
                FloatVector acc = FloatVector.zero(F);
                for (int a = 0; a < d; a++) {
                    acc = FloatVector.fromArray(F, kp, HostKvCache.keyOffset(g, a, d) + slot)
                            .fma(FloatVector.broadcast(F, q.data[qOff + a]), acc);
                }
                acc.mul(scale).intoArray(scores, u0);
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int u = 0; u < keys; u++) {
                max = Math.max(max, scores[u]);
            }
            // A = softmax(s), max-subtracted; the sum runs in index order for a fixed result
            int kv = keys / L * L;
            FloatVector mv = FloatVector.broadcast(F, max);
            for (int u0 = 0; u0 < kv; u0 += L) {
                VectorMath.exp(FloatVector.fromArray(F, scores, u0).sub(mv)).intoArray(scores, u0);
            }
            for (int u = kv; u < keys; u++) {
                scores[u] = VectorMath.exp(scores[u] - max);
            }
            float sum = 0f;
            for (int u = 0; u < keys; u++) {
                sum += scores[u];
            }
            float inv = 1f / sum;
            // out = Σ_u A_u · V_u, along D
            int oOff = row * out.cols() + h * d;
            for (int c = 0; c < d; c += L) {
                FloatVector acc = FloatVector.zero(F);
                for (int u = 0; u < keys; u++) {
                    float[] vp = cache.valuePage(u / page);
                    acc = FloatVector.fromArray(F, vp, cache.valueOffset(u, g) + c)
                            .fma(FloatVector.broadcast(F, scores[u] * inv), acc);
                }
                acc.intoArray(out.data, oOff + c);
            }
        }
    }
}
