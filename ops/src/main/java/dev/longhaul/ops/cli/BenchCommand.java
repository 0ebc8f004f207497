/*
 * `longhaul bench ...`: benchmarks: `engine` (prefill and decode), `pipeline` (whole pipeline vs engine
 * alone) and `branches` (an order's task branches decoded one by one vs batched).
 */
package dev.longhaul.ops.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.", subcommands = {BenchEngineCommand.class, BenchDecodeCommand.class, BenchPipelineCommand.class, BenchBranchesCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand (engine, decode, pipeline, branches)");
    }
}
