/*
 * The final-state rule every reader of `status` applies (JobStates.staleAfter), status pair by
 * status pair: within one life a job never leaves a final state, and a job id used again after the
 * planner forgot it starts a new life with its ACCEPTED, whether or not the statuses name their
 * submissions (records written before they did name none).
 */
package dev.longhaul.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JobStatesTest {

    @BeforeAll
    static void trust() {
        RecordTrust.install(); // a builder copying a status loads its enum's class through Avro
    }

    private static JobStatus status(JobState state, String submission) {
        return JobStatus.newBuilder().setJobId("j").setTenant("t").setState(state)
                .setUpdatedAt(Instant.EPOCH).setSubmissionId(submission).build();
    }

    private static void check(boolean stale, JobState before, String was, JobState next, String is) {
        assertEquals(stale, JobStates.staleAfter(status(before, was), status(next, is)),
                before + "(" + was + ") then " + next + "(" + is + ")");
    }

    @Test
    void withinOneLifeOnlyANonFinalStatusAfterAFinalOneIsStale() {
        for (String s : new String[] {"", "s1"}) {
            check(false, JobState.ACCEPTED, s, JobState.QUEUED, s);
            check(false, JobState.RUNNING, s, JobState.RUNNING, s);
            check(false, JobState.RUNNING, s, JobState.SUCCEEDED, s);
            check(true, JobState.SUCCEEDED, s, JobState.RUNNING, s);
            check(true, JobState.CANCELLED, s, JobState.QUEUED, s);
            check(false, JobState.FAILED, s, JobState.CANCELLED, s);
        }
        assertEquals(false, JobStates.staleAfter(null, status(JobState.RUNNING, "s1")));
    }

    @Test
    void thePlannersCancelOfAnIdItKnowsNothingOfLeavesAFinalStatusAlone() {
        JobStatus lateCancel = JobStatus.newBuilder(status(JobState.CANCELLED, "")).setReason(JobStates.CANCELLED_BEFORE_PLANNING).build();
        // a job that ended, whose plan the planner has forgotten, is cancelled late: it stays as it ended
        for (JobState end : JobStates.FINAL) {
            for (String s : new String[] {"", "s1"}) {
                assertEquals(true, JobStates.staleAfter(status(end, s), lateCancel), end + "(" + s + ")");
            }
        }
        // before any final status it cancels the job (one whose upload has not begun, or an old
        // one still held: the dispatcher's own CANCELLED follows)
        assertEquals(false, JobStates.staleAfter(null, lateCancel));
        assertEquals(false, JobStates.staleAfter(status(JobState.QUEUED, "s1"), lateCancel));
        // another CANCELLED naming no submission, with any other reason, is not this cancel
        JobStatus other = JobStatus.newBuilder(status(JobState.CANCELLED, "")).setReason("cancelled").build();
        assertEquals(false, JobStates.staleAfter(status(JobState.SUCCEEDED, "s1"), other));
        assertEquals(true, JobStates.cancelOfUnknownId(lateCancel));
        assertEquals(false, JobStates.cancelOfUnknownId(JobStatus.newBuilder(lateCancel).setSubmissionId("s1").build()));
        // every unnamed cancel before planning, of an unknown id or while several submissions
        // arrived, is the planner's (the dispatcher is told apart); a named one or another reason is not
        JobStatus whileSeveral = JobStatus.newBuilder(lateCancel).setReason(JobStates.CANCELLED_BEFORE_PLANNING + ", while 2 arrived").build();
        assertEquals(true, JobStates.plannersUnnamedCancel(lateCancel));
        assertEquals(true, JobStates.plannersUnnamedCancel(whileSeveral));
        assertEquals(false, JobStates.cancelOfUnknownId(whileSeveral));
        assertEquals(false, JobStates.plannersUnnamedCancel(other));
        assertEquals(false, JobStates.plannersUnnamedCancel(JobStatus.newBuilder(lateCancel).setSubmissionId("s1").build()));
    }

    @Test
    void aHandBackNamesItsReleaseAndOneNamingNoneReadsAsReleaseZero() {
        Instant release = Instant.parse("2030-01-01T00:00:00.123Z");
        JobStatus handedBack = JobStatus.newBuilder(status(JobState.QUEUED, "s1")).setReason(JobStates.handedBack(release)).build();
        assertEquals(true, JobStates.handedBack(handedBack));
        assertEquals(release.toEpochMilli(), JobStates.handedBackRelease(handedBack));
        assertEquals(0, JobStates.handedBackRelease(JobStatus.newBuilder(handedBack).setReason(JobStates.HANDED_BACK).build()));
        assertEquals(0, JobStates.handedBackRelease(JobStatus.newBuilder(handedBack)
                .setReason(JobStates.HANDED_BACK + " (release yesterday)").build()));
        // the dispatcher's own QUEUED reasons, and a hand-back's reason on another state, are not hand-backs
        for (String reason : new String[] {"paused", "paused; priority=3", "resumed", "lane=2"}) {
            assertEquals(false, JobStates.handedBack(JobStatus.newBuilder(handedBack).setReason(reason).build()), reason);
        }
        assertEquals(false, JobStates.handedBack(JobStatus.newBuilder(handedBack).setState(JobState.RUNNING).build()));
        // a hand-back of a run that had started says so, and still names its release
        assertEquals(false, JobStates.handedBackStarted(handedBack));
        JobStatus started = JobStatus.newBuilder(handedBack).setReason(JobStates.handedBack(release, true)).build();
        assertEquals(true, JobStates.handedBack(started));
        assertEquals(true, JobStates.handedBackStarted(started));
        assertEquals(release.toEpochMilli(), JobStates.handedBackRelease(started));
        assertEquals(false, JobStates.handedBackStarted(JobStatus.newBuilder(started).setState(JobState.RUNNING).build()));
    }

    private static JobStatus of(JobState state, long release, String reason) {
        return JobStatus.newBuilder(status(state, "s1")).setRelease(Instant.ofEpochMilli(release)).setReason(reason).build();
    }

    private static JobStatus handBack(long release) {
        return of(JobState.QUEUED, release, JobStates.handedBack(Instant.ofEpochMilli(release)));
    }

    @Test
    void aStatusOfAReleaseThatIsOverIsStale() {
        JobStatus running1 = of(JobState.RUNNING, 100, null);
        JobStatus running2 = of(JobState.RUNNING, 200, null);
        // the stopped run's tick (a worker that lost its lane) after its hand-back: the paused job must not read as RUNNING
        assertEquals(true, JobStates.staleAfter(handBack(100), running1));
        // nor after the dispatcher's statuses of the order it holds again, which name the release handed back
        for (String reason : new String[] {"paused; priority=5", "resumed", "paused"}) {
            JobStatus held = of(JobState.QUEUED, 100, reason);
            assertEquals(false, JobStates.staleAfter(handBack(100), held), reason);
            assertEquals(true, JobStates.staleAfter(held, running1), reason);
            // a copy of the hand-back written again after it: the status table then restores it
            assertEquals(true, JobStates.staleAfter(held, handBack(100)), reason);
            assertEquals(false, JobStates.staleAfter(held, of(JobState.QUEUED, 100, "paused")), reason);
        }
        // the status table writes a hand-back again after a stale tick: reading it back changes nothing
        assertEquals(false, JobStates.staleAfter(handBack(100), handBack(100)));
        assertEquals(false, JobStates.staleAfter(running1, handBack(100)));
        assertEquals(false, JobStates.staleAfter(running1, running1), "another worker redoing the same release");
        // the next release: its status names the release handed back, its worker's name their own
        JobStatus lane = of(JobState.QUEUED, 100, "lane=1");
        assertEquals(false, JobStates.staleAfter(handBack(100), lane));
        assertEquals(false, JobStates.staleAfter(lane, running2));
        assertEquals(true, JobStates.staleAfter(lane, running1), "a late tick of the run handed back");
        assertEquals(true, JobStates.staleAfter(lane, handBack(100)), "a copy of the hand-back");
        JobStatus firstLane = of(JobState.QUEUED, 0, "lane=1"); // of an order never handed back
        assertEquals(false, JobStates.staleAfter(firstLane, running1));
        assertEquals(false, JobStates.staleAfter(handBack(100), running2));
        assertEquals(false, JobStates.staleAfter(of(JobState.QUEUED, 100, "resumed"), running2));
        // a copy of the first hand-back, or a tick of the first run, landing while the second runs
        assertEquals(true, JobStates.staleAfter(running2, handBack(100)));
        assertEquals(true, JobStates.staleAfter(running2, running1));
        // a hand-back written before the field names its release in its reason only
        JobStatus unfielded = of(JobState.QUEUED, 0, JobStates.handedBack(Instant.ofEpochMilli(100)));
        assertEquals(100, JobStates.handedBackRelease(unfielded));
        assertEquals(true, JobStates.staleAfter(unfielded, running1));
        // statuses naming no release, and final ones, are not judged by release
        assertEquals(false, JobStates.staleAfter(handBack(100), of(JobState.RUNNING, 0, null)));
        assertEquals(false, JobStates.staleAfter(running2, of(JobState.SUCCEEDED, 100, null)));
        assertEquals(false, JobStates.staleAfter(handBack(100), of(JobState.FAILED, 100, "lost")));
    }

    @Test
    void anAcceptedAfterAFinalStatusBeginsANewLifeNamedOrNot() {
        check(false, JobState.SUCCEEDED, "s1", JobState.ACCEPTED, "s2");
        check(false, JobState.SUCCEEDED, "", JobState.ACCEPTED, "s2"); // an end written before submissions were named
        check(false, JobState.FAILED, "", JobState.ACCEPTED, ""); // neither named
        check(false, JobState.EXPIRED, "s1", JobState.ACCEPTED, "");
    }

    @Test
    void ofAnotherNamedSubmissionOnlyANewLifesStartOrImmediateEndCounts() {
        check(false, JobState.SUCCEEDED, "s1", JobState.FAILED, "s2"); // a new life refused at once
        check(true, JobState.QUEUED, "s2", JobState.RUNNING, "s1"); // the old life's late tick
        check(true, JobState.RUNNING, "s2", JobState.SUCCEEDED, "s1"); // the old life's late end
        check(true, JobState.ACCEPTED, "s2", JobState.ACCEPTED, "s1");
        check(false, JobState.ACCEPTED, "s2", JobState.QUEUED, "s2");
    }
}
