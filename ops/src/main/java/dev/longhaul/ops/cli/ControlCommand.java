/*
 * The commands about a job already submitted: `longhaul cancel|pause|resume JOB_ID` and
 * `longhaul priority JOB_ID N`. Each writes one Control record keyed by the job id (ingest's
 * JobControl) and returns once the broker has it; `longhaul status` is how to see the outcome. A
 * job in a final state ignores every command. A priority change, pause or resume applies while the
 * job waits for a lane (QUEUED "priority=N", "paused", "resumed" on its status). A running job
 * paused is stopped by its worker and handed back (QUEUED, "paused; stopped on its worker ..."),
 * and runs again from the beginning once resumed; a priority change for a running job applies
 * only if it is paused and runs again. --as-tenant writes through the tenant's own control topic, as `submit` does.
 */
package dev.longhaul.ops.cli;

import java.util.concurrent.Callable;

import dev.longhaul.ingest.IngestConfig;
import dev.longhaul.ingest.JobControl;
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

    /** Writes the command; what to print after the job id. */
    abstract String send(JobControl control);

    @Override
    public Integer call() {
        IngestConfig config = asTenant == null ? kafka.ingestConfig() : kafka.ingestConfig().withTenant(asTenant);
        String done;
        try (JobControl control = new JobControl(config, kafka.registry())) {
            done = send(control);
        }
        spec.commandLine().getOut().println(jobId + ": " + done);
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
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Let a paused job start again.")
    static final class Resume extends ControlCommand {
        @Override
        String send(JobControl control) {
            control.resume(jobId);
            return "resume requested";
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
    }
}
