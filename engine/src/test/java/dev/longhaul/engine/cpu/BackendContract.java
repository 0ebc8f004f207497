/*
 * The contract every Backend must meet, as one suite of tests that subclasses run against each
 * implementation: each operation agrees with a double-precision reference written here from the
 * equations, lightning attention's block form agrees with the quadratic and recurrent forms for
 * any chunking, and a row's result is bit-identical whether it is computed alone or among others.
 */
package dev.longhaul.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.Backend.AttentionShape;
import dev.longhaul.engine.backend.DecayTable;
import dev.longhaul.engine.backend.KvCache;
import dev.longhaul.engine.backend.MatrixView;
import dev.longhaul.engine.backend.SegmentTask;
import dev.longhaul.engine.backend.Tensor;
import dev.longhaul.engine.backend.Weight;
import dev.longhaul.engine.checkpoint.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

abstract class BackendContract {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Backend backend;
    private Arena arena;
    private final SplittableRandom rnd = new SplittableRandom(20261129);

    abstract Backend create();

    @BeforeEach
    void open() {
        backend = create();
        arena = Arena.ofShared();
    }

    @AfterEach
    void close() {
        backend.close();
        arena.close();
    }

    // ---------------------------------------------------------------- helpers

    private float[] gaussian(int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * scale);
        }
        return v;
    }

    /** A weight of the given dtype; returns the values it holds exactly, widened to float. */
    private Weight weight(DType dtype, int rows, int cols, float[] valuesOut) {
        long n = (long) rows * cols;
        MemorySegment seg = arena.allocate(n * dtype.bytes(), 64);
        for (int i = 0; i < n; i++) {
            float v = (float) rnd.nextGaussian();
            switch (dtype) {
                case F32 -> {
                    seg.setAtIndex(F32, i, v);
                    valuesOut[i] = v;
                }
                case BF16 -> {
                    short b = DType.floatToBf16(v);
                    seg.setAtIndex(I16, i, b);
                    valuesOut[i] = DType.bf16ToFloat(b);
                }
                case F16 -> {
                    short h = Float.floatToFloat16(v);
                    seg.setAtIndex(I16, i, h);
                    valuesOut[i] = Float.float16ToFloat(h);
                }
            }
        }
        return backend.weight(new MatrixView("w", seg, dtype, rows, cols));
    }

    private Tensor tensor(float[] values, int rows, int cols) {
        Tensor t = backend.allocate(rows, cols);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(values, r * cols, row, 0, cols);
            backend.upload(row, t, r);
        }
        return t;
    }

    private float[] read(Tensor t, int rows) {
        float[] out = new float[rows * t.cols()];
        float[] row = new float[t.cols()];
        for (int r = 0; r < rows; r++) {
            backend.download(t, r, row);
            System.arraycopy(row, 0, out, r * t.cols(), t.cols());
        }
        return out;
    }

    /** Relative L2 error, with the position of the largest difference on failure. */
    private static void assertClose(double[] want, float[] got, double tol, String what) {
        double num = 0;
        double den = 0;
        int worst = 0;
        for (int i = 0; i < want.length; i++) {
            double d = got[i] - want[i];
            num += d * d;
            den += want[i] * want[i];
            if (Math.abs(d) > Math.abs(got[worst] - want[worst])) {
                worst = i;
            }
        }
        double rel = Math.sqrt(num / Math.max(den, 1e-300));
        assertTrue(rel <= tol, what + ": relative L2 " + rel + " > " + tol + "; largest difference at " + worst
                + ": got " + got[worst] + ", want " + want[worst]);
    }

    // ---------------------------------------------------------------- matmul

    @ParameterizedTest
    @EnumSource(DType.class)
    void matmulMatchesReferenceForEveryDtypeAndEdgeShape(DType dtype) {
        int[][] shapes = {{1, 1, 1}, {1, 48, 5}, {3, 80, 7}, {9, 96, 33}, {17, 131, 6}, {64, 512, 64}};
        for (int[] s : shapes) {
            int rows = s[0];
            int k = s[1];
            int n = s[2];
            float[] wv = new float[n * k];
            Weight w = weight(dtype, n, k, wv);
            float[] xv = gaussian(rows * k, 1);
            Tensor out = backend.allocate(rows, n);
            backend.matmul(tensor(xv, rows, k), rows, w, out);
            double[] want = new double[rows * n];
            for (int t = 0; t < rows; t++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int i = 0; i < k; i++) {
                        acc += (double) xv[t * k + i] * wv[j * k + i];
                    }
                    want[t * n + j] = acc;
                }
            }
            assertClose(want, read(out, rows), 1e-5, dtype + " matmul " + rows + "x" + k + "x" + n);
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {2, 3, 4, 13, 14, 15, 16, 6, 40})
    void aRowComputesTheSameBitsAloneOrAmongOtherRows(int rows) {
        // few rows (decode, expert groups: the first row streams 8-column tiles, the rest follow
        // in groups of four whose last has 1, 2 or 3 rows) and many (prefill)
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            int k = 200;
            int n = 37;
            Weight w = weight(dtype, n, k, new float[n * k]);
            float[] xv = gaussian(rows * k, 1);
            Tensor all = backend.allocate(rows, n);
            backend.matmul(tensor(xv, rows, k), rows, w, all);
            float[] together = read(all, rows);
            for (int r = 0; r < rows; r++) {
                float[] one = new float[k];
                System.arraycopy(xv, r * k, one, 0, k);
                Tensor o = backend.allocate(1, n);
                backend.matmul(tensor(one, 1, k), 1, w, o);
                float[] alone = read(o, 1);
                for (int j = 0; j < n; j++) {
                    assertEquals(Float.floatToRawIntBits(together[r * n + j]), Float.floatToRawIntBits(alone[j]),
                            dtype + " row " + r + " of " + rows + " column " + j + " differs alone vs batched");
                }
            }
        }
    }

    /**
     * A group of products (mixed dtypes, row counts and widths, some tiny, one past the inline
     * threshold, one sharing its input) gives each the very bits matmul gives it alone.
     */
    @Test
    void aGroupOfProductsGivesEachTheBitsOfItsOwnMatmul() {
        int[][] shapes = {{1, 64, 37}, {5, 64, 8}, {1, 64, 1}, {3, 160, 515}, {16, 64, 130}, {1, 64, 6}};
        DType[] dtypes = {DType.F32, DType.BF16, DType.F32, DType.BF16, DType.F32, DType.F16};
        List<Backend.Product> group = new ArrayList<>();
        List<Tensor> alone = new ArrayList<>();
        Tensor shared = null;
        for (int i = 0; i < shapes.length; i++) {
            int rows = shapes[i][0];
            int k = shapes[i][1];
            int n = shapes[i][2];
            Weight w = weight(dtypes[i], n, k, new float[n * k]);
            // the first and last products read the same input, as qkv and the output gate do
            Tensor x = i == shapes.length - 1 ? shared : tensor(gaussian(rows * k, 1), rows, k);
            if (i == 0) {
                shared = x;
            }
            group.add(new Backend.Product(x, rows, w, backend.allocate(rows, n)));
            Tensor one = backend.allocate(rows, n);
            backend.matmul(x, rows, w, one);
            alone.add(one);
        }
        backend.matmuls(group);
        for (int i = 0; i < shapes.length; i++) {
            float[] want = read(alone.get(i), shapes[i][0]);
            float[] got = read(group.get(i).out(), shapes[i][0]);
            for (int j = 0; j < want.length; j++) {
                assertEquals(Float.floatToRawIntBits(want[j]), Float.floatToRawIntBits(got[j]),
                        "product " + i + " (" + dtypes[i] + " " + java.util.Arrays.toString(shapes[i]) + ") element " + j);
            }
        }
    }

    // ---------------------------------------------------------------- elementwise and small ops

    @Test
    void normsActivationsAndResidualMatchTheEquations() {
        int rows = 5;
        int n = 67;
        float[] xv = gaussian(rows * n, 2);
        float[] gv = gaussian(n, 1);
        Weight gamma = weight(DType.F32, 1, n, gv);
        Tensor out = backend.allocate(rows, n);
        backend.rmsNorm(tensor(xv, rows, n), rows, gamma, 1e-5f, out);
        double[] want = new double[rows * n];
        for (int t = 0; t < rows; t++) {
            double ms = 0;
            for (int i = 0; i < n; i++) {
                ms += (double) xv[t * n + i] * xv[t * n + i];
            }
            double inv = 1 / Math.sqrt(ms / n + 1e-5);
            for (int i = 0; i < n; i++) {
                want[t * n + i] = gv[i] * xv[t * n + i] * inv;
            }
        }
        assertClose(want, read(out, rows), 1e-6, "rmsNorm");

        Tensor s = tensor(xv, rows, n);
        backend.silu(s, rows);
        double[] silu = new double[rows * n];
        for (int i = 0; i < silu.length; i++) {
            silu[i] = xv[i] / (1 + Math.exp(-xv[i]));
        }
        assertClose(silu, read(s, rows), 1e-6, "silu");

        float[] yv = gaussian(rows * n, 1);
        Tensor g = tensor(xv, rows, n);
        backend.sigmoidGate(g, tensor(yv, rows, n), rows);
        double[] gate = new double[rows * n];
        for (int i = 0; i < gate.length; i++) {
            gate[i] = yv[i] / (1 + Math.exp(-xv[i]));
        }
        assertClose(gate, read(g, rows), 1e-6, "sigmoid gate");

        Tensor sw = tensor(xv, rows, n);
        backend.swiglu(sw, tensor(yv, rows, n), rows);
        double[] swiglu = new double[rows * n];
        for (int i = 0; i < swiglu.length; i++) {
            swiglu[i] = silu[i] * yv[i];
        }
        assertClose(swiglu, read(sw, rows), 1e-6, "swiglu");

        Tensor res = backend.allocate(rows, n);
        backend.residual(1.5f, tensor(xv, rows, n), -0.75f, tensor(yv, rows, n), rows, res);
        double[] r = new double[rows * n];
        for (int i = 0; i < r.length; i++) {
            r[i] = 1.5 * xv[i] - 0.75 * yv[i];
        }
        assertClose(r, read(res, rows), 1e-6, "residual");
    }

    /**
     * residualNorm has the bits of residual then rmsNorm, with the aliasing the model uses: the
     * residual into a and the norm into h, and the residual into a third tensor, the norm into h.
     */
    @Test
    void residualNormGivesTheBitsOfResidualThenRmsNorm() {
        int rows = 3;
        int n = 300;
        float[] hv = gaussian(rows * n, 1);
        float[] av = gaussian(rows * n, 3);
        Weight gamma = weight(DType.F32, 1, n, gaussian(n, 1));
        Tensor h1 = tensor(hv, rows, n);
        Tensor a1 = tensor(av, rows, n);
        backend.residual(1.3f, h1, 0.8f, a1, rows, a1);
        backend.rmsNorm(a1, rows, gamma, 1e-6f, h1);
        Tensor h2 = tensor(hv, rows, n);
        Tensor a2 = tensor(av, rows, n);
        backend.residualNorm(1.3f, h2, 0.8f, a2, rows, a2, gamma, 1e-6f, h2);
        assertArrayEquals(read(a1, rows), read(a2, rows), "the residual, into a");
        assertArrayEquals(read(h1, rows), read(h2, rows), "its norm, into h");
        Tensor x = backend.allocate(rows, n);
        Tensor h3 = tensor(hv, rows, n);
        backend.residualNorm(1.3f, h3, 0.8f, tensor(av, rows, n), rows, x, gamma, 1e-6f, h3);
        assertArrayEquals(read(a1, rows), read(x, rows), "the residual, into a third tensor");
        assertArrayEquals(read(h1, rows), read(h3, rows), "its norm, into h");
    }

    @Test
    void routingIsRenormalisedTopKWithTiesToTheLowerIndex() {
        float[] logits = {0.5f, 2f, 2f, -1f, 2f, 0f};
        int k = 2;
        int[] experts = new int[k];
        float[] weights = new float[k];
        backend.route(tensor(logits, 1, 6), 1, k, experts, weights);
        assertArrayEquals(new int[] {1, 2}, experts, "ties go to the lower index");
        assertEquals(0.5f, weights[0], 1e-6f);
        assertEquals(0.5f, weights[1], 1e-6f);

        float[] l2 = gaussian(7 * 8, 1);
        int[] e2 = new int[7 * 3];
        float[] w2 = new float[7 * 3];
        backend.route(tensor(l2, 7, 8), 7, 3, e2, w2);
        for (int t = 0; t < 7; t++) {
            double z = 0;
            for (int s = 0; s < 3; s++) {
                z += Math.exp(l2[t * 8 + e2[t * 3 + s]]);
            }
            for (int s = 0; s < 3; s++) {
                double want = Math.exp(l2[t * 8 + e2[t * 3 + s]]) / z; // softmax over the chosen logits
                assertEquals(want, w2[t * 3 + s], 1e-6, "renormalised weight, row " + t);
                if (s > 0) {
                    assertTrue(w2[t * 3 + s] <= w2[t * 3 + s - 1], "descending probability");
                }
            }
        }
    }

    @Test
    void gatherAndScatterAddMoveWholeRows() {
        float[] src = gaussian(6 * 9, 1);
        Tensor g = backend.allocate(3, 9);
        backend.gatherRows(tensor(src, 6, 9), new int[] {4, 0, 4}, 3, g);
        float[] got = read(g, 3);
        for (int c = 0; c < 9; c++) {
            assertEquals(src[4 * 9 + c], got[c]);
            assertEquals(src[c], got[9 + c]);
            assertEquals(src[4 * 9 + c], got[18 + c]);
        }
        Tensor dst = backend.allocate(6, 9);
        backend.zero(dst, 6);
        backend.scatterAddRows(g, new int[] {5, 1, 2}, new float[] {2f, 0.5f, -1f}, 3, dst);
        float[] d = read(dst, 6);
        for (int c = 0; c < 9; c++) {
            assertEquals(2f * got[c], d[5 * 9 + c], 1e-6f);
            assertEquals(0.5f * got[9 + c], d[9 + c], 1e-6f);
            assertEquals(0f, d[c]);
        }
    }

    /**
     * Every call that would reach past a tensor, an index array or the rows an index names is
     * refused before it touches memory, naming the operation (a GPU kernel would read or write
     * past its buffer, which can fail the device context, where the CPU ends in an index exception).
     */
    @Test
    void callsOutsideTheirTensorsAreRefusedNamingTheOperation() {
        Tensor a = backend.allocate(4, 8);
        Tensor b = backend.allocate(4, 8);
        Tensor narrow = backend.allocate(4, 4);
        Tensor wide = backend.allocate(4, 16);
        float[] unused = new float[64];
        Weight w = weight(DType.F32, 8, 8, unused);
        Weight table = weight(DType.F32, 5, 8, unused);
        Weight gamma = weight(DType.F32, 1, 8, unused);
        java.util.function.BiConsumer<String, Runnable> refused = (name, call) -> {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, call::run, name);
            assertTrue(e.getMessage().startsWith(name + ":"), name + ": " + e.getMessage());
        };
        refused.accept("upload", () -> backend.upload(new float[8], a, 5));
        refused.accept("download", () -> backend.download(a, 4, new float[8]));
        refused.accept("download", () -> backend.download(a, 0, new float[7]));
        refused.accept("copy", () -> backend.copy(wide, a));
        refused.accept("embed", () -> backend.embed(table, new int[] {0, 5}, 2, a));
        refused.accept("embed", () -> backend.embed(table, new int[] {0, 1, 2, 3, 4}, 5, a));
        refused.accept("rmsNorm", () -> backend.rmsNorm(a, 5, gamma, 1e-6f, b));
        refused.accept("rmsNorm", () -> backend.rmsNorm(wide, 2, gamma, 1e-6f, wide));
        refused.accept("matmul", () -> backend.matmul(a, 5, w, b));
        refused.accept("matmul", () -> backend.matmul(a, 2, w, narrow));
        refused.accept("matmul", () -> backend.matmuls(List.of(new Backend.Product(a, 1, w, b), new Backend.Product(narrow, 1, w, b))));
        refused.accept("silu", () -> backend.silu(a, 5));
        refused.accept("sigmoidGate", () -> backend.sigmoidGate(a, narrow, 3));
        refused.accept("swiglu", () -> backend.swiglu(wide, a, 3));
        refused.accept("residual", () -> backend.residual(1f, a, 1f, narrow, 4, b));
        refused.accept("residual", () -> backend.residualNorm(1f, a, 1f, b, 5, a, gamma, 1e-6f, b));
        refused.accept("route", () -> backend.route(a, 2, 9, new int[18], new float[18]));
        refused.accept("route", () -> backend.route(a, 2, 2, new int[3], new float[4]));
        refused.accept("gatherRows", () -> backend.gatherRows(a, new int[] {0, 4}, 2, b));
        refused.accept("gatherRows", () -> backend.gatherRows(a, new int[] {0}, 2, b));
        refused.accept("gatherRows", () -> backend.gatherRows(wide, new int[] {0, 1, 2}, 3, a));
        refused.accept("scatterAddRows", () -> backend.scatterAddRows(a, new int[] {-1}, new float[] {1f}, 1, b));
        refused.accept("scatterAddRows", () -> backend.scatterAddRows(wide, new int[] {2}, new float[] {1f}, 1, a));
        refused.accept("scatterAddRows", () -> backend.scatterAddRows(a, new int[] {0, 1}, new float[] {1f}, 2, b));
        refused.accept("zero", () -> backend.zero(a, 5));
        refused.accept("lightning", () -> backend.lightning(a, new DecayTable(new double[] {0.5}, 4), 2,
                List.of(SegmentTask.lightning(3, 2, 0, backend.allocate(1, 4))), b));
        refused.accept("softmaxAttention", () -> backend.softmaxAttention(a, a, a, new AttentionShape(1, 1, 8, 8, 10000),
                List.of(SegmentTask.attention(0, 5, 0, backend.newKvCache(1, 8))), b));
        refused.accept("rmsNorm", () -> backend.rmsNorm(a, 1, weight(DType.F32, 2, 8, unused), 1e-6f, b));
        DecayTable oneHead = new DecayTable(new double[] {0.5}, 4);
        refused.accept("lightning", () -> backend.lightning(a, oneHead, 4, // q, k and v of D = 4 need 12 columns
                List.of(SegmentTask.lightning(0, 1, 0, backend.allocate(4, 4))), b));
        refused.accept("lightning", () -> backend.lightning(a, oneHead, 2, List.of(SegmentTask.lightning(0, 1, 0, backend.allocate(1, 1))), b));
        refused.accept("lightning", () -> backend.lightning(a, oneHead, 2, List.of(SegmentTask.lightning(0, 1, 0, backend.allocate(3, 2))),
                backend.allocate(4, 1))); // an output of 1 column for a head of 2
        KvCache cache = backend.newKvCache(1, 8);
        Tensor oneRow = backend.allocate(1, 8);
        refused.accept("softmaxAttention", () -> backend.softmaxAttention(a, oneRow, a, new AttentionShape(1, 1, 8, 8, 10000),
                List.of(SegmentTask.attention(0, 2, 0, cache)), b));
        assertEquals(0, cache.length(), "refused before the cache grew");
        refused.accept("softmaxAttention", () -> backend.softmaxAttention(a, a, a, new AttentionShape(1, 1, 8, 8, 10000),
                List.of(SegmentTask.attention(0, 1, 0, backend.newKvCache(2, 4))), b));
        refused.accept("softmaxAttention", () -> backend.softmaxAttention(a, narrow, narrow, new AttentionShape(2, 2, 4, 4, 10000),
                List.of(SegmentTask.attention(0, 1, 0, backend.newKvCache(2, 4))), b));
        backend.matmul(a, 4, w, b); // and within bounds the same tensors serve
        backend.softmaxAttention(a, a, a, new AttentionShape(1, 1, 8, 8, 10000), List.of(SegmentTask.attention(0, 2, 0, cache)), b);
        assertEquals(2, cache.length());
    }

    // ---------------------------------------------------------------- attention

    /** Quadratic form (a): o_t = Σ_{u ≤ t} λ^(t−u) (q_t·k_u) v_u, per head, in double. */
    private static double[] quadraticLightning(float[] p, int rows, int heads, int d, double[] slopes) {
        double[] o = new double[rows * heads * d];
        for (int h = 0; h < heads; h++) {
            for (int t = 0; t < rows; t++) {
                for (int u = 0; u <= t; u++) {
                    double dot = 0;
                    for (int a = 0; a < d; a++) {
                        dot += (double) p[t * 3 * heads * d + 3 * d * h + a] * p[u * 3 * heads * d + 3 * d * h + d + a];
                    }
                    double c = Math.exp(-slopes[h] * (t - u)) * dot;
                    for (int e = 0; e < d; e++) {
                        o[t * heads * d + h * d + e] += c * p[u * 3 * heads * d + 3 * d * h + 2 * d + e];
                    }
                }
            }
        }
        return o;
    }

    /** d = 20: a head size that is no multiple of a vector backend's lane count (its scalar kernels, on its pool). */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {32, 20})
    void lightningBlockAndRecurrentFormsMatchTheQuadraticFormForAnyChunking(int d) {
        int heads = 3;
        int rows = 75;
        double[] slopes = {0.9, 0.05, 3e-6};
        DecayTable decay = new DecayTable(slopes, 16);
        float[] p = gaussian(rows * 3 * heads * d, 0.3);
        double[] want = quadraticLightning(p, rows, heads, d, slopes);
        Tensor qkv = tensor(p, rows, 3 * heads * d);
        int[] ones = new int[rows];
        java.util.Arrays.fill(ones, 1);
        int[][] chunkings = {{75}, {1, 74}, {16, 16, 16, 27}, {5, 1, 1, 40, 28}, {37, 1, 37}, ones};
        // states as SequenceState makes them, with room after the heads' blocks for a backend to
        // keep slow heads scaled (Backend.lightning), and without it
        for (int stateRows : new int[] {heads * d, heads * d + Math.ceilDiv(heads, d)}) {
            for (int[] plan : chunkings) {
                Tensor state = backend.allocate(stateRows, d);
                Tensor out = backend.allocate(rows, heads * d);
                int row0 = 0;
                for (int len : plan) {
                    backend.lightning(qkv, decay, d, List.of(SegmentTask.lightning(row0, len, row0, state)), out);
                    row0 += len;
                }
                assertClose(want, read(out, rows), 2e-5, "lightning chunking " + java.util.Arrays.toString(plan)
                        + " with a state of " + stateRows + " rows");
            }
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {32, 20})
    void softmaxAttentionMatchesTheReferenceAcrossChunksAndForks(int d) {
        int heads = 4;
        int kvHeads = 2;
        int rows = 40;
        AttentionShape shape = new AttentionShape(heads, kvHeads, d, 16, 10000.0);
        float[] q = gaussian(rows * heads * d, 1);
        float[] k = gaussian(rows * kvHeads * d, 1);
        float[] v = gaussian(rows * kvHeads * d, 1);
        double[] want = referenceAttention(q, k, v, rows, shape);
        // chunks of 25 then 15 rows; the second chunk runs on a fork taken after the first
        KvCache cache = backend.newKvCache(kvHeads, d);
        Tensor qt = tensor(q, rows, heads * d);
        Tensor kt = tensor(k, rows, kvHeads * d);
        Tensor vt = tensor(v, rows, kvHeads * d);
        Tensor out = backend.allocate(rows, heads * d);
        backend.softmaxAttention(qt, kt, vt, shape, List.of(SegmentTask.attention(0, 25, 0, cache)), out);
        KvCache fork = cache.fork();
        backend.softmaxAttention(qt, kt, vt, shape, List.of(SegmentTask.attention(25, 15, 25, fork)), out);
        assertEquals(25, cache.length(), "the original cache is untouched by its fork");
        assertEquals(40, fork.length());
        assertClose(want, read(out, rows), 1e-5, "softmax attention");
    }

    /** One token at a time past 4096 positions: every scratch size a long decode grows through. */
    @Test
    void softmaxAttentionDecodesOneTokenAtATimeToLongPositions() {
        int heads = 2;
        int kvHeads = 1;
        int d = 64;
        int steps = 4096 + 128;
        AttentionShape shape = new AttentionShape(heads, kvHeads, d, 32, 10000.0);
        float[] q = gaussian(steps * heads * d, 2);
        float[] k = gaussian(steps * kvHeads * d, 3);
        float[] v = gaussian(steps * kvHeads * d, 4);
        KvCache cache = backend.newKvCache(kvHeads, d);
        Tensor qt = backend.allocate(1, heads * d);
        Tensor kt = backend.allocate(1, kvHeads * d);
        Tensor vt = backend.allocate(1, kvHeads * d);
        Tensor out = backend.allocate(1, heads * d);
        for (int p = 0; p < steps; p++) {
            backend.upload(java.util.Arrays.copyOfRange(q, p * heads * d, (p + 1) * heads * d), qt, 0);
            backend.upload(java.util.Arrays.copyOfRange(k, p * kvHeads * d, (p + 1) * kvHeads * d), kt, 0);
            backend.upload(java.util.Arrays.copyOfRange(v, p * kvHeads * d, (p + 1) * kvHeads * d), vt, 0);
            backend.softmaxAttention(qt, kt, vt, shape, List.of(SegmentTask.attention(0, 1, p, cache)), out);
        }
        assertEquals(steps, cache.length());
        // the last position's output against the reference computed for that row alone
        int last = steps - 1;
        double[] qr = rotate(q, last * heads * d, heads, last, shape);
        double[] want = new double[heads * d];
        for (int h = 0; h < heads; h++) {
            int g = h / (heads / kvHeads);
            double[] sc = new double[steps];
            double max = Double.NEGATIVE_INFINITY;
            for (int u = 0; u < steps; u++) {
                double[] kr = rotate(k, u * kvHeads * d, kvHeads, u, shape);
                double dot = 0;
                for (int a = 0; a < d; a++) {
                    dot += qr[h * d + a] * kr[g * d + a];
                }
                sc[u] = dot / Math.sqrt(d);
                max = Math.max(max, sc[u]);
            }
            double z = 0;
            for (int u = 0; u < steps; u++) {
                sc[u] = Math.exp(sc[u] - max);
                z += sc[u];
            }
            for (int u = 0; u < steps; u++) {
                for (int a = 0; a < d; a++) {
                    want[h * d + a] += sc[u] / z * v[u * kvHeads * d + g * d + a];
                }
            }
        }
        assertClose(want, read(out, 1), 1e-4, "attention at position " + last);
    }

    private static double[] referenceAttention(float[] q, float[] k, float[] v, int rows, AttentionShape s) {
        int d = s.headDim();
        double[][] kr = new double[rows][];
        List<double[]> qr = new ArrayList<>();
        for (int t = 0; t < rows; t++) {
            kr[t] = rotate(k, t * s.kvHeads() * d, s.kvHeads(), t, s);
            qr.add(rotate(q, t * s.heads() * d, s.heads(), t, s));
        }
        double[] o = new double[rows * s.heads() * d];
        for (int t = 0; t < rows; t++) {
            for (int h = 0; h < s.heads(); h++) {
                int g = h / (s.heads() / s.kvHeads());
                double[] sc = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int u = 0; u <= t; u++) {
                    double dot = 0;
                    for (int a = 0; a < d; a++) {
                        dot += qr.get(t)[h * d + a] * kr[u][g * d + a];
                    }
                    sc[u] = dot / Math.sqrt(d);
                    max = Math.max(max, sc[u]);
                }
                double z = 0;
                for (int u = 0; u <= t; u++) {
                    sc[u] = Math.exp(sc[u] - max);
                    z += sc[u];
                }
                for (int u = 0; u <= t; u++) {
                    for (int a = 0; a < d; a++) {
                        o[t * s.heads() * d + h * d + a] += sc[u] / z * v[u * s.kvHeads() * d + g * d + a];
                    }
                }
            }
        }
        return o;
    }

    /** Rotate-half RoPE over the first rotaryDim dims of each head, pairs (j, j + r/2). */
    private static double[] rotate(float[] x, int off, int heads, int pos, AttentionShape s) {
        int d = s.headDim();
        int half = s.rotaryDim() / 2;
        double[] r = new double[heads * d];
        for (int h = 0; h < heads; h++) {
            for (int a = 0; a < d; a++) {
                r[h * d + a] = x[off + h * d + a];
            }
            for (int j = 0; j < half; j++) {
                double phi = pos * Math.pow(s.ropeTheta(), -2.0 * j / s.rotaryDim());
                double a = x[off + h * d + j];
                double b = x[off + h * d + j + half];
                r[h * d + j] = a * Math.cos(phi) - b * Math.sin(phi);
                r[h * d + j + half] = b * Math.cos(phi) + a * Math.sin(phi);
            }
        }
        return r;
    }
}
