/*
 * `longhaul status JOB_ID [--follow [--timeout D]]`: the job's latest JobStatus, read_committed
 * from the compacted status topic, as one line (state, progress, tokens, reason). Exit 0 when a
 * status exists, 1 when the job has none (unknown, or not planned yet). With --follow, what
 * `submit --follow` shows for a job already submitted: progress until the job is final, then its
 * results; exit 0 when it succeeded, 1 when it did not, 3 when --timeout came first (an id no job
 * has is followed until then).
 */
package dev.longhaul.ops.cli;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.longhaul.ingest.JobFollower;
import dev.longhaul.ingest.JobIds;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Print the latest status of a job.")
public final class StatusCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "JOB_ID", description = "The job id submit printed.")
    String jobId;

    @Option(names = "--follow", description = "Show progress until the job is final, then print its results.")
    boolean follow;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = SinkCommand.DurationConverter.class,
            description = "With --follow: stop following after this long (90s, 15m, 2h, ISO-8601), exit status 3 if the "
                    + "job is not final by then; default: follow until it is final.")
    Duration timeout;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        JobIds.requireValid(jobId);
        SubmitCommand.checkFollowTimeout(follow, timeout);
        if (follow) {
            try (JobFollower follower = new JobFollower(kafka.ingestConfig(), kafka.registry())) {
                JobFollower.Outcome outcome = follower.follow(List.of(jobId), new ResultPrinter(spec.commandLine().getOut()), timeout);
                if (!outcome.complete()) {
                    spec.commandLine().getErr().println(jobId + ": not final within " + timeout + "; it goes on");
                    return 3;
                }
                JobFollower.JobOutcome job = outcome.jobs().get(jobId);
                if (job != null && job.resultsExpired()) {
                    spec.commandLine().getErr().println(jobId + ": SUCCEEDED at " + job.status().getUpdatedAt()
                            + ", but its results are no longer retained (older than the result topics' retention)");
                    return 1;
                }
                return job != null && job.status() != null && job.status().getState() == JobState.SUCCEEDED ? 0 : 1;
            }
        }
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
