/*
 * `longhaul status JOB_ID`: the job's latest JobStatus, read_committed from the compacted status
 * topic, as one line (state, progress, tokens, reason). Exit 0 when a status exists, 1 when the
 * job has none (unknown, or not planned yet).
 */
package dev.longhaul.ops.cli;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.longhaul.ingest.JobFollower;
import dev.longhaul.ingest.JobIds;
import dev.longhaul.schemas.JobStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Print the latest status of a job.")
public final class StatusCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "JOB_ID", description = "The job id submit printed.")
    String jobId;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        JobIds.requireValid(jobId);
        Optional<JobStatus> status;
        try (JobFollower follower = new JobFollower(kafka.ingestConfig(), kafka.registry())) {
            status = follower.latestStatus(jobId, Duration.ofSeconds(60));
        }
        if (status.isEmpty()) {
            spec.commandLine().getErr().println(jobId + ": no status (unknown job, or not planned yet)");
            return 1;
        }
        spec.commandLine().getOut().println(ResultPrinter.describe(status.get()));
        return 0;
    }
}
