/*
 * A graph node's argument slots hold what cuLaunchKernel would read: an int or float in the low
 * four bytes (little-endian), a long, double or device address in all eight. The graphs themselves
 * run in the gpu tests (CudaBackendContractTest: graphs are the default).
 */
package dev.longhaul.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class LaunchGraphsTest {
    @Test
    void slotsHoldTheBytesTheKernelReads() {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, LaunchGraphs.slot(-2));
        assertEquals(-2, b.getInt(0));
        assertEquals(0, b.getInt(4), "an int leaves the high half zero");
        b.putLong(0, LaunchGraphs.slot(-1.5f));
        assertEquals(-1.5f, b.getFloat(0));
        assertEquals(0, b.getInt(4));
        assertEquals(0x8000_0000_0000_0001L, LaunchGraphs.slot(0x8000_0000_0000_0001L));
        b.putLong(0, LaunchGraphs.slot(1e-300));
        assertEquals(1e-300, b.getDouble(0));
        assertThrows(IllegalArgumentException.class, () -> LaunchGraphs.slot("7"));
    }
}
