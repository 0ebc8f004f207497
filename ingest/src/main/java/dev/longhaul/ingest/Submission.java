/*
 * What a committed submission wrote: the JobRequest exactly as sent (job id, submission id,
 * descriptor with chunk count, bytes and SHA-256) and, for a repository, the entries left out.
 */
package dev.longhaul.ingest;

import java.util.List;

import dev.longhaul.schemas.DocumentDescriptor;
import dev.longhaul.schemas.JobRequest;

public record Submission(JobRequest request, List<Skipped> skipped) {
    public Submission {
        skipped = List.copyOf(skipped);
    }

    public String jobId() {
        return request.getJobId();
    }

    public String submissionId() {
        return request.getSubmissionId();
    }

    public DocumentDescriptor document() {
        return request.getDocument();
    }
}
