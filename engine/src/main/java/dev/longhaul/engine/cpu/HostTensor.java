/* A Tensor in the Java heap, for the CPU backends: rows x cols floats, row-major, in one array. */
package dev.longhaul.engine.cpu;

import dev.longhaul.engine.backend.Tensor;

public final class HostTensor implements Tensor {
    final float[] data;
    private final int rows;
    private final int cols;

    HostTensor(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        this.data = new float[Math.multiplyExact(rows, cols)];
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    static HostTensor of(Tensor t) {
        if (t instanceof HostTensor h) {
            return h;
        }
        throw new IllegalArgumentException("tensor " + t + " does not belong to a CPU backend");
    }
}
