/* `longhaul eval ...`: scores the deterministic analyzers against labelled corpora, one subcommand per analyzer. */
package dev.longhaul.ops.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "eval", mixinStandardHelpOptions = true, description = "Score an analyzer against a labelled corpus.",
        subcommands = {EvalLogsCommand.class, EvalContractsCommand.class, EvalSummariesCommand.class, EvalRepoCommand.class})
public final class EvalCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand (logs, contracts, summaries, repo)");
    }
}
