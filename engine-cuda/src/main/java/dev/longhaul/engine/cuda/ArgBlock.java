/*
 * The small per-call tables a launch needs (row indices, task descriptors, device pointer tables),
 * packed little-endian into one byte block so that a call makes one host-to-device copy. Each
 * section starts 8-byte aligned; `put*` returns the section's byte offset in the block.
 */
package dev.longhaul.engine.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

final class ArgBlock {
    private byte[] bytes = new byte[256];
    private int size;

    void clear() {
        size = 0;
    }

    int size() {
        return size;
    }

    byte[] bytes() {
        return bytes;
    }

    int putInts(int[] v, int count) {
        ByteBuffer b = section(4L * count);
        for (int i = 0; i < count; i++) {
            b.putInt(v[i]);
        }
        return b.arrayOffset();
    }

    int putFloats(float[] v, int count) {
        ByteBuffer b = section(4L * count);
        for (int i = 0; i < count; i++) {
            b.putFloat(v[i]);
        }
        return b.arrayOffset();
    }

    int putLongs(long[] v, int count) {
        ByteBuffer b = section(8L * count);
        for (int i = 0; i < count; i++) {
            b.putLong(v[i]);
        }
        return b.arrayOffset();
    }

    int putDoubles(double[] v) {
        ByteBuffer b = section(8L * v.length);
        for (double d : v) {
            b.putDouble(d);
        }
        return b.arrayOffset();
    }

    /** A little-endian view of the next `length` bytes, starting at an 8-byte boundary. */
    private ByteBuffer section(long length) {
        int start = (size + 7) & ~7;
        int end = Math.toIntExact(start + length);
        if (end > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(end, 2 * bytes.length));
        }
        size = end;
        return ByteBuffer.wrap(bytes, start, end - start).slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
