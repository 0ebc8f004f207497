/*
 * A Backend decorator that times every operation of the backend it wraps, to show where a forward
 * pass spends its time (`bench engine --profile`). Adds a clock read per call; results are
 * nanoseconds and call counts per operation name.
 */
package dev.longhaul.engine.bench;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.DecayTable;
import dev.longhaul.engine.backend.KvCache;
import dev.longhaul.engine.backend.MatrixView;
import dev.longhaul.engine.backend.SegmentTask;
import dev.longhaul.engine.backend.Tensor;
import dev.longhaul.engine.backend.Weight;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

public final class ProfilingBackend implements Backend {
    private final Backend inner;
    private final Map<String, long[]> totals = new TreeMap<>(); // name -> {nanos, calls}

    public ProfilingBackend(Backend inner) {
        this.inner = inner;
    }

    /** Milliseconds and calls per operation since the last reset. */
    public Map<String, String> report() {
        Map<String, String> out = new TreeMap<>();
        totals.forEach((k, v) -> out.put(k, String.format("%.1f ms / %d", v[0] / 1e6, v[1])));
        return out;
    }

    public void reset() {
        totals.clear();
    }

    private void add(String op, long t0) {
        long[] t = totals.computeIfAbsent(op, k -> new long[2]);
        t[0] += System.nanoTime() - t0;
        t[1]++;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public int threads() {
        return inner.threads();
    }

    @Override
    public Weight weight(MatrixView view) {
        return inner.weight(view);
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        return inner.allocate(rows, cols);
    }

    @Override
    public void upload(float[] src, Tensor dst, int row) {
        inner.upload(src, dst, row);
    }

    @Override
    public void download(Tensor src, int row, float[] dst) {
        long t0 = System.nanoTime();
        inner.download(src, row, dst);
        add("download", t0);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        inner.copy(src, dst);
    }

    @Override
    public KvCache newKvCache(int kvHeads, int headDim) {
        return inner.newKvCache(kvHeads, headDim);
    }

    @Override
    public void embed(Weight table, int[] ids, int count, Tensor out) {
        long t0 = System.nanoTime();
        inner.embed(table, ids, count, out);
        add("embed", t0);
    }

    @Override
    public void rmsNorm(Tensor x, int rows, Weight gamma, float eps, Tensor out) {
        long t0 = System.nanoTime();
        inner.rmsNorm(x, rows, gamma, eps, out);
        add("rmsNorm", t0);
    }

    @Override
    public void matmuls(List<Product> products) {
        long t0 = System.nanoTime();
        inner.matmuls(products);
        add("matmuls of " + products.size(), t0);
    }

    @Override
    public void matmul(Tensor x, int rows, Weight w, Tensor out) {
        long t0 = System.nanoTime();
        inner.matmul(x, rows, w, out);
        add("matmul " + w.rows() + "x" + w.cols(), t0);
    }

    @Override
    public void silu(Tensor x, int rows) {
        long t0 = System.nanoTime();
        inner.silu(x, rows);
        add("silu", t0);
    }

    @Override
    public void sigmoidGate(Tensor gate, Tensor y, int rows) {
        long t0 = System.nanoTime();
        inner.sigmoidGate(gate, y, rows);
        add("sigmoidGate", t0);
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, int rows) {
        long t0 = System.nanoTime();
        inner.swiglu(gate, up, rows);
        add("swiglu", t0);
    }

    @Override
    public void residual(float alpha, Tensor h, float beta, Tensor a, int rows, Tensor out) {
        long t0 = System.nanoTime();
        inner.residual(alpha, h, beta, a, rows, out);
        add("residual", t0);
    }

    @Override
    public void endStep() {
        long t0 = System.nanoTime();
        inner.endStep();
        add("endStep", t0);
    }

    @Override
    public void residualNorm(float alpha, Tensor h, float beta, Tensor a, int rows, Tensor out, Weight gamma,
                             float eps, Tensor normOut) {
        long t0 = System.nanoTime();
        inner.residualNorm(alpha, h, beta, a, rows, out, gamma, eps, normOut);
        add("residualNorm", t0);
    }

    @Override
    public void lightning(Tensor qkv, DecayTable decay, int headDim, List<SegmentTask> tasks, Tensor out) {
        long t0 = System.nanoTime();
        inner.lightning(qkv, decay, headDim, tasks, out);
        add("lightning", t0);
    }

    @Override
    public void softmaxAttention(Tensor q, Tensor k, Tensor v, AttentionShape shape, List<SegmentTask> tasks,
                                 Tensor out) {
        long t0 = System.nanoTime();
        inner.softmaxAttention(q, k, v, shape, tasks, out);
        add("softmaxAttention", t0);
    }

    @Override
    public boolean routedExperts(Tensor g, int rows, Tensor routerLogits, int k, Experts experts,
                                 ExpertScratch scratch, Tensor out) {
        long t0 = System.nanoTime();
        boolean done = inner.routedExperts(g, rows, routerLogits, k, experts, scratch, out);
        if (done) {
            add("routedExperts", t0);
        }
        return done;
    }

    @Override
    public void route(Tensor routerLogits, int rows, int k, int[] experts, float[] weights) {
        long t0 = System.nanoTime();
        inner.route(routerLogits, rows, k, experts, weights);
        add("route", t0);
    }

    @Override
    public void gatherRows(Tensor src, int[] rowIndex, int count, Tensor dst) {
        long t0 = System.nanoTime();
        inner.gatherRows(src, rowIndex, count, dst);
        add("gatherRows", t0);
    }

    @Override
    public void scatterAddRows(Tensor src, int[] rowIndex, float[] scale, int count, Tensor dst) {
        long t0 = System.nanoTime();
        inner.scatterAddRows(src, rowIndex, scale, count, dst);
        add("scatterAddRows", t0);
    }

    @Override
    public void zero(Tensor dst, int rows) {
        long t0 = System.nanoTime();
        inner.zero(dst, rows);
        add("zero", t0);
    }

    @Override
    public void close() {
        inner.close();
    }
}
