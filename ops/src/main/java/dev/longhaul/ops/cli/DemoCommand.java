/*
 * `longhaul demo [--once]`: today the engine demo (EngineDemo): synthesize or reuse the bundled
 * `s` model, run the golden folders beside the checkout, generate a short continuation. The Kafka
 * demo replaces it in a later issue; --once then means "process the sample jobs and exit".
 */
package dev.longhaul.ops.cli;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.ops.engine.EngineDemo;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "demo", mixinStandardHelpOptions = true, description = "Run the demo: a bundled model, the golden checks, a short generation.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--once", description = "Run the demo once and exit (status 0 on success).")
    boolean once;

    @Mixin
    EngineOptions engine;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        // The launcher passes the repository root; run straight from an IDE, the working folder.
        Path home = Path.of(System.getProperty("longhaul.home", "."));
        try (Backend backend = engine.open()) {
            return new EngineDemo(home, backend, spec.commandLine().getOut()).run();
        }
    }
}
