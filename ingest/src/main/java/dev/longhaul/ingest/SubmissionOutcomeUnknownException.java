/*
 * The commit of a submission's transaction did not finish in time (or the thread was interrupted
 * while it waited): Kafka may still complete it, so the job may or may not become visible, and
 * the transaction cannot be aborted any more. The way out is to submit the same document again
 * under jobId(): if the first commit went through, the planner takes the second as a no-op (same
 * job id, same digest); if it did not, the second is the job. Submitting under a new id instead
 * could run the document twice.
 */
package dev.longhaul.ingest;

import org.apache.kafka.common.KafkaException;

public final class SubmissionOutcomeUnknownException extends KafkaException {
    private final String jobId;

    public SubmissionOutcomeUnknownException(String jobId, Throwable cause) {
        super("the commit of job " + jobId + " did not finish (" + cause.getMessage() + "); it may or may not be"
                + " submitted: submit the same document again under job id " + jobId + ", never a new one", cause);
        this.jobId = jobId;
    }

    /** The job id the submission used (generated or given): the one to resubmit under. */
    public String jobId() {
        return jobId;
    }
}
