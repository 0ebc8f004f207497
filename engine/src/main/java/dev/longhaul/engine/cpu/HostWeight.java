/*
 * A Weight the CPU backends read in place: F32 and BF16 data stay in the memory-mapped checkpoint
 * (BF16 is widened on the fly, so it streams half the bytes); F16 is widened once into an
 * off-heap F32 copy owned by the backend's arena.
 */
package dev.longhaul.engine.cpu;

import dev.longhaul.engine.backend.MatrixView;
import dev.longhaul.engine.backend.Weight;
import dev.longhaul.engine.checkpoint.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

public final class HostWeight implements Weight {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final MemorySegment data;
    final DType dtype; // F32 or BF16
    private final int rows;
    private final int cols;
    // lazily widened copy, only for small vectors (norm weights); volatile: read by pool threads, so
    // one must never see the array before its contents
    private volatile float[] dense;

    private HostWeight(MemorySegment data, DType dtype, int rows, int cols) {
        this.data = data;
        this.dtype = dtype;
        this.rows = rows;
        this.cols = cols;
    }

    static HostWeight of(MatrixView view, Arena arena) {
        if (view.dtype() != DType.F16) {
            return new HostWeight(view.data(), view.dtype(), view.rows(), view.cols());
        }
        long n = (long) view.rows() * view.cols();
        MemorySegment widened = arena.allocate(n * 4, 64);
        for (long i = 0; i < n; i++) {
            widened.setAtIndex(F32, i, Float.float16ToFloat(view.data().getAtIndex(I16, i)));
        }
        return new HostWeight(widened, DType.F32, view.rows(), view.cols());
    }

    static HostWeight of(Weight w) {
        if (w instanceof HostWeight h) {
            return h;
        }
        throw new IllegalArgumentException("weight " + w + " does not belong to a CPU backend");
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public long bytes() {
        return (long) rows * cols * dtype.bytes();
    }

    /** Element (r, c) widened to float. */
    float get(int r, int c) {
        long i = (long) r * cols + c;
        return dtype == DType.F32 ? data.getAtIndex(F32, i) : DType.bf16ToFloat(data.getAtIndex(I16, i));
    }

    /** The whole weight as a float array; meant for vectors such as norm weights. */
    float[] dense() {
        float[] d = dense;
        if (d == null) {
            d = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    d[r * cols + c] = get(r, c);
                }
            }
            dense = d;
        }
        return d;
    }

    @Override
    public String toString() {
        return "HostWeight[" + rows + "x" + cols + " " + dtype + "]";
    }
}
