/*
 * A 2-D view of checkpoint bytes, handed to a backend to make a Weight: `rows` x `cols` elements of
 * `dtype`, little-endian, row-major, starting at the first byte of `data` (a slice of the mapped file).
 */
package dev.longhaul.engine.backend;

import dev.longhaul.engine.checkpoint.DType;
import java.lang.foreign.MemorySegment;

public record MatrixView(String name, MemorySegment data, DType dtype, int rows, int cols) {
    public MatrixView {
        long need = (long) rows * cols * dtype.bytes();
        if (data.byteSize() < need) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for " + rows + "x" + cols + " " + dtype);
        }
    }

    /** Rows [from, from + count) of this view. */
    public MatrixView rowSlice(int from, int count) {
        long rowBytes = (long) cols * dtype.bytes();
        return new MatrixView(name + "[" + from + ":" + (from + count) + "]",
                data.asSlice(from * rowBytes, count * rowBytes), dtype, count, cols);
    }
}
