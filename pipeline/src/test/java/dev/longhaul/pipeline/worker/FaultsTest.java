package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class FaultsTest {
    @Test
    void noSpecMeansNoHook() {
        assertSame(Faults.NONE, Faults.parse(null));
        assertSame(Faults.NONE, Faults.parse("  "));
    }

    @Test
    void malformedSpecsAreRefusedWithTheSpecInTheMessage() {
        var e = assertThrows(IllegalArgumentException.class, () -> Faults.parse("halt:decode"));
        assertEquals(true, e.getMessage().contains("halt:decode"));
        assertThrows(IllegalArgumentException.class, () -> Faults.parse("crash:decode:1"));
        assertThrows(IllegalArgumentException.class, () -> Faults.parse("halt:nowhere:1"));
        assertThrows(IllegalArgumentException.class, () -> Faults.parse("halt:decode:0"));
    }

    /** A halting hook counts distinct orders at its own point only, and halts with the point's status at the n-th. */
    @Test
    void haltingCountsDistinctOrdersAtItsPointOnly() {
        java.util.List<Integer> halts = new java.util.ArrayList<>();
        Faults hook = Faults.halting(Faults.Point.BEFORE_COMMIT, 3, halts::add);
        hook.at(Faults.Point.BEFORE_COMMIT, "work-0@1");
        hook.at(Faults.Point.BEFORE_COMMIT, "work-0@1");
        hook.at(Faults.Point.DECODE, "work-0@2");
        hook.at(Faults.Point.PREFILL, "work-0@3");
        hook.at(Faults.Point.BEFORE_COMMIT, "work-1@1");
        assertEquals(java.util.List.of(), halts, "two distinct orders at BEFORE_COMMIT so far");
        hook.at(Faults.Point.BEFORE_COMMIT, "work-1@2");
        assertEquals(java.util.List.of(92), halts, "the third halts, with BEFORE_COMMIT's status");
    }

    @Test
    void exitStatusesNameThePoint() {
        assertEquals(90, Faults.Point.PREFILL.exitStatus());
        assertEquals(91, Faults.Point.DECODE.exitStatus());
        assertEquals(92, Faults.Point.BEFORE_COMMIT.exitStatus());
    }
}
