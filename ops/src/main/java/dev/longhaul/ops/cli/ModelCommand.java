/* `longhaul model ...`: commands about model folders; today only `synth`. */
package dev.longhaul.ops.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "model", mixinStandardHelpOptions = true, description = "Model folder tools.", subcommands = {ModelSynthCommand.class})
public final class ModelCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand (synth)");
    }
}
