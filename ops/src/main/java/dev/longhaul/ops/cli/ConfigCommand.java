/*
 * `longhaul config show`: the group of configuration subcommands. Without a subcommand it is a
 * usage error, like `longhaul sink`.
 */
package dev.longhaul.ops.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Inspect the configuration: defaults < --config FILE or ./longhaul.properties < LONGHAUL_* environment < options.",
        subcommands = {ConfigShowCommand.class})
public final class ConfigCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand (show)");
    }
}
