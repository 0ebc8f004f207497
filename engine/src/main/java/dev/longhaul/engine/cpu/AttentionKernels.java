/*
 * Scalar softmax attention pieces (MINIMAX.md §6): rotate-half RoPE over the first r dims with
 * angles computed in double, the KV append, and causal attention of one query head over its
 * sequence's cache with GQA head mapping g(i) = i / (n / n_kv) and scale 1/sqrt(D).
 */
package dev.longhaul.engine.cpu;

import dev.longhaul.engine.backend.Backend.AttentionShape;
import dev.longhaul.engine.backend.SegmentTask;

final class AttentionKernels {
    private AttentionKernels() {
    }

    /** Rotates q and k rows of the task in place and appends the task's k, v rows to its cache. */
    static void appendRotated(HostTensor q, HostTensor k, HostTensor v, AttentionShape shape, SegmentTask task) {
        HostKvCache cache = HostKvCache.of(task.kvCache());
        if (cache.length() != task.position()) {
            throw new IllegalStateException("KV cache holds " + cache.length() + " tokens but the segment starts at "
                    + task.position());
        }
        int d = shape.headDim();
        for (int t = 0; t < task.rows(); t++) {
            int row = task.row0() + t;
            int pos = task.position() + t;
            for (int h = 0; h < shape.heads(); h++) {
                rope(q.data, row * q.cols() + h * d, pos, shape);
            }
            for (int g = 0; g < shape.kvHeads(); g++) {
                rope(k.data, row * k.cols() + g * d, pos, shape);
            }
            cache.append(k.data, row * k.cols(), v.data, row * v.cols());
        }
    }

    /** x'_j = x_j cos φ_j − x_{j+r/2} sin φ_j, x'_{j+r/2} = x_{j+r/2} cos φ_j + x_j sin φ_j, φ_j = p·θ^(−2j/r). */
    static void rope(float[] x, int off, int pos, AttentionShape shape) {
        int half = shape.rotaryDim() / 2;
        for (int j = 0; j < half; j++) {
            double freq = Math.pow(shape.ropeTheta(), -2.0 * j / shape.rotaryDim());
            double angle = pos * freq;
            float cos = (float) Math.cos(angle);
            float sin = (float) Math.sin(angle);
            float a = x[off + j];
            float b = x[off + j + half];
            x[off + j] = a * cos - b * sin;
            x[off + j + half] = b * cos + a * sin;
        }
    }

    /** out_t,h = Σ_u softmax_u(q_t,h·K_u,g / sqrt(D)) V_u,g over u ≤ position of t. */
    static void attendHead(HostTensor q, AttentionShape shape, SegmentTask task, int h, HostTensor out) {
        HostKvCache cache = HostKvCache.of(task.kvCache());
        int d = shape.headDim();
        int g = h / (shape.heads() / shape.kvHeads());
        float scale = (float) (1.0 / Math.sqrt(d));
        float[] scores = new float[task.position() + task.rows()];
        for (int t = 0; t < task.rows(); t++) {
            int row = task.row0() + t;
            int pos = task.position() + t;
            int qOff = row * q.cols() + h * d;
            float max = Float.NEGATIVE_INFINITY;
            for (int u = 0; u <= pos; u++) {
                float dot = 0f;
                for (int a = 0; a < d; a++) {
                    dot += q.data[qOff + a] * cache.key(u, g, a);
                }
                scores[u] = dot * scale;
                max = Math.max(max, scores[u]);
            }
            float sum = 0f;
            for (int u = 0; u <= pos; u++) {
                scores[u] = (float) Math.exp(scores[u] - max);
                sum += scores[u];
            }
            int oOff = row * out.cols() + h * d;
            for (int a = 0; a < d; a++) {
                out.data[oOff + a] = 0f;
            }
            for (int u = 0; u <= pos; u++) {
                float[] vp = cache.valuePage(u / HostKvCache.PAGE_TOKENS);
                int vOff = cache.valueOffset(u, g);
                float w = scores[u] / sum;
                for (int a = 0; a < d; a++) {
                    out.data[oOff + a] += w * vp[vOff + a];
                }
            }
        }
    }
}
