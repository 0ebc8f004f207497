/* A Tensor in device memory: rows x cols float32, row-major, zeroed at allocation. */
package dev.longhaul.engine.cuda;

import dev.longhaul.engine.backend.Tensor;

final class DeviceTensor implements Tensor {
    final DeviceBuffer buffer;
    private final int rows;
    private final int cols;

    DeviceTensor(DeviceBuffer buffer, int rows, int cols) {
        this.buffer = buffer;
        this.rows = rows;
        this.cols = cols;
    }

    static DeviceTensor of(Tensor t) {
        if (t instanceof DeviceTensor d) {
            return d;
        }
        throw new IllegalArgumentException("tensor " + t + " does not belong to the CUDA backend");
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    /** Device address of the first element of `row`. */
    long row(int row) {
        return buffer.address() + (long) row * cols * Float.BYTES;
    }

    long bytes(int rowCount) {
        return (long) rowCount * cols * Float.BYTES;
    }

    @Override
    public String toString() {
        return "DeviceTensor[" + rows + "x" + cols + "]";
    }
}
