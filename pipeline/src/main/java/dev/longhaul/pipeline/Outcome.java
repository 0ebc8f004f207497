/*
 * What a pipeline processor emits, one record at a time: a status change, a dead letter, an event
 * for the dispatcher, an order for a lane, or a decoded input record. Processors forward Outcomes
 * and PipelineTopology routes each kind to its topic, so a processor never knows topic names or
 * serdes. Outcomes live only inside a sub-topology (between a processor and its sinks): they are
 * never serialized.
 */
package dev.longhaul.pipeline;

import dev.longhaul.pipeline.dispatch.DispatchEvent;
import dev.longhaul.schemas.DeadLetter;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.WorkOrder;

public sealed interface Outcome {

    /** A job's new status, for the `status` topic (keyed by job id). */
    record Status(JobStatus status) implements Outcome {}

    /** A refused record, for `dead-letters`, keyed by the original key bytes (null when it had none). */
    record DeadLettered(byte[] key, DeadLetter letter) implements Outcome {}

    /** An event for the single dispatcher (through the dispatch repartition topics). */
    record ToDispatch(DispatchEvent event) implements Outcome {}

    /** An order released onto a lane, for `work` partition = lane. */
    record ToWork(int lane, WorkOrder order) implements Outcome {}

    /** A record already serialized, for a topic chosen per record (tenant admission and delivery). */
    record Routed(String topic, byte[] value) implements Outcome {}

    /** A well-formed input record, passed on typed. */
    record Decoded<V>(V value) implements Outcome {}

    /** A status change of a job, at wall-clock instant now, about no one submission (none was read). */
    static Outcome.Status status(String jobId, String tenant, JobState state, String reason, long now) {
        return status(jobId, tenant, "", state, reason, now);
    }

    /** A status change of one submission of a job, at wall-clock instant now. */
    static Outcome.Status status(String jobId, String tenant, String submissionId, JobState state, String reason, long now) {
        return status(jobId, tenant, submissionId, state, reason, 0, now);
    }

    /** As above, about the release `release` of the job's order (JobStatus.release; 0: about none). */
    static Outcome.Status status(String jobId, String tenant, String submissionId, JobState state, String reason, long release,
            long now) {
        return new Status(JobStatus.newBuilder()
                .setJobId(jobId)
                .setTenant(tenant == null ? "" : tenant)
                .setState(state)
                .setReason(reason)
                .setUpdatedAt(java.time.Instant.ofEpochMilli(now))
                .setSubmissionId(submissionId)
                .setRelease(java.time.Instant.ofEpochMilli(release))
                .build());
    }
}
