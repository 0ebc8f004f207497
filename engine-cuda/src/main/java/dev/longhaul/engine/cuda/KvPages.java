/*
 * The pool of KV pages of one shape (n_kv x D x PAGE_TOKENS float32) for one backend. A Page
 * object stands for a device page: when no cache refers to it any more, its buffer returns to the
 * free list (a Cleaner action, so no device call happens on the Cleaner's thread) and the next
 * take() reuses it. The device memory itself is freed when the backend closes, or earlier when an
 * allocation runs out of device memory (CudaDevice.pool): pages waiting for reuse must not make a
 * state or workspace allocation fail.
 */
package dev.longhaul.engine.cuda;

import java.lang.ref.Cleaner;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

final class KvPages {
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaDevice device;
    private final long pageBytes;
    final int kvHeads;
    final int headDim;
    private final Queue<DeviceBuffer> free = new ConcurrentLinkedQueue<>();

    record Page(DeviceBuffer buffer) {
    }

    KvPages(CudaDevice device, int kvHeads, int headDim) {
        this.device = device;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.pageBytes = (long) DeviceKvCache.PAGE_TOKENS * kvHeads * headDim * Float.BYTES;
        device.pool(free); // given back to the driver when an allocation runs out of memory
    }

    long pageBytes() {
        return pageBytes;
    }

    Page take() {
        DeviceBuffer b = free.poll();
        if (b == null) {
            b = device.allocate(pageBytes);
        }
        Page page = new Page(b);
        DeviceBuffer buffer = b;
        Queue<DeviceBuffer> list = free;
        CLEANER.register(page, () -> list.add(buffer));
        return page;
    }

    /** For KvCache.fork(), which may run on a thread other than the step's. */
    Page copyOf(Page src) {
        device.enter();
        Page p = take();
        device.copy(src.buffer(), 0, p.buffer(), 0, pageBytes);
        return p;
    }
}
