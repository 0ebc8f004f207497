/* The argument block packs sections little-endian at 8-byte boundaries, as the kernels read them. */
package dev.longhaul.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class ArgBlockTest {
    @Test
    void sectionsAreAlignedAndLittleEndian() {
        ArgBlock block = new ArgBlock();
        int ints = block.putInts(new int[] {7, -2, 99}, 3);
        int longs = block.putLongs(new long[] {0x1122334455667788L}, 1);
        int floats = block.putFloats(new float[] {1.5f}, 1);
        int doubles = block.putDoubles(new double[] {-0.25});
        assertEquals(0, ints);
        assertEquals(16, longs, "12 bytes of ints, then the next 8-byte boundary");
        assertEquals(24, floats);
        assertEquals(32, doubles);
        assertEquals(40, block.size());
        ByteBuffer b = ByteBuffer.wrap(block.bytes(), 0, block.size()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(-2, b.getInt(4));
        assertEquals((byte) 0x88, block.bytes()[16]);
        assertEquals(0x1122334455667788L, b.getLong(16));
        assertEquals(1.5f, b.getFloat(24));
        assertEquals(-0.25, b.getDouble(32));
    }

    @Test
    void growsAndStartsOverAfterClear() {
        ArgBlock block = new ArgBlock();
        int[] big = new int[1000];
        big[999] = 42;
        block.putInts(big, 1000);
        assertEquals(4000, block.size());
        assertEquals(42, ByteBuffer.wrap(block.bytes()).order(ByteOrder.LITTLE_ENDIAN).getInt(3996));
        block.clear();
        assertEquals(0, block.putInts(new int[] {1}, 1));
        assertEquals(4, block.size());
    }
}
