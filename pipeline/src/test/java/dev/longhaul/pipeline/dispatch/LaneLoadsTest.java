/* Worker loads as the dispatcher sums them: saturating, so a huge report reads as full, never as idle. */
package dev.longhaul.pipeline.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class LaneLoadsTest {
    @Test
    void aReportNearTheLargestCostReadsAsFullNotAsTheLeastLoaded() {
        LaneLoads loads = new LaneLoads();
        loads.report("huge", 0, Long.MAX_VALUE - 10, 1_000);
        loads.report("light", 1, 100, 1_000);
        loads.inFlight(0, 1_000, 2_000); // released after its report: adds to it
        assertEquals(Long.MAX_VALUE, loads.load(0));
        assertEquals(100, loads.load(1));
        assertEquals(OptionalInt.of(1), loads.choose(Long.MAX_VALUE));
    }
}
