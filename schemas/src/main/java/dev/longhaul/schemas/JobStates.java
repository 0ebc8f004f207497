/*
 * The JobStatus contract's rule about final states, in one place for every reader of `status`:
 * SUCCEEDED, FAILED, CANCELLED and EXPIRED are final, and a job never leaves a final state. A
 * non-final status after a final one (a progress tick a worker sent outside its transaction after
 * losing its lane, landing after the new owner's committed result) is stale and is ignored. A job
 * id used again after the planner forgot it starts a new life under another submission id.
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

    /**
     * Whether `next` must be ignored because the job already reached a final state in `before` (null:
     * none yet). Statuses of two different submissions (both named) are two lives of one job id: the
     * planner plans an id again once it has forgotten it (settled-job retention), and the new life
     * begins with its ACCEPTED, or ends at once with a final status when refused; any other status of
     * another submission than the latest one's is a leftover of an old life.
     */
    public static boolean staleAfter(JobStatus before, JobStatus next) {
        if (before == null) {
            return false;
        }
        String was = before.getSubmissionId();
        String is = next.getSubmissionId();
        if (!was.isEmpty() && !is.isEmpty() && !was.equals(is)) {
            return next.getState() != JobState.ACCEPTED && !isFinal(next.getState());
        }
        return isFinal(before.getState()) && !isFinal(next.getState());
    }
}
