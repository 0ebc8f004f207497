/*
 * JobPlan's changelog encoding: a plan survives a round trip, and a plan written by the previous
 * encoding (version 1, before savedAt) still reads, with savedAt UNKNOWN for the sweeper to stamp.
 */
package dev.longhaul.pipeline.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import org.junit.jupiter.api.Test;

class JobPlanTest {

    @Test
    void aPlanSurvivesARoundTrip() {
        JobPlan plan = new JobPlan();
        plan.settlement = JobPlan.Settlement.PLANNED;
        plan.plannedDigest = "ab12";
        plan.tenant = "acme";
        plan.savedAt = 1_234_567L;
        plan.pending.put("s2", new JobPlan.Submission("s2", 99L));
        plan.close("s1");
        JobPlan back = JobPlan.SERDE.deserializer().deserialize("t", JobPlan.SERDE.serializer().serialize("t", plan));
        assertEquals(JobPlan.Settlement.PLANNED, back.settlement);
        assertEquals("ab12", back.plannedDigest);
        assertEquals("acme", back.tenant);
        assertEquals(1_234_567L, back.savedAt);
        assertEquals(java.util.List.of("s1"), back.closed);
        assertEquals(99L, back.oldestPending());
    }

    @Test
    void aVersionOnePlanReadsWithItsSaveTimeUnknown() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeByte(JobPlan.Settlement.CANCELLED.ordinal());
            out.writeUTF("");
            out.writeUTF("acme");
            out.writeInt(1);
            out.writeUTF("s1");
            out.writeInt(0);
        }
        JobPlan plan = JobPlan.SERDE.deserializer().deserialize("t", bytes.toByteArray());
        assertEquals(JobPlan.Settlement.CANCELLED, plan.settlement);
        assertEquals("acme", plan.tenant);
        assertEquals(JobPlan.UNKNOWN, plan.savedAt);
        assertEquals(java.util.List.of("s1"), plan.closed);
        assertEquals(Long.MAX_VALUE, plan.oldestPending());
    }

    @Test
    void anUnknownVersionIsRefused() {
        assertThrows(IllegalStateException.class, () -> JobPlan.SERDE.deserializer().deserialize("t", new byte[] {9}));
    }
}
