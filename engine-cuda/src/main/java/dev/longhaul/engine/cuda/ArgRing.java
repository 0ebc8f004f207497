/*
 * The per-call tables of the launches (ArgBlock) on their way to the device without stopping the
 * host. Each block is written into pinned host memory and sent by an asynchronous copy on the
 * default stream, which orders it after the kernels queued before and before those that read it,
 * into a device ring at an offset no earlier block of the round holds. A wrap waits for the device
 * first, so no copy or kernel still queued can find its bytes overwritten. (A copy from pageable
 * memory, as every block took before, returns only after every kernel queued ahead of it has run,
 * so a decode step waited for the device at each of its dozens of calls.)
 */
package dev.longhaul.engine.cuda;

import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemHostAlloc;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.nio.ByteBuffer;
import jcuda.Pointer;

final class ArgRing implements AutoCloseable {
    /** Each block starts at a multiple of this, so every section keeps its 8-byte alignment. */
    static final int ALIGN = 256;

    private final CudaDevice device;
    private long capacity;
    private Pointer host;        // pinned, `capacity` bytes
    private ByteBuffer hostBytes;
    private DeviceBuffer ring;   // `capacity` bytes
    private long next;           // where the next block goes in both

    ArgRing(CudaDevice device, long capacity) {
        this.device = device;
        allocate(capacity);
    }

    /** Where the next block goes, and whether it must wait for the device (wrap or growth). */
    static Placement place(long next, long capacity, long size) {
        long need = (size + ALIGN - 1) / ALIGN * ALIGN;
        if (need > capacity) {
            return new Placement(0, Math.max(need, 2 * capacity), true);
        }
        if (next + need > capacity) {
            return new Placement(0, capacity, true);
        }
        return new Placement(next, capacity, false);
    }

    record Placement(long offset, long capacity, boolean waitFirst) {
    }

    /** Queues the copy of bytes[0 .. size) to the device; returns its device address. */
    long put(byte[] bytes, int size) {
        Placement p = place(next, capacity, size);
        if (p.waitFirst()) {
            device.synchronize(); // every copy and kernel that reads the ring has finished
            if (p.capacity() != capacity) {
                allocate(p.capacity()); // the old buffers stay in use if this fails
            }
        }
        hostBytes.put((int) p.offset(), bytes, 0, size);
        if (size > 0) {
            CudaDevice.check(cuMemcpyHtoDAsync(ring.at(p.offset()), host.withByteOffset(p.offset()), size, null),
                    "cuMemcpyHtoDAsync");
        }
        next = p.offset() + (size + ALIGN - 1) / ALIGN * ALIGN;
        return ring.address() + p.offset();
    }

    /** New buffers of `bytes`; the old ones (the device is idle) are freed only once both exist. */
    private void allocate(long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a launch's tables of " + bytes + " bytes exceed 2 GiB");
        }
        Pointer h = new Pointer();
        CudaDevice.check(cuMemHostAlloc(h, bytes, 0), "cuMemHostAlloc of " + bytes + " bytes");
        DeviceBuffer r;
        try {
            r = device.allocate(bytes);
        } catch (RuntimeException e) {
            cuMemFreeHost(h);
            throw e;
        }
        Pointer oldHost = host;
        DeviceBuffer oldRing = ring;
        host = h;
        hostBytes = h.getByteBuffer(0, bytes);
        ring = r;
        capacity = bytes;
        next = 0;
        if (oldHost != null) {
            device.free(oldRing);
            CudaDevice.check(cuMemFreeHost(oldHost), "cuMemFreeHost");
        }
    }

    /** Frees both buffers after the device has finished with them (before the context goes). */
    @Override
    public void close() {
        if (host != null) {
            try {
                device.synchronize();
            } finally {
                cuMemFreeHost(host);
                host = null;
                hostBytes = null;
            }
        }
    }
}
