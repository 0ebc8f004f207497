/*
 * `longhaul cancel JOB_ID`: writes a Control CANCEL record keyed by the job id and returns once
 * the broker has it. The pipeline applies it at the job's next chunk or decode step; a job already
 * final ignores it, so `longhaul status` is how to see the outcome.
 */
package dev.longhaul.ops.cli;

import java.util.concurrent.Callable;

import dev.longhaul.ingest.JobControl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Ask the pipeline to cancel a job.")
public final class CancelCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "JOB_ID", description = "The job to cancel.")
    String jobId;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (JobControl control = new JobControl(kafka.ingestConfig(), kafka.registry())) {
            control.cancel(jobId);
        }
        spec.commandLine().getOut().println(jobId + ": cancel requested");
        return 0;
    }
}
