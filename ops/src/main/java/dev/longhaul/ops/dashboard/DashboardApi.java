/*
 * What the HTTP layer asks of the dashboard, kept to a few calls so that DashboardServer only
 * translates HTTP and the figures, lookups and commands live in Dashboard.
 */
package dev.longhaul.ops.dashboard;

import java.util.Optional;

import dev.longhaul.ops.dashboard.ThroughputSnapshot.JobRow;

interface DashboardApi {
    /** The metrics model now. */
    ThroughputSnapshot snapshot();

    /** A job's latest status; empty when nothing is known of it. Throws IllegalArgumentException for a malformed id. */
    Optional<JobRow> job(String jobId);

    /** Writes a CANCEL for the job and returns once the broker has it. */
    void cancel(String jobId);

    /** Writes a PAUSE (paused) or RESUME for the job and returns once the broker has it. */
    void pause(String jobId, boolean paused);

    /** Writes a SET_PRIORITY for the job and returns once the broker has it. */
    void setPriority(String jobId, int priority);

    /** The meters in Prometheus text format. */
    String scrape();
}
