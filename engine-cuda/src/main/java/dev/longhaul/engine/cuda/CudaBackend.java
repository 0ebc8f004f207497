/*
 * The engine's Backend on an NVIDIA GPU through JCuda's driver API (kernels in src/main/cuda).
 * Weights are uploaded once and stay resident (BF16 as BF16); activations, lightning states and
 * KV caches live in device memory; data crosses only through upload/download, and the small
 * per-call tables (row indices, task descriptors, page tables) through one ArgBlock copy, queued
 * without waiting (ArgRing). Every kernel computes a row's result in an order that does not depend
 * on the other rows (see the comments in the .cuh files), as the Backend contract asks. Kernels run
 * on the default stream, so each download waits for the work before it; a decode step waits for
 * the device only where its results come back (routing with more rows than routedExperts takes,
 * and the logits).
 */
package dev.longhaul.engine.cuda;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.DecayTable;
import dev.longhaul.engine.backend.KvCache;
import dev.longhaul.engine.backend.MatrixView;
import dev.longhaul.engine.backend.SegmentTask;
import dev.longhaul.engine.backend.Shapes;
import dev.longhaul.engine.backend.Tensor;
import dev.longhaul.engine.backend.Weight;
import dev.longhaul.engine.checkpoint.DType;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.Pointer;

public final class CudaBackend implements Backend {
    private final CudaDevice device;
    /** Most rows·k of a step whose experts routedExperts runs from device-side routing. */
    static final int ROUTED_MAX_PAIRS = 8;
    private static final long ARG_RING_BYTES = 4L << 20;

    private final ArgBlock args = new ArgBlock();
    private final ArgRing argRing;
    private DeviceBuffer routeBuffer; // route()'s and routedExperts' experts and weights
    private DeviceBuffer attentionPartials; // attend_split's partial sums
    private final Map<DecayTable, DeviceBuffer> decayTables = new IdentityHashMap<>();
    private final Map<String, KvPages> pagePools = new ConcurrentHashMap<>(); // newSequence() may run on any thread
    private final Attention attention;

    private CudaBackend(CudaDevice device) {
        this.device = device;
        this.attention = new Attention(this);
        this.argRing = new ArgRing(device, ARG_RING_BYTES);
    }

    /**
     * Opens device 0; fails with a message starting "CUDA backend unavailable" when it cannot.
     * Kernel launches go to the device as CUDA graphs (LaunchGraphs) where libcuda's graph entry
     * points can be called, unless -Dlonghaul.cuda.graphs=false; =true makes their absence an error.
     */
    public static CudaBackend open() {
        String graphs = System.getProperty("longhaul.cuda.graphs");
        return open(graphs == null ? null : Boolean.valueOf(graphs));
    }

    /** The same, with launches recorded and replayed as CUDA graphs or not (LaunchGraphs). */
    public static CudaBackend open(boolean graphs) {
        return open(Boolean.valueOf(graphs));
    }

    private static CudaBackend open(Boolean graphs) {
        CudaDevice device = CudaDevice.open(graphs);
        try {
            return new CudaBackend(device);
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int threads() {
        return 1;
    }

    /** The device in words: name, compute capability, driver API version. */
    public String device() {
        return device.description();
    }

    CudaDevice cuda() {
        return device;
    }

    // ---- memory ----

    @Override
    public Weight weight(MatrixView view) {
        device.enter();
        DeviceWeight w = DeviceWeight.upload(device, view);
        device.freeWhenUnreachable(w, w.buffer);
        return w;
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        device.enter();
        DeviceTensor t = new DeviceTensor(device.allocate((long) rows * cols * Float.BYTES), rows, cols);
        device.freeWhenUnreachable(t, t.buffer); // first: a failing memset below leaves nothing behind for good
        device.memsetD32(t.buffer, 0, (long) rows * cols);
        return t;
    }

    @Override
    public void upload(float[] src, Tensor dst, int row) {
        Shapes.upload(src, dst, row);
        device.enter();
        DeviceTensor d = DeviceTensor.of(dst);
        long n = Math.min(src.length, (long) (d.rows() - row) * d.cols());
        device.upload(d.buffer, (long) row * d.cols() * Float.BYTES, Pointer.to(src), n * Float.BYTES);
    }

    @Override
    public void download(Tensor src, int row, float[] dst) {
        Shapes.download(src, row, dst);
        device.enter();
        DeviceTensor s = DeviceTensor.of(src); // Shapes.download above: a copy into a Java array has no bounds check of its own
        device.download(s.buffer, (long) row * s.cols() * Float.BYTES, Pointer.to(dst), s.bytes(1));
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        Shapes.copy(src, dst);
        device.enter();
        DeviceTensor s = DeviceTensor.of(src);
        device.copy(s.buffer, 0, DeviceTensor.of(dst).buffer, 0, s.bytes(s.rows()));
    }

    @Override
    public KvCache newKvCache(int kvHeads, int headDim) {
        device.enter();
        return new DeviceKvCache(pagePools.computeIfAbsent(kvHeads + "x" + headDim,
                k -> new KvPages(device, kvHeads, headDim)));
    }

    // ---- elementwise and small operations ----

    @Override
    public void embed(Weight table, int[] ids, int count, Tensor out) {
        Shapes.embed(table, ids, count, out);
        if (count == 0) {
            return;
        }
        device.enter();
        DeviceWeight w = DeviceWeight.of(table);
        args.clear();
        int idsAt = args.putInts(ids, count);
        long base = uploadArgs();
        device.launch("embed_rows", LaunchGeometry.perRow(count, 256), w.buffer, w.dtype == DType.BF16 ? 1 : 0,
                w.cols(), base + idsAt, DeviceTensor.of(out).row(0));
    }

    @Override
    public void rmsNorm(Tensor x, int rows, Weight gamma, float eps, Tensor out) {
        Shapes.rmsNorm(x, rows, gamma, out);
        if (rows == 0) {
            return;
        }
        device.enter();
        DeviceWeight g = DeviceWeight.of(gamma);
        device.launch("rms_norm", LaunchGeometry.perRow(rows, 256), DeviceTensor.of(x).row(0), g.buffer, eps,
                x.cols(), DeviceTensor.of(out).row(0));
    }

    @Override
    public void matmul(Tensor x, int rows, Weight w, Tensor out) {
        Shapes.matmul(x, rows, w, out);
        if (rows == 0) {
            return;
        }
        device.enter();
        DeviceWeight m = DeviceWeight.of(w);
        boolean bf16 = m.dtype == DType.BF16;
        // a decode step's rows of a narrow product: same bits, fewer stalls (wider ones fill the GPU without)
        boolean few = bf16 && rows <= LaunchGeometry.MATVEC_ROWS && m.rows() <= LaunchGeometry.MATVEC_MAX_FEATURES;
        LaunchGeometry g = few ? LaunchGeometry.matvecBf16(m.rows())
                : bf16 ? LaunchGeometry.matmulBf16(rows, m.rows()) : LaunchGeometry.matmulF32(rows, m.rows());
        device.launch(few ? "matvec_bf16" : bf16 ? "matmul_bf16" : "matmul_f32", g, DeviceTensor.of(x).row(0), x.cols(),
                m.buffer, DeviceTensor.of(out).row(0), out.cols(), rows, m.rows(), m.cols());
    }

    @Override
    public void silu(Tensor x, int rows) {
        Shapes.elementwise("silu", rows, x);
        long n = (long) rows * x.cols();
        flat("silu_inplace", n, DeviceTensor.of(x).row(0), n);
    }

    @Override
    public void sigmoidGate(Tensor gate, Tensor y, int rows) {
        Shapes.elementwise("sigmoidGate", rows, gate, y);
        long n = (long) rows * gate.cols();
        flat("sigmoid_gate", n, DeviceTensor.of(gate).row(0), DeviceTensor.of(y).row(0), n);
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, int rows) {
        Shapes.elementwise("swiglu", rows, gate, up);
        long n = (long) rows * gate.cols();
        flat("swiglu", n, DeviceTensor.of(gate).row(0), DeviceTensor.of(up).row(0), n);
    }

    @Override
    public void residual(float alpha, Tensor h, float beta, Tensor a, int rows, Tensor out) {
        Shapes.elementwise("residual", rows, h, a, out);
        long n = (long) rows * h.cols();
        flat("residual", n, alpha, DeviceTensor.of(h).row(0), beta, DeviceTensor.of(a).row(0),
                DeviceTensor.of(out).row(0), n);
    }

    /** Sends the launches LaunchGraphs still holds to the device. */
    @Override
    public void endStep() {
        device.enter();
        device.flush();
    }

    /** residual_rms_norm: both in one launch, one block per row, with the bits of the two kernels. */
    @Override
    public void residualNorm(float alpha, Tensor h, float beta, Tensor a, int rows, Tensor out, Weight gamma,
                             float eps, Tensor normOut) {
        if (rows == 0) {
            return;
        }
        if (h.cols() != out.cols() || a.cols() != out.cols() || normOut.cols() != out.cols()) {
            Backend.super.residualNorm(alpha, h, beta, a, rows, out, gamma, eps, normOut); // rows of other widths
            return;
        }
        Shapes.elementwise("residual", rows, h, a, out);
        Shapes.rmsNorm(out, rows, gamma, normOut);
        device.enter();
        device.launch("residual_rms_norm", LaunchGeometry.perRow(rows, 256), alpha, DeviceTensor.of(h).row(0), beta,
                DeviceTensor.of(a).row(0), DeviceTensor.of(out).row(0), DeviceWeight.of(gamma).buffer, eps, out.cols(),
                DeviceTensor.of(normOut).row(0));
    }

    private void flat(String kernel, long n, Object... kernelArgs) {
        if (n == 0) {
            return;
        }
        device.enter();
        device.launch(kernel, LaunchGeometry.flat(n), kernelArgs);
    }

    @Override
    public void route(Tensor routerLogits, int rows, int k, int[] experts, float[] weights) {
        Shapes.route(routerLogits, rows, k, experts, weights);
        if (rows == 0) {
            return;
        }
        int n = rows * k;
        device.enter();
        DeviceBuffer out = routeBuffer(8L * n);
        long chosen = out.address();
        long probs = chosen + 4L * n;
        device.launch("route_top_k", new LaunchGeometry(LaunchGeometry.ceilDiv(rows, 128), 1, 128, 1),
                DeviceTensor.of(routerLogits).row(0), rows, routerLogits.cols(), k, chosen, probs);
        device.download(out, 0, Pointer.to(experts), 4L * n);
        device.download(out, 4L * n, Pointer.to(weights), 4L * n);
    }

    /**
     * Steps of at most ROUTED_MAX_PAIRS rows·k with BF16 experts (a decode step of a few
     * sequences): routing, each row's k experts and their weighted sum stay on the device, in five
     * launches and without the download route() needs. Each pair (row, slot) goes through
     * matmul_bf16_routed, whose per-token arithmetic is matmul_bf16's, swiglu as the host path
     * runs it, and moe_combine, which adds the slots in increasing expert id as the host path's
     * scatter-adds do; so the bits are those of the host path. Larger steps read each expert's
     * weights once for all its rows on the host path instead.
     */
    @Override
    public boolean routedExperts(Tensor g, int rows, Tensor routerLogits, int k, Experts experts,
                                 ExpertScratch scratch, Tensor out) {
        int pairs = rows * k;
        // k past the experts is route()'s to refuse: route_top_k would leave slots unchosen (-1),
        // and moe_combine would read past its rows for them
        if (rows <= 0 || k <= 0 || k > 32 || k > routerLogits.cols() || pairs > ROUTED_MAX_PAIRS || scratch.gate().rows() < pairs
                || scratch.up().rows() < pairs || scratch.down().rows() < pairs
                || scratch.up().cols() != scratch.gate().cols()) {
            return false;
        }
        int count = experts.gate().size();
        long[] table = new long[3 * count]; // gate [0, E), up [E, 2E), down [2E, 3E)
        List<List<Weight>> kinds = List.of(experts.gate(), experts.up(), experts.down());
        DeviceWeight gate0 = DeviceWeight.of(experts.gate().get(0));
        DeviceWeight down0 = DeviceWeight.of(experts.down().get(0));
        for (int kind = 0; kind < 3; kind++) {
            if (kinds.get(kind).size() != count) {
                throw new IllegalArgumentException("expert lists of different lengths: " + experts);
            }
            DeviceWeight shape = kind == 2 ? down0 : gate0; // up has gate's shape
            for (int e = 0; e < count; e++) {
                DeviceWeight w = DeviceWeight.of(kinds.get(kind).get(e));
                if (w.dtype != DType.BF16) {
                    return false; // matmul_f32 has no routed twin
                }
                if (w.rows() != shape.rows() || w.cols() != shape.cols()) {
                    throw new IllegalArgumentException("expert " + e + " is " + w + ", expert 0 " + shape);
                }
                table[kind * count + e] = w.buffer.address();
            }
        }
        int inter = gate0.rows();
        int hidden = gate0.cols();
        if (rows > g.rows() || rows > routerLogits.rows() || rows > out.rows() || g.cols() < hidden || scratch.gate().cols() < inter || down0.cols() != inter
                || scratch.down().cols() < down0.rows() || out.cols() < down0.rows() || routerLogits.cols() != count) {
            throw new IllegalArgumentException("routed experts of " + gate0 + " and " + down0 + " with input " + g
                    + ", router logits " + routerLogits + ", scratch " + scratch + ", output " + out);
        }
        device.enter();
        args.clear();
        int at = args.putLongs(table, table.length);
        long weights = uploadArgs() + at;
        DeviceBuffer routed = routeBuffer(8L * pairs);
        long chosen = routed.address();
        long probs = chosen + 4L * pairs;
        DeviceTensor gateOut = DeviceTensor.of(scratch.gate());
        DeviceTensor upOut = DeviceTensor.of(scratch.up());
        DeviceTensor downOut = DeviceTensor.of(scratch.down());
        long upOffset = upOut.row(0) - gateOut.row(0);
        if (upOffset % Float.BYTES != 0) {
            throw new IllegalArgumentException("gate and up scratch are not float-aligned to each other");
        }
        device.launch("route_top_k", new LaunchGeometry(LaunchGeometry.ceilDiv(rows, 128), 1, 128, 1),
                DeviceTensor.of(routerLogits).row(0), rows, count, k, chosen, probs);
        // gate and up projections of every pair in one launch
        device.launch("matmul_bf16_routed", LaunchGeometry.matmulRouted(inter, pairs, 2), DeviceTensor.of(g).row(0),
                g.cols(), k, weights, count, chosen, pairs, gateOut.row(0), gateOut.cols(), upOffset / Float.BYTES,
                inter, hidden);
        long n = (long) pairs * gateOut.cols();
        device.launch("swiglu", LaunchGeometry.flat(n), gateOut.row(0), upOut.row(0), n);
        device.launch("matmul_bf16_routed", LaunchGeometry.matmulRouted(down0.rows(), pairs, 1), gateOut.row(0),
                gateOut.cols(), 1, weights + 16L * count, count, chosen, pairs, downOut.row(0), downOut.cols(), 0L,
                down0.rows(), inter);
        device.launch("moe_combine", LaunchGeometry.perRow(rows, 256), downOut.row(0), downOut.cols(), chosen, probs,
                k, down0.rows(), DeviceTensor.of(out).row(0), out.cols());
        return true;
    }

    @Override
    public void gatherRows(Tensor src, int[] rowIndex, int count, Tensor dst) {
        Shapes.gatherRows(src, rowIndex, count, dst);
        if (count == 0) {
            return;
        }
        device.enter();
        args.clear();
        int at = args.putInts(rowIndex, count);
        long base = uploadArgs();
        device.launch("gather_rows", LaunchGeometry.perRow(count, 256), DeviceTensor.of(src).row(0), base + at,
                src.cols(), DeviceTensor.of(dst).row(0));
    }

    @Override
    public void scatterAddRows(Tensor src, int[] rowIndex, float[] scale, int count, Tensor dst) {
        Shapes.scatterAddRows(src, rowIndex, scale, count, dst);
        if (count == 0) {
            return;
        }
        device.enter();
        ScatterPlan plan = ScatterPlan.of(rowIndex, count);
        args.clear();
        int targets = args.putInts(plan.targets(), plan.targets().length);
        int start = args.putInts(plan.start(), plan.start().length);
        int order = args.putInts(plan.order(), count);
        int scales = args.putFloats(scale, count);
        long base = uploadArgs();
        device.launch("scatter_add_rows", LaunchGeometry.perRow(plan.targets().length, 256),
                DeviceTensor.of(src).row(0), base + targets, base + start, base + order, base + scales, src.cols(),
                DeviceTensor.of(dst).row(0));
    }

    @Override
    public void zero(Tensor dst, int rows) {
        Shapes.zero(dst, rows);
        device.enter();
        device.memsetD32(DeviceTensor.of(dst).buffer, 0, (long) rows * dst.cols());
    }

    // ---- attention ----

    @Override
    public void lightning(Tensor qkv, DecayTable decay, int headDim, List<SegmentTask> tasks, Tensor out) {
        Shapes.lightning(qkv, decay.heads(), headDim, tasks, out);
        device.enter();
        attention.lightning(DeviceTensor.of(qkv), decay, headDim, tasks, DeviceTensor.of(out));
    }

    @Override
    public void softmaxAttention(Tensor q, Tensor k, Tensor v, AttentionShape shape, List<SegmentTask> tasks,
                                 Tensor out) {
        Shapes.softmaxAttention(q, k, v, shape, tasks, out);
        device.enter();
        attention.softmax(DeviceTensor.of(q), DeviceTensor.of(k), DeviceTensor.of(v), shape, tasks,
                DeviceTensor.of(out));
    }

    /** λ_h^n for n = 0..block, [heads][block + 1] float32, uploaded once per table. */
    DeviceBuffer decayPowers(DecayTable decay) {
        return decayTables.computeIfAbsent(decay, d -> {
            int stride = d.block() + 1;
            float[] all = new float[d.heads() * stride];
            for (int h = 0; h < d.heads(); h++) {
                System.arraycopy(d.powers(h), 0, all, h * stride, stride);
            }
            DeviceBuffer b = device.allocate(4L * all.length);
            try {
                device.upload(b, 0, Pointer.to(all), 4L * all.length);
            } catch (RuntimeException e) {
                device.free(b);
                throw e;
            }
            return b;
        });
    }

    ArgBlock args() {
        return args;
    }

    /**
     * Queues the ArgBlock's copy to the device (ArgRing); returns the address its offsets are
     * relative to, valid for the launches queued next.
     */
    long uploadArgs() {
        return argRing.put(args.bytes(), args.size());
    }

    /**
     * The reusable device buffer attend_split writes and attend_combine reads, at least `bytes`.
     * Reuse is safe for the same reason as routeBuffer's: the two run in order on one stream.
     */
    DeviceBuffer attentionPartials(long bytes) {
        if (attentionPartials == null || attentionPartials.bytes() < bytes) {
            if (attentionPartials != null) {
                DeviceBuffer old = attentionPartials;
                attentionPartials = null;
                device.free(old);
            }
            attentionPartials = device.allocate(Math.max(bytes, 1L << 16));
        }
        return attentionPartials;
    }

    /**
     * The reusable device buffer route_top_k writes. Reuse is safe: kernels on the default stream
     * run in order, and route() downloads its results before it returns.
     */
    private DeviceBuffer routeBuffer(long bytes) {
        if (routeBuffer == null || routeBuffer.bytes() < bytes) {
            if (routeBuffer != null) {
                DeviceBuffer old = routeBuffer;
                routeBuffer = null; // an allocation that fails below must not leave the freed buffer in use
                device.free(old);
            }
            routeBuffer = device.allocate(Math.max(bytes, 1L << 12));
        }
        return routeBuffer;
    }

    /** Waits for all queued kernels (for timing; downloads wait by themselves). */
    public void synchronize() {
        device.enter();
        device.synchronize();
    }

    @Override
    public void close() {
        try {
            device.enter();
            argRing.close();
        } catch (RuntimeException e) {
            // a sticky kernel fault fails the wait; device.close() below still frees and releases
        } finally {
            device.close();
        }
    }
}
