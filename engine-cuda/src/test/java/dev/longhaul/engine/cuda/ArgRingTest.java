/*
 * Where ArgRing puts each block: after the last one, aligned; back at the start, waiting for the
 * device first, when the block would run past the end; in a larger ring when it is larger than
 * the ring. (The copies themselves run in the gpu tests.)
 */
package dev.longhaul.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ArgRingTest {
    @Test
    void blocksFollowEachOtherUntilTheRingIsFull() {
        ArgRing.Placement first = ArgRing.place(0, 1024, 10);
        assertEquals(new ArgRing.Placement(0, 1024, false), first);
        assertEquals(new ArgRing.Placement(256, 1024, false), ArgRing.place(256, 1024, 256));
        assertEquals(new ArgRing.Placement(768, 1024, false), ArgRing.place(768, 1024, 200), "the last slot");
    }

    @Test
    void aBlockThatWouldRunPastTheEndWaitsAndStartsAgainAtZero() {
        ArgRing.Placement wrap = ArgRing.place(768, 1024, 257);
        assertEquals(0, wrap.offset());
        assertEquals(1024, wrap.capacity());
        assertTrue(wrap.waitFirst(), "the blocks before may still be in flight");
        assertTrue(ArgRing.place(1024, 1024, 1).waitFirst(), "a full ring");
    }

    @Test
    void aBlockLargerThanTheRingGrowsIt() {
        ArgRing.Placement grow = ArgRing.place(512, 1024, 5000);
        assertTrue(grow.waitFirst());
        assertEquals(0, grow.offset());
        assertTrue(grow.capacity() >= 5000, "room for the block: " + grow.capacity());
        assertFalse(ArgRing.place(0, grow.capacity(), 5000).waitFirst());
    }

    @Test
    void anEmptyBlockTakesNoRoom() {
        assertEquals(new ArgRing.Placement(1024, 1024, false), ArgRing.place(1024, 1024, 0));
    }
}
