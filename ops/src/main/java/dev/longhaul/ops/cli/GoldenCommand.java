/*
 * `longhaul golden DIR`: runs every check of a golden folder (its cases.json) through the chosen
 * backend, prints one line per check with its error, then "N passed, M failed". Exit 0 only when
 * every check passed (and there was one), 1 otherwise.
 */
package dev.longhaul.ops.cli;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.golden.GoldenSuite;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "golden", mixinStandardHelpOptions = true, description = "Check the engine against a golden folder (config.json, safetensors, cases.json).")
public final class GoldenCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Golden folder, e.g. ../shared/golden/minimax-tiny.")
    Path dir;

    @Mixin
    EngineOptions engine;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<GoldenSuite.Check> checks;
        try (Backend backend = engine.open()) {
            checks = GoldenSuite.open(dir).run(backend);
        }
        long failed = checks.stream().filter(c -> !c.passed()).count();
        checks.forEach(out::println);
        out.println((checks.size() - failed) + " passed, " + failed + " failed");
        out.flush();
        return failed == 0 && !checks.isEmpty() ? 0 : 1; // no check run is no pass
    }
}
