/*
 * The incomplete-job timeout counts from when the job was first seen, but never from before the
 * task started: a job seen in part before downtime has its remaining records in the backlog, and
 * must not fail the moment the task comes back (the wiring, a punctuation over the open index, is
 * covered by PlanTopologyTest's timeout test).
 */
package dev.longhaul.pipeline.plan;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IncompleteTimeoutTest {
    private static final long MINUTE = 60_000;
    private static final long TIMEOUT = 10 * MINUTE;

    @Test
    void aJobSeenWhileTheTaskRanIsOverdueTimeoutAfterItWasSeen() {
        long started = 0;
        assertFalse(JobPlanner.overdue(5 * MINUTE + TIMEOUT - 1, 5 * MINUTE, started, TIMEOUT));
        assertTrue(JobPlanner.overdue(5 * MINUTE + TIMEOUT, 5 * MINUTE, started, TIMEOUT));
    }

    @Test
    void aJobSeenBeforeDowntimeGetsTheWholeTimeoutAgainAfterTheRestart() {
        long seen = 0;
        long restarted = 60 * MINUTE; // an hour down: without the rule it would fail at once
        assertFalse(JobPlanner.overdue(restarted + 1_000, seen, restarted, TIMEOUT));
        assertFalse(JobPlanner.overdue(restarted + TIMEOUT - 1, seen, restarted, TIMEOUT));
        assertTrue(JobPlanner.overdue(restarted + TIMEOUT, seen, restarted, TIMEOUT), "still incomplete a timeout after the restart");
    }
}
