/*
 * Causal softmax attention of one query head over its sequence's paged KV cache, with the Vector
 * API along the head dimension (scores q·k_u with fixed-order lane sums; the weighted value sum
 * accumulates lane-wise). Same equations as AttentionKernels.attendHead; D must be a multiple
 * of the vector length (else the scalar kernel is used).
 */
package dev.longhaul.engine.cpu;

import static dev.longhaul.engine.cpu.VectorMath.F;
import static dev.longhaul.engine.cpu.VectorMath.L;
import static dev.longhaul.engine.cpu.VectorMath.sum;

import dev.longhaul.engine.backend.Backend.AttentionShape;
import dev.longhaul.engine.backend.SegmentTask;
import jdk.incubator.vector.FloatVector;

final class VectorAttention {
    private VectorAttention() {
    }

    static boolean supports(int headDim) {
        return headDim % L == 0 && headDim <= 512;
    }

    /** scores must hold at least position + rows floats; acc at least D. */
    static void attendHead(HostTensor q, AttentionShape shape, SegmentTask task, int h, HostTensor out,
                           float[] scores) {
        HostKvCache cache = HostKvCache.of(task.kvCache());
        int d = shape.headDim();
        int g = h / (shape.heads() / shape.kvHeads());
        float scale = (float) (1.0 / Math.sqrt(d));
        int vecs = d / L;
        FloatVector[] qv = new FloatVector[vecs];
        FloatVector[] acc = new FloatVector[vecs];
        float[] tmp = new float[L];
        for (int t = 0; t < task.rows(); t++) {
            int row = task.row0() + t;
            int pos = task.position() + t;
            int qOff = row * q.cols() + h * d;
            for (int c = 0; c < vecs; c++) {
                qv[c] = FloatVector.fromArray(F, q.data, qOff + c * L);
            }
            // score_u = q·K_u / sqrt(D)
            float max = Float.NEGATIVE_INFINITY;
            for (int u = 0; u <= pos; u++) {
                float[] kp = cache.keyPage(u);
                int kOff = cache.offset(u, g, d);
                FloatVector dot = qv[0].mul(FloatVector.fromArray(F, kp, kOff));
                for (int c = 1; c < vecs; c++) {
                    dot = qv[c].fma(FloatVector.fromArray(F, kp, kOff + c * L), dot);
                }
                float sc = sum(dot, tmp) * scale;
                scores[u] = sc;
                max = Math.max(max, sc);
            }
            // A = softmax(scores), max-subtracted
            float sum = 0f;
            for (int u = 0; u <= pos; u++) {
                float e = (float) Math.exp(scores[u] - max);
                scores[u] = e;
                sum += e;
            }
            float inv = 1f / sum;
            // out = Σ_u A_u · V_u
            for (int c = 0; c < vecs; c++) {
                acc[c] = FloatVector.zero(F);
            }
            for (int u = 0; u <= pos; u++) {
                float[] vp = cache.valuePage(u);
                int vOff = cache.offset(u, g, d);
                FloatVector wu = FloatVector.broadcast(F, scores[u] * inv);
                for (int c = 0; c < vecs; c++) {
                    acc[c] = FloatVector.fromArray(F, vp, vOff + c * L).fma(wu, acc[c]);
                }
            }
            int oOff = row * out.cols() + h * d;
            for (int c = 0; c < vecs; c++) {
                acc[c].intoArray(out.data, oOff + c * L);
            }
        }
    }
}
