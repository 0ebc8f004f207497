/*
 * One tensor's entry in a safetensors header: where its bytes lie in the mapped file and what they
 * mean. The segment is a slice of the memory-mapped file, never a heap copy.
 */
package dev.longhaul.engine.checkpoint;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

public record TensorInfo(String name, DType dtype, long[] shape, MemorySegment data, String file) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public int rank() {
        return shape.length;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    /** Fails, naming file and tensor, unless the shape is exactly {@code expected}. */
    public TensorInfo requireShape(long... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new CheckpointException(file, "tensor '" + name + "' has shape " + shapeString()
                    + ", expected " + Arrays.toString(expected));
        }
        return this;
    }
}
