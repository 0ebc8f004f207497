/*
 * The bounds every backend checks before an operation touches memory, in one place so that each
 * backend refuses the same calls with the same message: rows in use within a tensor's capacity,
 * row indexes within the rows they index, and, for the operations that walk `rows · cols` floats
 * as one run (the elementwise ones, gather and scatter, which step by the source's width), that
 * run within every tensor it reads or writes. On the CPU an out-of-range call would end in an index
 * exception; on a GPU a kernel would read or write past its buffer, which can fail the whole
 * device context. Each check is a few comparisons, or one pass over a step's row indexes.
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

    public static void rmsNorm(Tensor x, int rows, Weight gamma, Tensor out) {
        rows("rmsNorm", rows, x);
        flat("rmsNorm", (long) rows * x.cols(), out);
        if ((long) gamma.rows() * gamma.cols() < x.cols()) {
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

    /** Each task's rows [row0, row0 + rows) within the step's input and output rows. */
    public static void tasks(String op, List<SegmentTask> tasks, Tensor in, Tensor out) {
        for (SegmentTask t : tasks) {
            if (t.row0() < 0 || t.rows() < 0 || (long) t.row0() + t.rows() > Math.min(in.rows(), out.rows())) {
                throw refused(op, "a task of rows [" + t.row0() + ", " + ((long) t.row0() + t.rows()) + ") for input "
                        + shape(in) + " and output " + shape(out));
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
