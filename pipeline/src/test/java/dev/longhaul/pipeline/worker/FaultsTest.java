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

    /** A halting hook counts distinct orders at its own point only (reaching the count would halt this JVM). */
    @Test
    void haltingCountsDistinctOrdersAtItsPointOnly() {
        Faults hook = Faults.parse("halt:before_commit:3");
        hook.at(Faults.Point.BEFORE_COMMIT, "work-0@1");
        hook.at(Faults.Point.BEFORE_COMMIT, "work-0@1");
        hook.at(Faults.Point.DECODE, "work-0@2");
        hook.at(Faults.Point.PREFILL, "work-0@3");
        hook.at(Faults.Point.BEFORE_COMMIT, "work-1@1");
        // two distinct orders at BEFORE_COMMIT so far: still alive
    }

    @Test
    void exitStatusesNameThePoint() {
        assertEquals(90, Faults.Point.PREFILL.exitStatus());
        assertEquals(91, Faults.Point.DECODE.exitStatus());
        assertEquals(92, Faults.Point.BEFORE_COMMIT.exitStatus());
    }
}
