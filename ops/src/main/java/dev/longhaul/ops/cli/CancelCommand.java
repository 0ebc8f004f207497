/*
 * `longhaul cancel JOB_ID`: writes a Control CANCEL record keyed by the job id and returns once
 * the broker has it (see ControlCommand). The pipeline applies it at the job's next chunk or
 * decode step; `longhaul status` is how to see the outcome. A job already final is not written to
 * (exit status 1); a cancel of an id with no status yet keeps that id cancelled (ControlCommand).
 */
package dev.longhaul.ops.cli;

import dev.longhaul.ingest.JobControl;
import picocli.CommandLine.Command;

@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Ask the pipeline to cancel a job.")
public final class CancelCommand extends ControlCommand {
    @Override
    String send(JobControl control) {
        control.cancel(jobId);
        return "cancel requested";
    }

    @Override
    String verb() {
        return "cancel";
    }

    @Override
    String ofUnknownJob() {
        return "the id stays cancelled, so a submission of it arriving later does not run";
    }
}
