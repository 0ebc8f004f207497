/*
 * The JobStatus contract's rule about final states, in one place for every reader of `status`:
 * SUCCEEDED, FAILED, CANCELLED and EXPIRED are final, and a job never leaves a final state. A
 * non-final status after a final one (a progress tick a worker sent outside its transaction after
 * losing its lane, landing after the new owner's committed result) is stale and is ignored, as is
 * a status of a release of the job's order that a worker has handed back or that a later release
 * has followed (a paused job must not read as RUNNING from a stopped worker's late tick). A job
 * id used again after the planner forgot it starts a new life under another submission id.
 */
package dev.longhaul.schemas;

import java.util.Set;

public final class JobStates {
    /** States after which a job changes no more. */
    public static final Set<JobState> FINAL = Set.of(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED, JobState.EXPIRED);

    /**
     * How the reason of the QUEUED status a worker commits begins, with the `work` offset of the
     * order, when it stops a paused job it was running (or was about to start) and hands the order
     * back; the reason goes on to name the release it hands back (handedBack(Instant)). The
     * dispatcher then holds the order again, paused, and releases it once resumed, to run from the
     * beginning. It starts with "paused;" like the dispatcher's own reasons while a job is paused.
     */
    public static final String HANDED_BACK = "paused; stopped on its worker and handed back: it starts again from the beginning when resumed";
    private static final String RELEASE = " (release ";
    /** Follows HANDED_BACK in the reason of a hand-back of a run that had started (handedBack(Instant, boolean)). */
    private static final String STARTED = "; it had started, so its deadline no longer applies";
    /**
     * The reason of the planner's CANCELLED status for a cancel of a job id it knows nothing of: one
     * not submitted yet, or one whose plan it has forgotten (settled-job retention). Naming no
     * submission, it cannot tell a job cancelled before its upload from one that ended long ago.
     */
    public static final String CANCELLED_BEFORE_PLANNING = "cancelled before planning";

    private JobStates() {}

    /** The reason of a hand-back of the order released at `release` (WorkOrder.releasedAt), unrun. */
    public static String handedBack(java.time.Instant release) {
        return handedBack(release, false);
    }

    /**
     * The reason of a hand-back of the order released at `release`; `started` when a run of it had
     * started (the job met its deadline, so the dispatcher holds it without one: handedBackStarted).
     */
    public static String handedBack(java.time.Instant release, boolean started) {
        return HANDED_BACK + (started ? STARTED : "") + RELEASE + release + ")";
    }

    /** Whether the status is a hand-back of an order a run of which had started (see handedBack(Instant, boolean)). */
    public static boolean handedBackStarted(JobStatus status) {
        return handedBack(status) && status.getReason().startsWith(HANDED_BACK + STARTED);
    }

    /**
     * Whether the status is the planner's CANCELLED for a job id it held nothing of, naming no
     * submission (CANCELLED_BEFORE_PLANNING): after a final status it is stale, for a late cancel
     * of a job that ended, whose plan the planner has since forgotten, must not turn SUCCEEDED
     * into CANCELLED (a command for a job in a final state is ignored).
     */
    public static boolean cancelOfUnknownId(JobStatus status) {
        return status.getState() == JobState.CANCELLED && status.getSubmissionId().isEmpty()
                && CANCELLED_BEFORE_PLANNING.equals(status.getReason());
    }

    /**
     * Whether the status is any of the planner's CANCELLED before planning that names no
     * submission (of an unknown id, or while several submissions arrived): it ends the job's
     * status, while the dispatcher cancels what it holds of the id on the planner's own word.
     */
    public static boolean plannersUnnamedCancel(JobStatus status) {
        return status.getState() == JobState.CANCELLED && status.getSubmissionId().isEmpty()
                && status.getReason() != null && status.getReason().startsWith(CANCELLED_BEFORE_PLANNING);
    }

    /** Whether the status is a worker's hand-back of a paused job's order (see HANDED_BACK). */
    public static boolean handedBack(JobStatus status) {
        return status.getState() == JobState.QUEUED && status.getReason() != null && status.getReason().startsWith(HANDED_BACK);
    }

    /**
     * The release a hand-back names (WorkOrder.releasedAt), in epoch milliseconds: its release
     * field, else the one its reason names (a worker that wrote no release field); 0 when it names
     * none or names it unreadably (read as an order released before releases were named).
     */
    public static long handedBackRelease(JobStatus status) {
        if (status.getRelease().toEpochMilli() != 0) {
            return status.getRelease().toEpochMilli();
        }
        String reason = status.getReason();
        String head = reason != null && reason.startsWith(HANDED_BACK + STARTED) ? HANDED_BACK + STARTED + RELEASE : HANDED_BACK + RELEASE;
        if (reason == null || !reason.startsWith(head) || !reason.endsWith(")")) {
            return 0;
        }
        try {
            return java.time.Instant.parse(reason.substring(head.length(), reason.length() - 1)).toEpochMilli();
        } catch (java.time.format.DateTimeParseException e) {
            return 0;
        }
    }

    public static boolean isFinal(JobState state) {
        return FINAL.contains(state);
    }

    /**
     * Whether `next` must be ignored because the job already reached a final state in `before` (null:
     * none yet). The planner plans a job id again once it has forgotten it (settled-job retention),
     * so one id can have several lives, told apart by their submission ids where statuses name them:
     * <ul>
     * <li>an ACCEPTED after a final status begins a new life (the planner writes one ACCEPTED per
     * life, and only then), whether or not the statuses name their submissions;</li>
     * <li>between two named submissions, a final status after a final one is a new life refused at
     * once, and anything else of another submission than the latest one's is a leftover of an old
     * life (a late tick, or a late end of a life already followed by another);</li>
     * <li>otherwise, within one life, a non-final status after a final one is stale, and so is a
     * non-final status of a release of the order that is over (staleRelease);</li>
     * <li>and the planner's cancel of an id it knows nothing of is stale after a final status
     * (cancelOfUnknownId).</li>
     * </ul>
     */
    public static boolean staleAfter(JobStatus before, JobStatus next) {
        return before != null && (staleAfter(before.getState(), before.getSubmissionId(), next.getState(), next.getSubmissionId())
                || staleRelease(before, next) || isFinal(before.getState()) && cancelOfUnknownId(next));
    }

    /**
     * Whether `next`, not final, is about a release of the job's order that is over by the time of
     * `before`, also not final, of the same life, where both name their releases (JobStatus.release:
     * a worker names the release it runs on every status it writes, the dispatcher names the
     * release a worker handed back on its statuses of the order held again, the status of its next
     * release included, and none on those of an order never handed back; releases of one job
     * grow). Stale are:
     * <ul>
     * <li>a status of an earlier release than `before`'s (a tick of a stopped run, or a copy of its
     * hand-back written again, landing while the next release runs);</li>
     * <li>a RUNNING status after a QUEUED one of the same release: the run was handed back, and
     * the tick is of a worker that had lost its lane and not yet heard of the pause;</li>
     * <li>a hand-back after one of the dispatcher's statuses of the order it held again (a copy of
     * the hand-back written again by the status table).</li>
     * </ul>
     * Final statuses are committed with the order's `work` offset by the lane's owner, so none is
     * stale by its release.
     */
    private static boolean staleRelease(JobStatus before, JobStatus next) {
        if (isFinal(before.getState()) || isFinal(next.getState()) || !sameLife(before.getSubmissionId(), next.getSubmissionId())) {
            return false;
        }
        long was = handedBack(before) ? handedBackRelease(before) : before.getRelease().toEpochMilli();
        long is = handedBack(next) ? handedBackRelease(next) : next.getRelease().toEpochMilli();
        if (was == 0 || is == 0 || is > was) {
            return false;
        }
        if (is < was) {
            return true;
        }
        boolean runOver = before.getState() == JobState.QUEUED;
        return runOver && (next.getState() == JobState.RUNNING || handedBack(next) && !handedBack(before));
    }

    /**
     * staleAfter of two statuses given by their states and submission ids ("" where unnamed),
     * without the rule of releases (which tells only non-final statuses apart: enough for a reader
     * that asks only whether the job has ended).
     */
    public static boolean staleAfter(JobState before, String beforeSubmission, JobState next, String nextSubmission) {
        if (next == JobState.ACCEPTED && isFinal(before)) {
            return false;
        }
        if (!sameLife(beforeSubmission, nextSubmission)) {
            return !(isFinal(before) && isFinal(next));
        }
        return isFinal(before) && !isFinal(next);
    }

    /** Whether two statuses may be of one life: unless both name their submissions and the names differ. */
    public static boolean sameLife(String beforeSubmission, String nextSubmission) {
        return beforeSubmission.isEmpty() || nextSubmission.isEmpty() || beforeSubmission.equals(nextSubmission);
    }
}
