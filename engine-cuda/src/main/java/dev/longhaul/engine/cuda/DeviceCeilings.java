/*
 * The GPU's ceilings, measured in the same run as a benchmark so that its figures can be read as
 * fractions of them: host-to-device copy bandwidth from pinned memory, device-to-device copy
 * bandwidth (STREAM convention: bytes read plus bytes written), the BF16 tensor-core matmul's rate
 * on a large problem (useful flops 2·m·n·k; the kernel issues three MMAs per product, see
 * matmul.cuh), and the same kernel's weight-streaming rate on a one-row matvec, which is what a
 * batch-1 decode step does. Each figure is the best of several timed runs.
 */
package dev.longhaul.engine.cuda;

import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;

import dev.longhaul.engine.backend.MatrixView;
import dev.longhaul.engine.backend.Tensor;
import dev.longhaul.engine.backend.Weight;
import dev.longhaul.engine.checkpoint.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import jcuda.Pointer;

public final class DeviceCeilings {
    private static final int REPEATS = 5;

    private DeviceCeilings() {
    }

    public static Map<String, Object> measure(CudaBackend backend) {
        CudaDevice device = backend.cuda();
        device.enter();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("device", backend.device());
        r.put("device_kernel_launch", device.launchPath()); // graphs, ffm or jcuda
        r.put("device_h2d_bytes_per_s", hostToDevice(device, 256L << 20));
        r.put("device_d2d_bytes_per_s", deviceToDevice(device, 1L << 30));
        int n = 8192;
        Weight w = randomBf16(backend, n, n);
        r.put("device_bf16_matmul_flops_per_s", matmulRate(backend, w, 4096) * 2.0 * n);
        r.put("device_bf16_matvec_weight_bytes_per_s", matvecBytes(backend, w));
        return r;
    }

    private static double hostToDevice(CudaDevice device, long bytes) {
        Pointer host = new Pointer();
        CudaDevice.check(cuMemAllocHost(host, bytes), "cuMemAllocHost");
        DeviceBuffer dst = device.allocate(bytes);
        try {
            double best = Double.MAX_VALUE;
            for (int rep = 0; rep < REPEATS; rep++) {
                long t0 = System.nanoTime();
                device.upload(dst, 0, host, bytes);
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return bytes / best;
        } finally {
            device.free(dst);
            cuMemFreeHost(host);
        }
    }

    private static double deviceToDevice(CudaDevice device, long bytes) {
        DeviceBuffer a = device.allocate(bytes);
        DeviceBuffer b = device.allocate(bytes);
        try {
            double best = Double.MAX_VALUE;
            for (int rep = 0; rep < REPEATS + 1; rep++) {
                long t0 = System.nanoTime();
                device.copy(a, 0, b, 0, bytes);
                device.synchronize();
                double s = (System.nanoTime() - t0) / 1e9;
                if (rep > 0) {
                    best = Math.min(best, s);
                }
            }
            return 2.0 * bytes / best;
        } finally {
            device.free(a);
            device.free(b);
        }
    }

    /** Output elements per second of x[rows, k] · wᵀ (multiply by 2k for flops). */
    private static double matmulRate(CudaBackend backend, Weight w, int rows) {
        Tensor x = backend.allocate(rows, w.cols());
        Tensor out = backend.allocate(rows, w.rows());
        float[] row = new float[w.cols()];
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < row.length; i++) {
            row[i] = (float) rnd.nextGaussian();
        }
        for (int r = 0; r < rows; r++) {
            backend.upload(row, x, r);
        }
        return (double) rows * w.rows() / bestSeconds(backend, x, rows, w, out);
    }

    private static double matvecBytes(CudaBackend backend, Weight w) {
        Tensor x = backend.allocate(1, w.cols());
        Tensor out = backend.allocate(1, w.rows());
        return w.bytes() / bestSeconds(backend, x, 1, w, out);
    }

    private static double bestSeconds(CudaBackend backend, Tensor x, int rows, Weight w, Tensor out) {
        backend.matmul(x, rows, w, out);
        backend.cuda().synchronize();
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < REPEATS; rep++) {
            long t0 = System.nanoTime();
            backend.matmul(x, rows, w, out);
            backend.cuda().synchronize();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }

    private static Weight randomBf16(CudaBackend backend, int rows, int cols) {
        try (Arena arena = Arena.ofConfined()) {
            long n = (long) rows * cols;
            MemorySegment seg = arena.allocate(n * 2, 64);
            SplittableRandom rnd = new SplittableRandom(2);
            for (long i = 0; i < n; i++) {
                seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, DType.floatToBf16((float) rnd.nextGaussian()));
            }
            return backend.weight(new MatrixView("ceiling", seg, DType.BF16, rows, cols));
        }
    }
}
