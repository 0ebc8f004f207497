/*
 * A weight resident in device memory, uploaded once: BF16 stays BF16 (what the tensor-core matmul
 * streams), F32 stays F32, F16 is widened to F32 on the host first. Vectors (one row: the norm
 * weights) are kept in F32 whatever their dtype, which is what rms_norm reads.
 */
package dev.longhaul.engine.cuda;

import dev.longhaul.engine.backend.MatrixView;
import dev.longhaul.engine.backend.Weight;
import dev.longhaul.engine.checkpoint.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jcuda.Pointer;

final class DeviceWeight implements Weight {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long CHUNK = 1L << 30; // host-to-device copies in slices of at most 1 GiB

    final DeviceBuffer buffer;
    final DType dtype; // F32 or BF16
    private final int rows;
    private final int cols;

    private DeviceWeight(DeviceBuffer buffer, DType dtype, int rows, int cols) {
        this.buffer = buffer;
        this.dtype = dtype;
        this.rows = rows;
        this.cols = cols;
    }

    static DeviceWeight upload(CudaDevice device, MatrixView view) {
        long n = (long) view.rows() * view.cols();
        DType stored = view.dtype() == DType.BF16 && view.rows() > 1 ? DType.BF16 : DType.F32;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = view.data().asSlice(0, n * view.dtype().bytes());
            if (stored != view.dtype()) {
                src = widen(view, n, arena);
            }
            DeviceBuffer b = device.allocate(src.byteSize());
            try {
                for (long off = 0; off < src.byteSize(); off += CHUNK) {
                    long len = Math.min(CHUNK, src.byteSize() - off);
                    device.upload(b, off, Pointer.to(src.asSlice(off, len).asByteBuffer()), len);
                }
            } catch (RuntimeException e) {
                device.free(b); // a failed copy must not hold a weight's memory until the backend closes
                throw e;
            }
            return new DeviceWeight(b, stored, view.rows(), view.cols());
        }
    }

    private static MemorySegment widen(MatrixView view, long n, Arena arena) {
        MemorySegment out = arena.allocate(n * Float.BYTES, 64);
        MemorySegment in = view.data();
        for (long i = 0; i < n; i++) {
            float v = switch (view.dtype()) {
                case F32 -> in.getAtIndex(F32, i);
                case BF16 -> DType.bf16ToFloat(in.getAtIndex(I16, i));
                case F16 -> Float.float16ToFloat(in.getAtIndex(I16, i));
            };
            out.setAtIndex(F32, i, v);
        }
        return out;
    }

    static DeviceWeight of(Weight w) {
        if (w instanceof DeviceWeight d) {
            return d;
        }
        throw new IllegalArgumentException("weight " + w + " does not belong to the CUDA backend");
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

    @Override
    public String toString() {
        return "DeviceWeight[" + rows + "x" + cols + " " + dtype + "]";
    }
}
