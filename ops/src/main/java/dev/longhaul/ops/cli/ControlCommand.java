/*
 * The commands about a job already submitted: `longhaul cancel|pause|resume JOB_ID` and
 * `longhaul priority JOB_ID N`. Each writes one Control record keyed by the job id (ingest's
 * JobControl) and returns once the broker has it; `longhaul status` is how to see the outcome. A
 * job in a final state ignores every command. A priority change, pause or resume applies while the
 * job waits for a lane (QUEUED "priority=N", "paused", "resumed" on its status). A running job
 * paused is stopped by its worker and handed back (QUEUED, "paused; stopped on its worker ..."),
 * and runs again from the beginning once resumed; a priority change for a running job applies
 * only if it is paused and runs again. --as-tenant writes through the tenant's own control topic, as `submit` does.
 *
 * The job's latest status is read first (as `longhaul status` reads it). A job already final is
 * told so, on stderr with exit status 1, and nothing is written: the command could change nothing.
 * A job with no status yet (an id nobody submitted, a mistyped one, or an upload still under way) is
 * written to, and stderr says what that means: a cancel keeps the id cancelled, so a submission of
 * it arriving later does not run; the other commands change nothing unless an upload of it is under
 * way. A status that cannot be read does not stop the command; stderr says it was not checked.
 */
package dev.longhaul.ops.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.longhaul.ingest.IngestConfig;
import dev.longhaul.ingest.JobControl;
import dev.longhaul.ingest.JobFollower;
import dev.longhaul.ingest.JobIds;
import dev.longhaul.schemas.JobStates;
import dev.longhaul.schemas.JobStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

abstract class ControlCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "JOB_ID", description = "The job.")
    String jobId;

    @Option(names = "--as-tenant", paramLabel = "TENANT",
            description = "Write through this tenant's own control topic (what a tenant's Kafka ACLs allow).")
    String asTenant;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    /** How long the status lookup before the command may take. */
    static final Duration STATUS_LOOKUP = Duration.ofSeconds(30);

    /** Writes the command; what to print after the job id. */
    abstract String send(JobControl control);

    /** The command's name, as a sentence says it ("cancel"). */
    abstract String verb();

    /** What the command does to an id with no status yet, for stderr. */
    String ofUnknownJob() {
        return "it changes nothing unless an upload of " + jobId + " is under way";
    }

    @Override
    public Integer call() {
        JobIds.requireValid(jobId);
        IngestConfig config = asTenant == null ? kafka.ingestConfig() : kafka.ingestConfig().withTenant(asTenant);
        PrintWriter err = spec.commandLine().getErr();
        Optional<JobStatus> status;
        try (JobFollower follower = new JobFollower(config, kafka.registry())) {
            status = follower.latestStatus(jobId, STATUS_LOOKUP);
        } catch (RuntimeException e) {
            status = null;
            err.println(jobId + ": its status was not checked (" + e.getMessage() + ")");
        }
        if (status != null && status.isPresent() && JobStates.isFinal(status.get().getState())) {
            err.println(jobId + ": already " + status.get().getState() + " (" + ResultPrinter.describe(status.get()) + "); "
                    + verb() + " not sent, it would change nothing");
            return 1;
        }
        String done;
        try (JobControl control = new JobControl(config, kafka.registry())) {
            done = send(control);
        }
        spec.commandLine().getOut().println(jobId + ": " + done);
        if (status != null && status.isEmpty()) {
            err.println(jobId + ": no job of this id is known yet (no status): " + ofUnknownJob());
        }
        return 0;
    }

    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = "Keep a job from running until `resume`: a running one is stopped and starts again from the"
                    + " beginning when resumed (its deadline still runs).")
    static final class Pause extends ControlCommand {
        @Override
        String send(JobControl control) {
            control.pause(jobId);
            return "pause requested";
        }

        @Override
        String verb() {
            return "pause";
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Let a paused job start again.")
    static final class Resume extends ControlCommand {
        @Override
        String send(JobControl control) {
            control.resume(jobId);
            return "resume requested";
        }

        @Override
        String verb() {
            return "resume";
        }
    }

    @Command(name = "priority", mixinStandardHelpOptions = true,
            description = "Change a queued job's priority (higher goes first; a running job runs on, and keeps it if paused and resumed).")
    static final class Priority extends ControlCommand {
        @Parameters(index = "1", paramLabel = "N", description = "The new priority.")
        int priority;

        @Override
        String send(JobControl control) {
            control.setPriority(jobId, priority);
            return "priority " + priority + " requested";
        }

        @Override
        String verb() {
            return "priority change";
        }
    }
}
