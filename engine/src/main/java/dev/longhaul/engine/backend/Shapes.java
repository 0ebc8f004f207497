/*
 * The bounds every backend checks before an operation touches memory, in one place so that each
 * backend refuses the same calls with the same message: rows in use within a tensor's capacity,
 * widths at least what the operation reads or writes per row, row and token indexes within what
 * they index, for the operations that walk `rows · cols` floats as one run (the elementwise ones,
 * gather and scatter, which step by the source's width) that run within every tensor, and for
 * attention the heads each tensor, state and KV cache holds. On the CPU an out-of-range call would
 * end in an index exception, or read a neighbouring row; on a GPU a kernel would read or write
 * past its buffer, which can fail the whole device context. Each check is a few comparisons, or
 * one pass over a step's row indexes or tasks. What a check cannot see (a tensor's contents, a
 * cache's pages) stays the backend's.
 */
package dev.longhaul.engine.backend;

import java.util.List;

public final class Shapes {
    private Shapes() {}

    public static void upload(float[] src, Tensor dst, int row) {
        if (row < 0 || row > dst.rows()) {
            throw refused("upload", "row " + row + " of " + shape(dst));
        }
    }

    public static void download(Tensor src, int row, float[] dst) {
        if (row < 0 || row >= src.rows() || dst.length < src.cols()) {
            throw refused("download", "row " + row + " of " + shape(src) + " into " + dst.length + " floats");
        }
    }

    /** dst holds at least src's floats (Backend.copy asks for the same shape; a larger dst is harmless). */
    public static void copy(Tensor src, Tensor dst) {
        if (floats(dst) < floats(src)) {
            throw refused("copy", shape(src) + " into " + shape(dst));
        }
    }

    public static void embed(Weight table, int[] ids, int count, Tensor out) {
        count("embed", count, ids.length);
        flat("embed", (long) count * table.cols(), out);
        indexes("embed", "token id", ids, count, table.rows());
    }

    /** gamma a [1, cols] weight (Backend.rmsNorm) at least x's width. */
    public static void rmsNorm(Tensor x, int rows, Weight gamma, Tensor out) {
        rows("rmsNorm", rows, x);
        flat("rmsNorm", (long) rows * x.cols(), out);
        if (gamma.rows() != 1 || gamma.cols() < x.cols()) {
            throw refused("rmsNorm", "gamma of " + gamma.rows() + " x " + gamma.cols() + " for rows of " + x.cols());
        }
    }

    public static void matmul(Tensor x, int rows, Weight w, Tensor out) {
        rows("matmul", rows, x);
        rows("matmul", rows, out);
        if (x.cols() < w.cols() || out.cols() < w.rows()) {
            throw refused("matmul", shape(x) + " · [" + w.rows() + " x " + w.cols() + "]ᵀ into " + shape(out));
        }
    }

    public static void matmuls(List<Backend.Product> products) {
        for (Backend.Product p : products) {
            matmul(p.x(), p.rows(), p.w(), p.out());
        }
    }

    /** silu, sigmoidGate, swiglu, residual: `rows` rows of the first tensor's width, walked as one run in each. */
    public static void elementwise(String op, int rows, Tensor first, Tensor... others) {
        rows(op, rows, first);
        long n = (long) rows * first.cols();
        for (Tensor t : others) {
            flat(op, n, t);
        }
    }

    public static void route(Tensor routerLogits, int rows, int k, int[] experts, float[] weights) {
        rows("route", rows, routerLogits);
        if (k < 1 || k > routerLogits.cols()) {
            throw refused("route", "top " + k + " of " + routerLogits.cols() + " experts");
        }
        long n = (long) rows * k;
        if (experts.length < n || weights.length < n) {
            throw refused("route", rows + " rows, top " + k + " into arrays of " + experts.length + " and "
                    + weights.length + ", need " + n);
        }
    }

    /** dst row i = src row index[i], i < count; rows are src's width, laid out one after another in dst. */
    public static void gatherRows(Tensor src, int[] rowIndex, int count, Tensor dst) {
        count("gatherRows", count, rowIndex.length);
        flat("gatherRows", (long) count * src.cols(), dst);
        indexes("gatherRows", "row index", rowIndex, count, src.rows());
    }

    /** dst row index[i] += scale[i] · src row i, i < count; rows are src's width in both. */
    public static void scatterAddRows(Tensor src, int[] rowIndex, float[] scale, int count, Tensor dst) {
        count("scatterAddRows", count, Math.min(rowIndex.length, scale.length));
        rows("scatterAddRows", count, src);
        long dstRows = floats(dst) / Math.max(1, src.cols()); // rows of src's width that fit in dst
        indexes("scatterAddRows", "row index", rowIndex, count, (int) Math.min(Integer.MAX_VALUE, dstRows));
    }

    public static void zero(Tensor dst, int rows) {
        rows("zero", rows, dst);
    }

    /**
     * Lightning attention over `heads` (the decay table's) of headDim: qkv holds each head's q, k
     * and v, out each head's output, every task's rows within both, and each task's state at
     * least the heads' D×D blocks (a backend keeps a count per head after them where there is room
     * for it, Backend.lightning).
     */
    public static void lightning(Tensor qkv, int heads, int headDim, List<SegmentTask> tasks, Tensor out) {
        long width = (long) heads * headDim;
        if (headDim < 1 || qkv.cols() < 3 * width || out.cols() < width) {
            throw refused("lightning", heads + " heads of " + headDim + " from " + shape(qkv) + " into " + shape(out));
        }
        for (SegmentTask t : tasks) {
            rowsOf("lightning", t, qkv, out);
            Tensor state = t.lightningState();
            if (state == null || floats(state) < width * headDim) {
                throw refused("lightning", "a task whose state " + (state == null ? "is missing" : "is " + shape(state))
                        + ", for " + heads + " heads of " + headDim);
            }
        }
    }

    /**
     * Softmax attention: q and out hold `heads` heads of D, k and v `kvHeads`, every task's rows
     * within all four, and each task's KV cache made for kvHeads heads of D.
     */
    public static void softmaxAttention(Tensor q, Tensor k, Tensor v, Backend.AttentionShape shape, List<SegmentTask> tasks,
                                        Tensor out) {
        int d = shape.headDim();
        if (d < 1 || shape.kvHeads() < 1 || shape.heads() % shape.kvHeads() != 0 || shape.rotaryDim() > d
                || q.cols() < (long) shape.heads() * d || out.cols() < (long) shape.heads() * d
                || k.cols() < (long) shape.kvHeads() * d || v.cols() < (long) shape.kvHeads() * d) {
            throw refused("softmaxAttention", shape + " for q " + shape(q) + ", k " + shape(k) + ", v " + shape(v)
                    + ", out " + shape(out));
        }
        for (SegmentTask t : tasks) {
            rowsOf("softmaxAttention", t, q, k, v, out);
            KvCache cache = t.kvCache();
            if (cache == null || cache.kvHeads() != shape.kvHeads() || cache.headDim() != d) {
                throw refused("softmaxAttention", "a task whose KV cache " + (cache == null ? "is missing"
                        : "holds " + cache.kvHeads() + " heads of " + cache.headDim()) + ", for " + shape);
            }
        }
    }

    /** A task's rows [row0, row0 + rows) within every tensor. */
    private static void rowsOf(String op, SegmentTask t, Tensor... tensors) {
        for (Tensor x : tensors) {
            if (t.row0() < 0 || t.rows() < 0 || (long) t.row0() + t.rows() > x.rows()) {
                throw refused(op, "a task of rows [" + t.row0() + ", " + ((long) t.row0() + t.rows()) + ") for " + shape(x));
            }
        }
    }

    private static void rows(String op, int rows, Tensor t) {
        if (rows < 0 || rows > t.rows()) {
            throw refused(op, rows + " rows of " + shape(t));
        }
    }

    private static void count(String op, int count, int available) {
        if (count < 0 || count > available) {
            throw refused(op, count + " rows named by an array of " + available);
        }
    }

    private static void flat(String op, long floats, Tensor t) {
        if (floats > floats(t)) {
            throw refused(op, floats + " floats in " + shape(t));
        }
    }

    private static void indexes(String op, String what, int[] index, int count, int bound) {
        for (int i = 0; i < count; i++) {
            if (index[i] < 0 || index[i] >= bound) {
                throw refused(op, what + " " + index[i] + " at " + i + ", outside [0, " + bound + ")");
            }
        }
    }

    private static long floats(Tensor t) {
        return (long) t.rows() * t.cols();
    }

    private static String shape(Tensor t) {
        return "a [" + t.rows() + " x " + t.cols() + "] tensor";
    }

    private static IllegalArgumentException refused(String op, String what) {
        return new IllegalArgumentException(op + ": " + what);
    }
}
