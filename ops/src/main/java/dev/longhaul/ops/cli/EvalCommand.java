/* `longhaul eval ...`: scores an analyzer against labelled data; one subcommand per analyzer. */
package dev.longhaul.ops.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "eval", mixinStandardHelpOptions = true, description = "Score analyzers against labelled data.",
        subcommands = {EvalContractsCommand.class})
public final class EvalCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }
}
