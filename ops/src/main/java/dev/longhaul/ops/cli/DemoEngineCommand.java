/*
 * `longhaul demo engine`: the engine demo (EngineDemo), without Kafka: synthesize or reuse the
 * bundled `s` model, run the golden folders beside the checkout, generate a short continuation.
 * Exit 0 when every golden check passed.
 */
package dev.longhaul.ops.cli;

import java.util.concurrent.Callable;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.ops.engine.EngineDemo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "engine", mixinStandardHelpOptions = true,
        description = "Run the engine demo: the bundled model, the golden checks, a short generation (no Kafka).")
public final class DemoEngineCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        // picocli runs the last subcommand alone: `demo --backend cuda engine` would run on the CPU
        // (the root's own options, --verbose and --config, reach every command wherever they are given)
        CommandSpec demo = spec.parent();
        java.util.List<String> misplaced = demo == null ? java.util.List.of() : demo.commandLine().getParseResult().matchedOptions()
                .stream().filter(o -> !o.inherited()).map(o -> o.longestName()).distinct().toList();
        if (!misplaced.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "options before `engine` belong to the Kafka demo and do not"
                    + " reach the engine demo (" + misplaced + "); put the engine demo's after it: demo engine --backend ...");
        }
        try (Backend backend = engine.open()) {
            return new EngineDemo(DemoCommand.home(), backend, spec.commandLine().getOut()).run();
        }
    }
}
