/*
 * out[t][j] = Σ_i x[t][i]·w[j][i] with the Vector API, reading F32 or BF16 weights in place from
 * the mapped checkpoint. Each output element has its own accumulator vector fed in ascending i,
 * then a fixed-order lane sum, then the scalar tail: the same operations whatever tile the element
 * falls in, so a row's result does not depend on how many rows share the call. Tiles are 4 rows x
 * 4 columns (16 accumulators; each weight vector loaded once serves 4 rows) with 1-row and
 * 1-column edges. Columns are spread over the worker pool.
 */
package dev.longhaul.engine.cpu;

import static dev.longhaul.engine.cpu.VectorMath.F;
import static dev.longhaul.engine.cpu.VectorMath.L;
import static dev.longhaul.engine.cpu.VectorMath.LE;
import static dev.longhaul.engine.cpu.VectorMath.S;
import static dev.longhaul.engine.cpu.VectorMath.bf16;
import static dev.longhaul.engine.cpu.VectorMath.sum;
import static dev.longhaul.engine.cpu.VectorMath.sum4;

import dev.longhaul.engine.checkpoint.DType;
import dev.longhaul.engine.backend.Backend;
import java.lang.foreign.MemorySegment;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;

final class VectorMatmul {
    private static final long INLINE_WORK = 1L << 16;
    /** Up to this many rows, loop over weight tiles outermost (weights once, rows from L1). */
    private static final int FEW_ROWS = 16;

    private VectorMatmul() {
    }

    /**
     * Independent products in one parallel region (one product: a plain matmul): their 4-column
     * groups are numbered one after another and handed out together, so a decode step's small
     * products cost one dispatch instead of one each. Every column is computed by the same code,
     * over the same 4-column group, whatever else shares the region, so each product's results are
     * those it gets alone.
     */
    static void matmuls(WorkerPool pool, List<Backend.Product> products) {
        int count = products.size();
        int[] start = new int[count + 1]; // first group of each product
        int grain = Integer.MAX_VALUE;
        long work = 0;
        for (int i = 0; i < count; i++) {
            Backend.Product p = products.get(i);
            start[i + 1] = start[i] + (p.w().rows() + 3) / 4;
            grain = Math.min(grain, grain(p.rows()));
            work += (long) p.rows() * p.w().rows() * p.w().cols();
        }
        int groups = start[count];
        // below ~64K multiply-adds a dispatch to other threads costs more than it saves
        if (work < INLINE_WORK) {
            grain = groups;
        }
        pool.forEach(groups, grain, (worker, from, to) -> {
            float[] tmp = new float[17 * L]; // 16 accumulators, then lane-sum scratch
            int i = java.util.Arrays.binarySearch(start, from);
            i = i >= 0 ? i : -i - 2; // the product whose groups contain `from`
            int g = from;
            while (g < to) {
                while (start[i + 1] <= g) {
                    i++;
                }
                Backend.Product p = products.get(i);
                HostTensor in = HostTensor.of(p.x());
                HostTensor o = HostTensor.of(p.out());
                HostWeight w = HostWeight.of(p.w());
                int last = Math.min(to, start[i + 1]);
                columns(in.data, in.cols(), p.rows(), w, (g - start[i]) * 4, Math.min(w.rows(), (last - start[i]) * 4),
                        o.data, o.cols(), tmp);
                g = last;
            }
        });
    }

    /**
     * The smallest chunk, in 4-column groups, the pool's guided schedule may hand out: 64 columns
     * (128 KB of f32 weights at k = 512) for a matvec, fewer with more rows per column, so the
     * last chunks of a region are short and both threads finish together.
     */
    private static int grain(int rows) {
        return Math.max(1, Math.min(16, 1024 / Math.max(1, rows * 16)));
    }

    private static void columns(float[] x, int xCols, int rows, HostWeight w, int j0, int j1, float[] out, int outCols, float[] tmp) {
        if (w.dtype == DType.BF16) {
            columnsBf16(x, xCols, rows, w.data, w.cols(), j0, j1, out, outCols, tmp);
        } else {
            columnsF32(x, xCols, rows, w.data, w.cols(), j0, j1, out, outCols, tmp);
        }
    }

    // ---------------------------------------------------------------- F32 weights

    private static void columnsF32(float[] x, int xs, int rows, MemorySegment w, int k, int j0, int j1, float[] out, int os, float[] tmp) {
        int t = 0;
        if (rows > 1 && rows <= FEW_ROWS) {
            // a few rows (batched decode, small expert groups): each weight tile is read from
            // memory once and reused from L1 for the other rows
            int j = j0;
            for (; j + 8 <= j1; j += 8) {
                // the first row streams an 8-column tile from memory (eight streams in flight, as
                // for a lone row); the other rows reuse it from L1 in groups of four
                tile1x8F32(x, 0, w, k, j, out, 0, tmp);
                for (int g = 1; g < rows; g += 4) {
                    switch (rows - g) {
                        case 1 -> tile1x8F32(x, g * xs, w, k, j, out, g * os, tmp);
                        case 2 -> {
                            tile2x4F32(x, xs, g, w, k, j, out, os, tmp);
                            tile2x4F32(x, xs, g, w, k, j + 4, out, os, tmp);
                        }
                        default -> {
                            tile4x4F32(x, xs, g, rows, w, k, j, out, os, tmp);
                            tile4x4F32(x, xs, g, rows, w, k, j + 4, out, os, tmp);
                        }
                    }
                }
            }
            for (; j + 4 <= j1; j += 4) {
                for (int g = 0; g < rows; g += 4) {
                    // a last group of one or two rows is not padded to four (an expert's rows: often 1-6)
                    switch (rows - g) {
                        case 1 -> tile1x4F32(x, g * xs, w, k, j, out, g * os, tmp);
                        case 2 -> tile2x4F32(x, xs, g, w, k, j, out, os, tmp);
                        default -> tile4x4F32(x, xs, g, rows, w, k, j, out, os, tmp);
                    }
                }
            }
            for (; j < j1; j++) {
                for (int r = 0; r < rows; r++) {
                    out[r * os + j] = dotF32(x, r * xs, w, (long) j * k * 4, k, tmp);
                }
            }
            return;
        }
        // more rows go four at a time, a short last group reusing its last row: each weight is
        // streamed once per four rows, and a padded row's results are simply not stored
        for (; rows > 1 && t < rows; t += 4) {
            int j = j0;
            for (; j + 4 <= j1; j += 4) {
                tile4x4F32(x, xs, t, rows, w, k, j, out, os, tmp);
            }
            for (; j < j1; j++) {
                for (int r = t; r < Math.min(rows, t + 4); r++) {
                    out[r * os + j] = dotF32(x, r * xs, w, (long) j * k * 4, k, tmp);
                }
            }
        }
        for (; t < rows; t++) {
            int j = j0;
            for (; j + 8 <= j1; j += 8) {
                tile1x8F32(x, t * xs, w, k, j, out, t * os, tmp);
            }
            for (; j + 4 <= j1; j += 4) {
                tile1x4F32(x, t * xs, w, k, j, out, t * os, tmp);
            }
            for (; j < j1; j++) {
                out[t * os + j] = dotF32(x, t * xs, w, (long) j * k * 4, k, tmp);
            }
        }
    }

    private static float dotF32(float[] x, int xo, MemorySegment w, long wo, int k, float[] tmp) {
        FloatVector acc = FloatVector.zero(F);
        int kv = k - k % L;
        for (int i = 0; i < kv; i += L) {
            acc = FloatVector.fromArray(F, x, xo + i).fma(FloatVector.fromMemorySegment(F, w, wo + 4L * i, LE), acc);
        }
        return finish(sum(acc, tmp), x, xo, w, wo, kv, k);
    }

    private static void tile1x4F32(float[] x, int xo, MemorySegment w, int k, int j, float[] out, int oo, float[] tmp) {
        long rb = 4L * k;
        long w0 = j * rb;
        long w1 = w0 + rb;
        long w2 = w1 + rb;
        long w3 = w2 + rb;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int kv = k - k % L;
        for (int i = 0; i < kv; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            long bi = 4L * i;
            a0 = xv.fma(FloatVector.fromMemorySegment(F, w, w0 + bi, LE), a0);
            a1 = xv.fma(FloatVector.fromMemorySegment(F, w, w1 + bi, LE), a1);
            a2 = xv.fma(FloatVector.fromMemorySegment(F, w, w2 + bi, LE), a2);
            a3 = xv.fma(FloatVector.fromMemorySegment(F, w, w3 + bi, LE), a3);
        }
        a0.intoArray(tmp, 0);
        a1.intoArray(tmp, L);
        a2.intoArray(tmp, 2 * L);
        a3.intoArray(tmp, 3 * L);
        sum4(tmp, 0, tmp, out, oo + j);
        tailF32(out, oo + j, x, xo, w, w0, rb, kv, k);
    }

    /** One row by eight columns: twice tile1x4's work per pass, with eight weight streams in flight. */
    private static void tile1x8F32(float[] x, int xo, MemorySegment w, int k, int j, float[] out, int oo, float[] tmp) {
        long rb = 4L * k;
        long w0 = j * rb;
        long w1 = w0 + rb;
        long w2 = w1 + rb;
        long w3 = w2 + rb;
        long w4 = w3 + rb;
        long w5 = w4 + rb;
        long w6 = w5 + rb;
        long w7 = w6 + rb;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int kv = k - k % L;
        for (int i = 0; i < kv; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            long bi = 4L * i;
            a0 = xv.fma(FloatVector.fromMemorySegment(F, w, w0 + bi, LE), a0);
            a1 = xv.fma(FloatVector.fromMemorySegment(F, w, w1 + bi, LE), a1);
            a2 = xv.fma(FloatVector.fromMemorySegment(F, w, w2 + bi, LE), a2);
            a3 = xv.fma(FloatVector.fromMemorySegment(F, w, w3 + bi, LE), a3);
            a4 = xv.fma(FloatVector.fromMemorySegment(F, w, w4 + bi, LE), a4);
            a5 = xv.fma(FloatVector.fromMemorySegment(F, w, w5 + bi, LE), a5);
            a6 = xv.fma(FloatVector.fromMemorySegment(F, w, w6 + bi, LE), a6);
            a7 = xv.fma(FloatVector.fromMemorySegment(F, w, w7 + bi, LE), a7);
        }
        a0.intoArray(tmp, 0);
        a1.intoArray(tmp, L);
        a2.intoArray(tmp, 2 * L);
        a3.intoArray(tmp, 3 * L);
        a4.intoArray(tmp, 4 * L);
        a5.intoArray(tmp, 5 * L);
        a6.intoArray(tmp, 6 * L);
        a7.intoArray(tmp, 7 * L);
        sum4(tmp, 0, tmp, out, oo + j);
        sum4(tmp, 4 * L, tmp, out, oo + j + 4);
        tailF32(out, oo + j, x, xo, w, w0, rb, kv, k);
        tailF32(out, oo + j + 4, x, xo, w, w0 + 4 * rb, rb, kv, k);
    }

    /** Two rows (t, t + 1) by four columns: 8 accumulators, each weight vector serving both rows. */
    private static void tile2x4F32(float[] x, int xs, int t, MemorySegment w, int k, int j, float[] out, int os, float[] tmp) {
        long rb = 4L * k;
        long w0 = j * rb;
        long w1 = w0 + rb;
        long w2 = w1 + rb;
        long w3 = w2 + rb;
        int x0 = t * xs;
        int x1 = x0 + xs;
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        int kv = k - k % L;
        for (int i = 0; i < kv; i += L) {
            long bi = 4L * i;
            FloatVector v0 = FloatVector.fromMemorySegment(F, w, w0 + bi, LE);
            FloatVector v1 = FloatVector.fromMemorySegment(F, w, w1 + bi, LE);
            FloatVector v2 = FloatVector.fromMemorySegment(F, w, w2 + bi, LE);
            FloatVector v3 = FloatVector.fromMemorySegment(F, w, w3 + bi, LE);
            FloatVector xv = FloatVector.fromArray(F, x, x0 + i);
            a00 = xv.fma(v0, a00);
            a01 = xv.fma(v1, a01);
            a02 = xv.fma(v2, a02);
            a03 = xv.fma(v3, a03);
            xv = FloatVector.fromArray(F, x, x1 + i);
            a10 = xv.fma(v0, a10);
            a11 = xv.fma(v1, a11);
            a12 = xv.fma(v2, a12);
            a13 = xv.fma(v3, a13);
        }
        a00.intoArray(tmp, 0);
        a01.intoArray(tmp, L);
        a02.intoArray(tmp, 2 * L);
        a03.intoArray(tmp, 3 * L);
        a10.intoArray(tmp, 4 * L);
        a11.intoArray(tmp, 5 * L);
        a12.intoArray(tmp, 6 * L);
        a13.intoArray(tmp, 7 * L);
        sum4(tmp, 0, tmp, out, t * os + j);
        sum4(tmp, 4 * L, tmp, out, (t + 1) * os + j);
        tailF32(out, t * os + j, x, x0, w, w0, rb, kv, k);
        tailF32(out, (t + 1) * os + j, x, x1, w, w0, rb, kv, k);
    }

    private static void tile4x4F32(float[] x, int xs, int t, int rows, MemorySegment w, int k, int j, float[] out, int os, float[] tmp) {
        long rb = 4L * k;
        long w0 = j * rb;
        long w1 = w0 + rb;
        long w2 = w1 + rb;
        long w3 = w2 + rb;
        int last = rows - 1;
        int x0 = t * xs;
        int x1 = Math.min(t + 1, last) * xs;
        int x2 = Math.min(t + 2, last) * xs;
        int x3 = Math.min(t + 3, last) * xs;
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        int kv = k - k % L;
        for (int i = 0; i < kv; i += L) {
            long bi = 4L * i;
            FloatVector v0 = FloatVector.fromMemorySegment(F, w, w0 + bi, LE);
            FloatVector v1 = FloatVector.fromMemorySegment(F, w, w1 + bi, LE);
            FloatVector v2 = FloatVector.fromMemorySegment(F, w, w2 + bi, LE);
            FloatVector v3 = FloatVector.fromMemorySegment(F, w, w3 + bi, LE);
            FloatVector xv = FloatVector.fromArray(F, x, x0 + i);
            a00 = xv.fma(v0, a00);
            a01 = xv.fma(v1, a01);
            a02 = xv.fma(v2, a02);
            a03 = xv.fma(v3, a03);
            xv = FloatVector.fromArray(F, x, x1 + i);
            a10 = xv.fma(v0, a10);
            a11 = xv.fma(v1, a11);
            a12 = xv.fma(v2, a12);
            a13 = xv.fma(v3, a13);
            xv = FloatVector.fromArray(F, x, x2 + i);
            a20 = xv.fma(v0, a20);
            a21 = xv.fma(v1, a21);
            a22 = xv.fma(v2, a22);
            a23 = xv.fma(v3, a23);
            xv = FloatVector.fromArray(F, x, x3 + i);
            a30 = xv.fma(v0, a30);
            a31 = xv.fma(v1, a31);
            a32 = xv.fma(v2, a32);
            a33 = xv.fma(v3, a33);
        }
        a00.intoArray(tmp, 0);
        a01.intoArray(tmp, L);
        a02.intoArray(tmp, 2 * L);
        a03.intoArray(tmp, 3 * L);
        a10.intoArray(tmp, 4 * L);
        a11.intoArray(tmp, 5 * L);
        a12.intoArray(tmp, 6 * L);
        a13.intoArray(tmp, 7 * L);
        a20.intoArray(tmp, 8 * L);
        a21.intoArray(tmp, 9 * L);
        a22.intoArray(tmp, 10 * L);
        a23.intoArray(tmp, 11 * L);
        a30.intoArray(tmp, 12 * L);
        a31.intoArray(tmp, 13 * L);
        a32.intoArray(tmp, 14 * L);
        a33.intoArray(tmp, 15 * L);
        int valid = Math.min(4, rows - t);
        for (int r = 0; r < valid; r++) {
            sum4(tmp, 4 * r * L, tmp, out, (t + r) * os + j);
        }
        tailF32(out, t * os + j, x, x0, w, w0, rb, kv, k);
        if (valid > 1) {
            tailF32(out, (t + 1) * os + j, x, x1, w, w0, rb, kv, k);
        }
        if (valid > 2) {
            tailF32(out, (t + 2) * os + j, x, x2, w, w0, rb, kv, k);
        }
        if (valid > 3) {
            tailF32(out, (t + 3) * os + j, x, x3, w, w0, rb, kv, k);
        }
    }

    /** Adds the scalar tails i in [kv, k) of four adjacent F32 dot products. */
    private static void tailF32(float[] out, int o, float[] x, int xo, MemorySegment w, long w0, long rb, int kv, int k) {
        if (kv == k) {
            return;
        }
        for (int c = 0; c < 4; c++) {
            out[o + c] = finish(out[o + c], x, xo, w, w0 + c * rb, kv, k);
        }
    }

    /** Adds the scalar tail i in [kv, k) of one F32 dot product. */
    private static float finish(float s, float[] x, int xo, MemorySegment w, long wo, int kv, int k) {
        for (int i = kv; i < k; i++) {
            s += x[xo + i] * w.get(HostWeight.F32, wo + 4L * i);
        }
        return s;
    }

    // ---------------------------------------------------------------- BF16 weights

    private static void columnsBf16(float[] x, int xs, int rows, MemorySegment w, int k, int j0, int j1, float[] out, int os, float[] tmp) {
        int t = 0;
        if (rows > 1 && rows <= FEW_ROWS) {
            // a few rows (batched decode, small expert groups): each weight tile is read from
            // memory once and reused from L1 for the other rows
            int j = j0;
            for (; j + 8 <= j1; j += 8) {
                // the first row streams an 8-column tile from memory (eight streams in flight, as
                // for a lone row); the other rows reuse it from L1 in groups of four
                tile1x8Bf16(x, 0, w, k, j, out, 0, tmp);
                for (int g = 1; g < rows; g += 4) {
                    switch (rows - g) {
                        case 1 -> tile1x8Bf16(x, g * xs, w, k, j, out, g * os, tmp);
                        case 2 -> {
                            tile2x4Bf16(x, xs, g, w, k, j, out, os, tmp);
                            tile2x4Bf16(x, xs, g, w, k, j + 4, out, os, tmp);
                        }
                        default -> {
                            tile4x4Bf16(x, xs, g, rows, w, k, j, out, os, tmp);
                            tile4x4Bf16(x, xs, g, rows, w, k, j + 4, out, os, tmp);
                        }
                    }
                }
            }
            for (; j + 4 <= j1; j += 4) {
                for (int g = 0; g < rows; g += 4) {
                    // a last group of one or two rows is not padded to four (an expert's rows: often 1-6)
                    switch (rows - g) {
                        case 1 -> tile1x4Bf16(x, g * xs, w, k, j, out, g * os, tmp);
                        case 2 -> tile2x4Bf16(x, xs, g, w, k, j, out, os, tmp);
                        default -> tile4x4Bf16(x, xs, g, rows, w, k, j, out, os, tmp);
                    }
                }
            }
            for (; j < j1; j++) {
                for (int r = 0; r < rows; r++) {
                    out[r * os + j] = dotBf16(x, r * xs, w, (long) j * k * 2, k, tmp);
                }
            }
            return;
        }
        // more rows go four at a time, a short last group reusing its last row: each weight is
        // streamed once per four rows, and a padded row's results are simply not stored
        for (; rows > 1 && t < rows; t += 4) {
            int j = j0;
            for (; j + 4 <= j1; j += 4) {
                tile4x4Bf16(x, xs, t, rows, w, k, j, out, os, tmp);
            }
            for (; j < j1; j++) {
                for (int r = t; r < Math.min(rows, t + 4); r++) {
                    out[r * os + j] = dotBf16(x, r * xs, w, (long) j * k * 2, k, tmp);
                }
            }
        }
        for (; t < rows; t++) {
            int j = j0;
            for (; j + 8 <= j1; j += 8) {
                tile1x8Bf16(x, t * xs, w, k, j, out, t * os, tmp);
            }
            for (; j + 4 <= j1; j += 4) {
                tile1x4Bf16(x, t * xs, w, k, j, out, t * os, tmp);
            }
            for (; j < j1; j++) {
                out[t * os + j] = dotBf16(x, t * xs, w, (long) j * k * 2, k, tmp);
            }
        }
    }

    private static FloatVector loadBf16(MemorySegment w, long byteOffset) {
        return bf16(ShortVector.fromMemorySegment(S, w, byteOffset, LE));
    }

    private static float dotBf16(float[] x, int xo, MemorySegment w, long wo, int k, float[] tmp) {
        FloatVector acc = FloatVector.zero(F);
        int kv = k - k % L;
        for (int i = 0; i < kv; i += L) {
            acc = FloatVector.fromArray(F, x, xo + i).fma(loadBf16(w, wo + 2L * i), acc);
        }
        return finishBf16(sum(acc, tmp), x, xo, w, wo, kv, k);
    }

    private static void tile1x4Bf16(float[] x, int xo, MemorySegment w, int k, int j, float[] out, int oo, float[] tmp) {
        long rb = 2L * k;
        long w0 = j * rb;
        long w1 = w0 + rb;
        long w2 = w1 + rb;
        long w3 = w2 + rb;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int kv = k - k % L;
        for (int i = 0; i < kv; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            long bi = 2L * i;
            a0 = xv.fma(loadBf16(w, w0 + bi), a0);
            a1 = xv.fma(loadBf16(w, w1 + bi), a1);
            a2 = xv.fma(loadBf16(w, w2 + bi), a2);
            a3 = xv.fma(loadBf16(w, w3 + bi), a3);
        }
        a0.intoArray(tmp, 0);
        a1.intoArray(tmp, L);
        a2.intoArray(tmp, 2 * L);
        a3.intoArray(tmp, 3 * L);
        sum4(tmp, 0, tmp, out, oo + j);
        tailBf16(out, oo + j, x, xo, w, w0, rb, kv, k);
    }

    /** One row by eight columns: twice tile1x4's work per pass, with eight weight streams in flight. */
    private static void tile1x8Bf16(float[] x, int xo, MemorySegment w, int k, int j, float[] out, int oo, float[] tmp) {
        long rb = 2L * k;
        long w0 = j * rb;
        long w1 = w0 + rb;
        long w2 = w1 + rb;
        long w3 = w2 + rb;
        long w4 = w3 + rb;
        long w5 = w4 + rb;
        long w6 = w5 + rb;
        long w7 = w6 + rb;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int kv = k - k % L;
        for (int i = 0; i < kv; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            long bi = 2L * i;
            a0 = xv.fma(loadBf16(w, w0 + bi), a0);
            a1 = xv.fma(loadBf16(w, w1 + bi), a1);
            a2 = xv.fma(loadBf16(w, w2 + bi), a2);
            a3 = xv.fma(loadBf16(w, w3 + bi), a3);
            a4 = xv.fma(loadBf16(w, w4 + bi), a4);
            a5 = xv.fma(loadBf16(w, w5 + bi), a5);
            a6 = xv.fma(loadBf16(w, w6 + bi), a6);
            a7 = xv.fma(loadBf16(w, w7 + bi), a7);
        }
        a0.intoArray(tmp, 0);
        a1.intoArray(tmp, L);
        a2.intoArray(tmp, 2 * L);
        a3.intoArray(tmp, 3 * L);
        a4.intoArray(tmp, 4 * L);
        a5.intoArray(tmp, 5 * L);
        a6.intoArray(tmp, 6 * L);
        a7.intoArray(tmp, 7 * L);
        sum4(tmp, 0, tmp, out, oo + j);
        sum4(tmp, 4 * L, tmp, out, oo + j + 4);
        tailBf16(out, oo + j, x, xo, w, w0, rb, kv, k);
        tailBf16(out, oo + j + 4, x, xo, w, w0 + 4 * rb, rb, kv, k);
    }

    /** Two rows (t, t + 1) by four columns: 8 accumulators, each weight vector serving both rows. */
    private static void tile2x4Bf16(float[] x, int xs, int t, MemorySegment w, int k, int j, float[] out, int os, float[] tmp) {
        long rb = 2L * k;
        long w0 = j * rb;
        long w1 = w0 + rb;
        long w2 = w1 + rb;
        long w3 = w2 + rb;
        int x0 = t * xs;
        int x1 = x0 + xs;
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        int kv = k - k % L;
        for (int i = 0; i < kv; i += L) {
            long bi = 2L * i;
            FloatVector v0 = loadBf16(w, w0 + bi);
            FloatVector v1 = loadBf16(w, w1 + bi);
            FloatVector v2 = loadBf16(w, w2 + bi);
            FloatVector v3 = loadBf16(w, w3 + bi);
            FloatVector xv = FloatVector.fromArray(F, x, x0 + i);
            a00 = xv.fma(v0, a00);
            a01 = xv.fma(v1, a01);
            a02 = xv.fma(v2, a02);
            a03 = xv.fma(v3, a03);
            xv = FloatVector.fromArray(F, x, x1 + i);
            a10 = xv.fma(v0, a10);
            a11 = xv.fma(v1, a11);
            a12 = xv.fma(v2, a12);
            a13 = xv.fma(v3, a13);
        }
        a00.intoArray(tmp, 0);
        a01.intoArray(tmp, L);
        a02.intoArray(tmp, 2 * L);
        a03.intoArray(tmp, 3 * L);
        a10.intoArray(tmp, 4 * L);
        a11.intoArray(tmp, 5 * L);
        a12.intoArray(tmp, 6 * L);
        a13.intoArray(tmp, 7 * L);
        sum4(tmp, 0, tmp, out, t * os + j);
        sum4(tmp, 4 * L, tmp, out, (t + 1) * os + j);
        tailBf16(out, t * os + j, x, x0, w, w0, rb, kv, k);
        tailBf16(out, (t + 1) * os + j, x, x1, w, w0, rb, kv, k);
    }

    private static void tile4x4Bf16(float[] x, int xs, int t, int rows, MemorySegment w, int k, int j, float[] out, int os, float[] tmp) {
        long rb = 2L * k;
        long w0 = j * rb;
        long w1 = w0 + rb;
        long w2 = w1 + rb;
        long w3 = w2 + rb;
        int last = rows - 1;
        int x0 = t * xs;
        int x1 = Math.min(t + 1, last) * xs;
        int x2 = Math.min(t + 2, last) * xs;
        int x3 = Math.min(t + 3, last) * xs;
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        int kv = k - k % L;
        for (int i = 0; i < kv; i += L) {
            long bi = 2L * i;
            FloatVector v0 = loadBf16(w, w0 + bi);
            FloatVector v1 = loadBf16(w, w1 + bi);
            FloatVector v2 = loadBf16(w, w2 + bi);
            FloatVector v3 = loadBf16(w, w3 + bi);
            FloatVector xv = FloatVector.fromArray(F, x, x0 + i);
            a00 = xv.fma(v0, a00);
            a01 = xv.fma(v1, a01);
            a02 = xv.fma(v2, a02);
            a03 = xv.fma(v3, a03);
            xv = FloatVector.fromArray(F, x, x1 + i);
            a10 = xv.fma(v0, a10);
            a11 = xv.fma(v1, a11);
            a12 = xv.fma(v2, a12);
            a13 = xv.fma(v3, a13);
            xv = FloatVector.fromArray(F, x, x2 + i);
            a20 = xv.fma(v0, a20);
            a21 = xv.fma(v1, a21);
            a22 = xv.fma(v2, a22);
            a23 = xv.fma(v3, a23);
            xv = FloatVector.fromArray(F, x, x3 + i);
            a30 = xv.fma(v0, a30);
            a31 = xv.fma(v1, a31);
            a32 = xv.fma(v2, a32);
            a33 = xv.fma(v3, a33);
        }
        a00.intoArray(tmp, 0);
        a01.intoArray(tmp, L);
        a02.intoArray(tmp, 2 * L);
        a03.intoArray(tmp, 3 * L);
        a10.intoArray(tmp, 4 * L);
        a11.intoArray(tmp, 5 * L);
        a12.intoArray(tmp, 6 * L);
        a13.intoArray(tmp, 7 * L);
        a20.intoArray(tmp, 8 * L);
        a21.intoArray(tmp, 9 * L);
        a22.intoArray(tmp, 10 * L);
        a23.intoArray(tmp, 11 * L);
        a30.intoArray(tmp, 12 * L);
        a31.intoArray(tmp, 13 * L);
        a32.intoArray(tmp, 14 * L);
        a33.intoArray(tmp, 15 * L);
        int valid = Math.min(4, rows - t);
        for (int r = 0; r < valid; r++) {
            sum4(tmp, 4 * r * L, tmp, out, (t + r) * os + j);
        }
        tailBf16(out, t * os + j, x, x0, w, w0, rb, kv, k);
        if (valid > 1) {
            tailBf16(out, (t + 1) * os + j, x, x1, w, w0, rb, kv, k);
        }
        if (valid > 2) {
            tailBf16(out, (t + 2) * os + j, x, x2, w, w0, rb, kv, k);
        }
        if (valid > 3) {
            tailBf16(out, (t + 3) * os + j, x, x3, w, w0, rb, kv, k);
        }
    }

    private static void tailBf16(float[] out, int o, float[] x, int xo, MemorySegment w, long w0, long rb, int kv, int k) {
        if (kv == k) {
            return;
        }
        for (int c = 0; c < 4; c++) {
            out[o + c] = finishBf16(out[o + c], x, xo, w, w0 + c * rb, kv, k);
        }
    }

    private static float finishBf16(float s, float[] x, int xo, MemorySegment w, long wo, int kv, int k) {
        for (int i = kv; i < k; i++) {
            s += x[xo + i] * DType.bf16ToFloat(w.get(HostWeight.I16, wo + 2L * i));
        }
        return s;
    }
}
