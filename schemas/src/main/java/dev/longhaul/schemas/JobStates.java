/*
 * The JobStatus contract's rule about final states, in one place for every reader of `status`:
 * SUCCEEDED, FAILED, CANCELLED and EXPIRED are final, and a job never leaves a final state. A
 * non-final status after a final one (a progress tick a worker sent outside its transaction after
 * losing its lane, landing after the new owner's committed result) is stale and is ignored.
 */
package dev.longhaul.schemas;

import java.util.Set;

public final class JobStates {
    /** States after which a job changes no more. */
    public static final Set<JobState> FINAL = Set.of(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED, JobState.EXPIRED);

    private JobStates() {}

    public static boolean isFinal(JobState state) {
        return FINAL.contains(state);
    }

    /** Whether `next` must be ignored because the job already reached a final state in `before` (null: none yet). */
    public static boolean staleAfter(JobStatus before, JobStatus next) {
        return before != null && isFinal(before.getState()) && !isFinal(next.getState());
    }
}
