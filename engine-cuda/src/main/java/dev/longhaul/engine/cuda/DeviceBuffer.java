/*
 * One device allocation: its JCuda handle (for copies) and its address as a number (for kernel
 * arguments and device-side pointer tables), with its size in bytes.
 */
package dev.longhaul.engine.cuda;

import jcuda.driver.CUdeviceptr;

record DeviceBuffer(CUdeviceptr pointer, long address, long bytes) {
    /** A pointer `offset` bytes into this buffer, for copies. */
    CUdeviceptr at(long offset) {
        return offset == 0 ? pointer : pointer.withByteOffset(offset);
    }

    /** The JCuda handle's native address (protected in JCuda, hence the subclass). */
    static final class Handle extends CUdeviceptr {
        long address() {
            return getNativePointer();
        }
    }
}
