/*
 * JobPlan's changelog encoding: a plan survives a round trip, and a plan written by the previous
 * encodings still read: version 1 (before savedAt) with savedAt UNKNOWN for the sweeper to stamp,
 * version 2 (before a control record's priority and pause were kept) with neither.
 */
package dev.longhaul.pipeline.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        byte[] plain = JobPlan.SERDE.serializer().serialize("t", plan);
        assertEquals(2, plain[0], "a plan without a priority or pause is written as the version before reads it");
        JobPlan back = JobPlan.SERDE.deserializer().deserialize("t", plain);
        assertEquals(null, back.priority);
        assertEquals(false, back.paused);
        plan.priority = -5;
        plan.paused = true;
        JobPlan scheduled = JobPlan.SERDE.deserializer().deserialize("t", JobPlan.SERDE.serializer().serialize("t", plan));
        assertEquals(-5, scheduled.priority);
        assertEquals(true, scheduled.paused);
        assertEquals(JobPlan.Settlement.PLANNED, back.settlement);
        assertEquals("ab12", back.plannedDigest);
        assertEquals("acme", back.tenant);
        assertEquals(1_234_567L, back.savedAt);
        assertEquals(java.util.List.of("s1"), back.closed);
        assertEquals(99L, back.oldestPending());
    }

    @Test
    void aPlanAtEveryLimitFitsOneChangelogRecord() {
        // the most submissions at once, each with the most chunks and the longest id, the most
        // request bytes between them, and every closed id kept
        JobPlan plan = new JobPlan();
        plan.plannedDigest = "f".repeat(64);
        plan.tenant = "t".repeat(256);
        String id = "s".repeat(JobPlan.MAX_SUBMISSION_ID_CHARS - 1);
        for (int c = 0; c < JobPlan.CLOSED_KEPT; c++) {
            plan.close(id + Integer.toHexString(c));
        }
        for (int p = 0; p < JobPlan.MAX_PENDING; p++) {
            JobPlan.Submission s = new JobPlan.Submission(id + p, 1L);
            for (int i = 0; i < dev.longhaul.pipeline.PipelineConfig.Limits.MAX_CHUNKS; i++) {
                s.positions.add(new dev.longhaul.schemas.ChunkPosition(Integer.MAX_VALUE, Long.MAX_VALUE));
            }
            s.request = new byte[JobPlan.MAX_PENDING_REQUEST_BYTES / JobPlan.MAX_PENDING];
            s.requestAt = new dev.longhaul.pipeline.DeadLetters.Source("t".repeat(249), 0, 0L);
            s.firstChunkAt = s.requestAt;
            plan.pending.put(s.id, s);
        }
        int bytes = JobPlan.SERDE.serializer().serialize("t", plan).length;
        assertTrue(bytes < 1_000_000, bytes + " bytes: under the broker's 1 MiB record limit, with room for the record's framing");
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
    void aVersionTwoPlanReadsWithNoPriorityOrPause() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(2);
            out.writeByte(JobPlan.Settlement.NONE.ordinal());
            out.writeUTF("");
            out.writeUTF("acme");
            out.writeLong(77L);
            out.writeInt(0);
            out.writeInt(0);
        }
        JobPlan plan = JobPlan.SERDE.deserializer().deserialize("t", bytes.toByteArray());
        assertEquals(77L, plan.savedAt);
        assertEquals(null, plan.priority);
        assertEquals(false, plan.paused);
    }

    @Test
    void anUnknownVersionIsRefused() {
        assertThrows(IllegalStateException.class, () -> JobPlan.SERDE.deserializer().deserialize("t", new byte[] {9}));
    }
}
