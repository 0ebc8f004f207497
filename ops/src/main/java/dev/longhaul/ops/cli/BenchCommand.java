/* `longhaul bench ...`: benchmarks; today only `engine`. */
package dev.longhaul.ops.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.", subcommands = {BenchEngineCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand (engine)");
    }
}
