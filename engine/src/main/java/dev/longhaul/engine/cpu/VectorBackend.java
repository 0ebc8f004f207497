/*
 * The fast CPU backend: Java Vector API kernels over a pool of threads. It replaces the hot
 * operations of the scalar reference (matmul, lightning and softmax attention, norms and the
 * elementwise activations) and keeps its contract: every row's arithmetic is fixed by that row
 * alone, so solo and batched runs give bit-identical results. Work is split by output columns,
 * rows, or (sequence, head) pairs, never along a reduction.
 */
package dev.longhaul.engine.cpu;

import static dev.longhaul.engine.cpu.VectorMath.F;
import static dev.longhaul.engine.cpu.VectorMath.L;
import static dev.longhaul.engine.cpu.VectorMath.sum;

import dev.longhaul.engine.backend.DecayTable;
import dev.longhaul.engine.backend.SegmentTask;
import dev.longhaul.engine.backend.Shapes;
import dev.longhaul.engine.backend.Tensor;
import dev.longhaul.engine.backend.Weight;
import java.util.List;
import jdk.incubator.vector.FloatVector;

public class VectorBackend extends ScalarBackend {
    private final WorkerPool pool;
    private final VectorLightning.Scratch[] lightningScratch;
    private final float[][] scoreScratch;

    private static final long INLINE_WORK = 1L << 16;

    public VectorBackend(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, is " + threads);
        }
        this.pool = new WorkerPool(threads);
        this.lightningScratch = new VectorLightning.Scratch[threads];
        this.scoreScratch = new float[threads][];
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int threads() {
        return pool.threads();
    }

    @Override
    public void matmul(Tensor x, int rows, Weight w, Tensor out) {
        Shapes.matmul(x, rows, w, out);
        VectorMatmul.matmuls(pool, List.of(new Product(x, rows, w, out)));
    }

    /** All products' output columns in one parallel region (VectorMatmul.matmuls). */
    @Override
    public void matmuls(List<Product> products) {
        Shapes.matmuls(products);
        VectorMatmul.matmuls(pool, products);
    }

    @Override
    public void rmsNorm(Tensor x, int rows, Weight gamma, float eps, Tensor out) {
        Shapes.rmsNorm(x, rows, gamma, out);
        float[] in = HostTensor.of(x).data;
        float[] o = HostTensor.of(out).data;
        float[] g = HostWeight.of(gamma).dense();
        int n = x.cols();
        int nv = n - n % L;
        pool.forEach(rows, Math.max(1, (1 << 14) / n), (worker, from, to) -> {
            float[] tmp = new float[L];
            for (int t = from; t < to; t++) {
                int base = t * n;
                FloatVector acc = FloatVector.zero(F);
                for (int i = 0; i < nv; i += L) {
                    FloatVector v = FloatVector.fromArray(F, in, base + i);
                    acc = v.fma(v, acc);
                }
                float sumSq = sum(acc, tmp);
                for (int i = nv; i < n; i++) {
                    sumSq += in[base + i] * in[base + i];
                }
                float inv = (float) (1.0 / Math.sqrt(sumSq / n + eps));
                for (int i = 0; i < nv; i += L) {
                    FloatVector.fromArray(F, in, base + i).mul(inv).mul(FloatVector.fromArray(F, g, i))
                            .intoArray(o, base + i);
                }
                for (int i = nv; i < n; i++) {
                    o[base + i] = g[i] * (in[base + i] * inv);
                }
            }
        });
    }

    @Override
    public void silu(Tensor x, int rows) {
        Shapes.elementwise("silu", rows, x);
        float[] d = HostTensor.of(x).data;
        elementwise(rows * x.cols(), (from, to) -> {
            int i = from;
            for (; i + L <= to; i += L) {
                FloatVector v = FloatVector.fromArray(F, d, i);
                v.mul(VectorMath.sigmoid(v)).intoArray(d, i);
            }
            for (; i < to; i++) {
                d[i] = d[i] * VectorMath.sigmoid(d[i]);
            }
        });
    }

    @Override
    public void sigmoidGate(Tensor gate, Tensor y, int rows) {
        Shapes.elementwise("sigmoidGate", rows, gate, y);
        float[] g = HostTensor.of(gate).data;
        float[] v = HostTensor.of(y).data;
        elementwise(rows * gate.cols(), (from, to) -> {
            int i = from;
            for (; i + L <= to; i += L) {
                VectorMath.sigmoid(FloatVector.fromArray(F, g, i)).mul(FloatVector.fromArray(F, v, i)).intoArray(g, i);
            }
            for (; i < to; i++) {
                g[i] = VectorMath.sigmoid(g[i]) * v[i];
            }
        });
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, int rows) {
        Shapes.elementwise("swiglu", rows, gate, up);
        float[] g = HostTensor.of(gate).data;
        float[] u = HostTensor.of(up).data;
        elementwise(rows * gate.cols(), (from, to) -> {
            int i = from;
            for (; i + L <= to; i += L) {
                FloatVector v = FloatVector.fromArray(F, g, i);
                v.mul(VectorMath.sigmoid(v)).mul(FloatVector.fromArray(F, u, i)).intoArray(g, i);
            }
            for (; i < to; i++) {
                g[i] = g[i] * VectorMath.sigmoid(g[i]) * u[i];
            }
        });
    }

    @Override
    public void residual(float alpha, Tensor h, float beta, Tensor a, int rows, Tensor out) {
        Shapes.elementwise("residual", rows, h, a, out);
        float[] hv = HostTensor.of(h).data;
        float[] av = HostTensor.of(a).data;
        float[] o = HostTensor.of(out).data;
        elementwise(rows * h.cols(), (from, to) -> {
            int i = from;
            for (; i + L <= to; i += L) {
                FloatVector.fromArray(F, hv, i).mul(alpha).add(FloatVector.fromArray(F, av, i).mul(beta)).intoArray(o, i);
            }
            for (; i < to; i++) {
                o[i] = alpha * hv[i] + beta * av[i];
            }
        });
    }

    @Override
    public void scatterAddRows(Tensor src, int[] rowIndex, float[] scale, int count, Tensor dst) {
        Shapes.scatterAddRows(src, rowIndex, scale, count, dst);
        float[] s = HostTensor.of(src).data;
        float[] d = HostTensor.of(dst).data;
        int n = src.cols();
        int nv = n - n % L;
        // rows may repeat only across calls, never within one (one expert per row and call)
        pool.forEach(count, Math.max(1, (1 << 14) / n), (worker, from, to) -> {
            for (int i = from; i < to; i++) {
                int db = rowIndex[i] * n;
                int sb = i * n;
                float w = scale[i];
                int c = 0;
                for (; c < nv; c += L) {
                    FloatVector.fromArray(F, s, sb + c).mul(w).add(FloatVector.fromArray(F, d, db + c)).intoArray(d, db + c);
                }
                for (; c < n; c++) {
                    d[db + c] += w * s[sb + c];
                }
            }
        });
    }

    @Override
    public void lightning(Tensor qkv, DecayTable decay, int headDim, List<SegmentTask> tasks, Tensor out) {
        // a head size the vector kernels do not take (not a multiple of the lane count) runs the
        // scalar kernels, still one (task, head) per pool piece: on every core, not on one
        boolean vector = VectorLightning.supports(headDim);
        Shapes.lightning(qkv, decay.heads(), headDim, tasks, out);
        HostTensor p = HostTensor.of(qkv);
        HostTensor o = HostTensor.of(out);
        int heads = decay.heads();
        int rows = tasks.stream().mapToInt(SegmentTask::rows).sum();
        // one head of one token costs about 4·D² multiply-adds
        int grain = (long) rows * heads * headDim * headDim * 4 < INLINE_WORK ? tasks.size() * heads : 1;
        pool.forEach(tasks.size() * heads, grain, (worker, from, to) -> {
            for (int idx = from; idx < to; idx++) {
                SegmentTask task = tasks.get(idx / heads);
                int h = idx % heads;
                float[] s = HostTensor.of(task.lightningState()).data;
                if (!vector && task.rows() == 1) {
                    LightningKernels.recurrentStep(p.data, p.cols(), task.row0(), o.data, o.cols(), s, h, headDim, decay);
                } else if (!vector) {
                    LightningKernels.blockPrefill(p.data, p.cols(), task.row0(), task.rows(), o.data, o.cols(), s, h,
                            headDim, decay);
                } else if (task.rows() == 1) {
                    VectorLightning.recurrentStep(p.data, p.cols(), task.row0(), o.data, o.cols(), s, h, headDim, decay);
                } else {
                    VectorLightning.blockPrefill(p.data, p.cols(), task.row0(), task.rows(), o.data, o.cols(), s, h,
                            headDim, decay, lightningScratch(worker, headDim, decay.block()));
                }
            }
        });
    }

    private VectorLightning.Scratch lightningScratch(int worker, int headDim, int block) {
        VectorLightning.Scratch s = lightningScratch[worker];
        if (s == null || !s.fits(headDim, block)) {
            s = new VectorLightning.Scratch(headDim, block);
            lightningScratch[worker] = s;
        }
        return s;
    }

    @Override
    public void softmaxAttention(Tensor q, Tensor k, Tensor v, AttentionShape shape, List<SegmentTask> tasks,
                                 Tensor out) {
        boolean vector = VectorAttention.supports(shape.headDim()); // else the scalar kernel, on the pool all the same
        Shapes.softmaxAttention(q, k, v, shape, tasks, out);
        HostTensor qt = HostTensor.of(q);
        HostTensor kt = HostTensor.of(k);
        HostTensor vt = HostTensor.of(v);
        HostTensor ot = HostTensor.of(out);
        for (SegmentTask task : tasks) {
            AttentionKernels.appendRotated(qt, kt, vt, shape, task);
        }
        int heads = shape.heads();
        pool.forEach(tasks.size() * heads, 1, (worker, from, to) -> {
            for (int idx = from; idx < to; idx++) {
                SegmentTask task = tasks.get(idx / heads);
                if (!vector) {
                    AttentionKernels.attendHead(qt, shape, task, idx % heads, ot);
                    continue;
                }
                // attendHead writes whole vectors of scores: up to the key count rounded up to L
                int need = task.position() + task.rows() + L;
                float[] scores = scoreScratch[worker];
                if (scores == null || scores.length < need) {
                    scores = new float[(Math.max(need, 1024) * 2 + L - 1) / L * L];
                    scoreScratch[worker] = scores;
                }
                VectorAttention.attendHead(qt, shape, task, idx % heads, ot, scores);
            }
        });
    }

    @Override
    public void close() {
        pool.close();
        super.close();
    }

    /** Runs an elementwise body over [0, n) in vector-aligned pieces on the pool. */
    private void elementwise(int n, Range body) {
        int pieces = (n + 4095) / 4096;
        pool.forEach(pieces, n < 1 << 15 ? pieces : 1, (worker, from, to) -> body.run(from * 4096, Math.min(n, to * 4096)));
    }

    @FunctionalInterface
    private interface Range {
        void run(int from, int to);
    }
}
