/*
 * The plain scalar reference backend: every operation written as the equation, one element at a
 * time, single-threaded, float32 arithmetic with float32 accumulators. It is the yardstick the
 * fast backends are tested against and stays as simple as the math. The Vector API backend
 * extends it and replaces the hot operations.
 */
package dev.longhaul.engine.cpu;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.DecayTable;
import dev.longhaul.engine.backend.KvCache;
import dev.longhaul.engine.backend.MatrixView;
import dev.longhaul.engine.backend.SegmentTask;
import dev.longhaul.engine.backend.Shapes;
import dev.longhaul.engine.backend.Tensor;
import dev.longhaul.engine.backend.Weight;
import java.lang.foreign.Arena;
import java.util.List;

public class ScalarBackend implements Backend {
    private final Arena arena = Arena.ofShared();

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int threads() {
        return 1;
    }

    // ---- memory ----

    @Override
    public Weight weight(MatrixView view) {
        return HostWeight.of(view, arena);
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        return new HostTensor(rows, cols);
    }

    @Override
    public void upload(float[] src, Tensor dst, int row) {
        Shapes.upload(src, dst, row);
        HostTensor d = HostTensor.of(dst);
        System.arraycopy(src, 0, d.data, row * d.cols(), Math.min(src.length, (d.rows() - row) * d.cols()));
    }

    @Override
    public void download(Tensor src, int row, float[] dst) {
        Shapes.download(src, row, dst);
        HostTensor s = HostTensor.of(src);
        System.arraycopy(s.data, row * s.cols(), dst, 0, s.cols());
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        Shapes.copy(src, dst);
        HostTensor s = HostTensor.of(src);
        System.arraycopy(s.data, 0, HostTensor.of(dst).data, 0, s.data.length);
    }

    @Override
    public KvCache newKvCache(int kvHeads, int headDim) {
        return new HostKvCache(kvHeads, headDim);
    }

    // ---- elementwise and small operations ----

    @Override
    public void embed(Weight table, int[] ids, int count, Tensor out) {
        Shapes.embed(table, ids, count, out);
        HostWeight w = HostWeight.of(table);
        HostTensor o = HostTensor.of(out);
        int cols = w.cols();
        for (int t = 0; t < count; t++) {
            for (int c = 0; c < cols; c++) {
                o.data[t * cols + c] = w.get(ids[t], c);
            }
        }
    }

    @Override
    public void rmsNorm(Tensor x, int rows, Weight gamma, float eps, Tensor out) {
        Shapes.rmsNorm(x, rows, gamma, out);
        HostTensor in = HostTensor.of(x);
        HostTensor o = HostTensor.of(out);
        float[] g = HostWeight.of(gamma).dense();
        int n = in.cols();
        for (int t = 0; t < rows; t++) {
            int base = t * n;
            float sumSq = 0f;
            for (int i = 0; i < n; i++) {
                float v = in.data[base + i];
                sumSq += v * v;
            }
            float inv = (float) (1.0 / Math.sqrt(sumSq / n + eps));
            for (int i = 0; i < n; i++) {
                o.data[base + i] = g[i] * (in.data[base + i] * inv);
            }
        }
    }

    @Override
    public void matmul(Tensor x, int rows, Weight w, Tensor out) {
        Shapes.matmul(x, rows, w, out);
        HostTensor in = HostTensor.of(x);
        HostTensor o = HostTensor.of(out);
        HostWeight m = HostWeight.of(w);
        int k = m.cols();
        int n = m.rows();
        for (int t = 0; t < rows; t++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int i = 0; i < k; i++) {
                    acc += in.data[t * in.cols() + i] * m.get(j, i);
                }
                o.data[t * o.cols() + j] = acc;
            }
        }
    }

    @Override
    public void silu(Tensor x, int rows) {
        Shapes.elementwise("silu", rows, x);
        HostTensor h = HostTensor.of(x);
        int n = rows * h.cols();
        for (int i = 0; i < n; i++) {
            h.data[i] = silu(h.data[i]);
        }
    }

    @Override
    public void sigmoidGate(Tensor gate, Tensor y, int rows) {
        Shapes.elementwise("sigmoidGate", rows, gate, y);
        float[] g = HostTensor.of(gate).data;
        float[] v = HostTensor.of(y).data;
        int n = rows * gate.cols();
        for (int i = 0; i < n; i++) {
            g[i] = sigmoid(g[i]) * v[i];
        }
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, int rows) {
        Shapes.elementwise("swiglu", rows, gate, up);
        float[] g = HostTensor.of(gate).data;
        float[] u = HostTensor.of(up).data;
        int n = rows * gate.cols();
        for (int i = 0; i < n; i++) {
            g[i] = silu(g[i]) * u[i];
        }
    }

    @Override
    public void residual(float alpha, Tensor h, float beta, Tensor a, int rows, Tensor out) {
        Shapes.elementwise("residual", rows, h, a, out);
        float[] hv = HostTensor.of(h).data;
        float[] av = HostTensor.of(a).data;
        float[] o = HostTensor.of(out).data;
        int n = rows * h.cols();
        for (int i = 0; i < n; i++) {
            o[i] = alpha * hv[i] + beta * av[i];
        }
    }

    @Override
    public void route(Tensor routerLogits, int rows, int k, int[] experts, float[] weights) {
        Shapes.route(routerLogits, rows, k, experts, weights);
        HostTensor lg = HostTensor.of(routerLogits);
        int e = lg.cols();
        float[] p = new float[e];
        boolean[] taken = new boolean[e];
        for (int t = 0; t < rows; t++) {
            // p = softmax(logits), max-subtracted, float32
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < e; i++) {
                max = Math.max(max, lg.data[t * e + i]);
            }
            float sum = 0f;
            for (int i = 0; i < e; i++) {
                p[i] = (float) Math.exp(lg.data[t * e + i] - max);
                sum += p[i];
            }
            java.util.Arrays.fill(taken, false);
            float selected = 0f;
            for (int s = 0; s < k; s++) {
                // S = the k largest p, ties to the lower index
                int best = -1;
                for (int i = 0; i < e; i++) {
                    if (!taken[i] && (best < 0 || p[i] > p[best])) {
                        best = i;
                    }
                }
                taken[best] = true;
                experts[t * k + s] = best;
                weights[t * k + s] = p[best] / sum;
                selected += p[best] / sum;
            }
            for (int s = 0; s < k; s++) {
                // w_e = p_e / Σ_{e'∈S} p_e'
                weights[t * k + s] /= selected;
            }
        }
    }

    @Override
    public void gatherRows(Tensor src, int[] rowIndex, int count, Tensor dst) {
        Shapes.gatherRows(src, rowIndex, count, dst);
        HostTensor s = HostTensor.of(src);
        HostTensor d = HostTensor.of(dst);
        int n = s.cols();
        for (int i = 0; i < count; i++) {
            System.arraycopy(s.data, rowIndex[i] * n, d.data, i * n, n);
        }
    }

    @Override
    public void scatterAddRows(Tensor src, int[] rowIndex, float[] scale, int count, Tensor dst) {
        Shapes.scatterAddRows(src, rowIndex, scale, count, dst);
        HostTensor s = HostTensor.of(src);
        HostTensor d = HostTensor.of(dst);
        int n = s.cols();
        for (int i = 0; i < count; i++) {
            int dBase = rowIndex[i] * n;
            int sBase = i * n;
            float w = scale[i];
            for (int c = 0; c < n; c++) {
                d.data[dBase + c] += w * s.data[sBase + c];
            }
        }
    }

    @Override
    public void zero(Tensor dst, int rows) {
        Shapes.zero(dst, rows);
        java.util.Arrays.fill(HostTensor.of(dst).data, 0, rows * dst.cols(), 0f);
    }

    // ---- attention ----

    @Override
    public void lightning(Tensor qkv, DecayTable decay, int headDim, List<SegmentTask> tasks, Tensor out) {
        Shapes.lightning(qkv, decay.heads(), headDim, tasks, out);
        HostTensor p = HostTensor.of(qkv);
        HostTensor o = HostTensor.of(out);
        for (SegmentTask task : tasks) {
            float[] s = HostTensor.of(task.lightningState()).data;
            for (int h = 0; h < decay.heads(); h++) {
                if (task.rows() == 1) {
                    LightningKernels.recurrentStep(p.data, p.cols(), task.row0(), o.data, o.cols(), s, h, headDim, decay);
                } else {
                    LightningKernels.blockPrefill(p.data, p.cols(), task.row0(), task.rows(), o.data, o.cols(), s, h,
                            headDim, decay);
                }
            }
        }
    }

    @Override
    public void softmaxAttention(Tensor q, Tensor k, Tensor v, AttentionShape shape, List<SegmentTask> tasks,
                                 Tensor out) {
        Shapes.softmaxAttention(q, k, v, shape, tasks, out);
        for (SegmentTask task : tasks) {
            AttentionKernels.appendRotated(HostTensor.of(q), HostTensor.of(k), HostTensor.of(v), shape, task);
            for (int h = 0; h < shape.heads(); h++) {
                AttentionKernels.attendHead(HostTensor.of(q), shape, task, h, HostTensor.of(out));
            }
        }
    }

    @Override
    public void close() {
        arena.close();
    }

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    static float silu(float x) {
        return x * sigmoid(x);
    }
}
