/*
 * The engine demo behind `longhaul demo engine` (`longhaul demo` itself is the Kafka demo): (1)
 * synthesize the bundled `s` model (BundledModel) into <home>/.longhaul/models/minimax-s, or reuse
 * it when a previous run left it there; (2) run every golden folder under <home>/../shared/golden, when that exists, and print
 * one summary line per folder; (3) generate a short greedy continuation of a fixed prompt, streamed,
 * with prefill and decode speeds; (4) say plainly that the weights are random and how to run a
 * real checkpoint. run() returns 0 when every golden check passed and generation finished, else 1.
 */
package dev.longhaul.ops.engine;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.generate.SamplingParams;
import dev.longhaul.engine.golden.GoldenSuite;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

public final class EngineDemo {
    /** The golden folders, relative to the repository root (CI lays shared/ beside the checkout). */
    public static final String GOLDEN_DIR = "../shared/golden";
    public static final String PROMPT = "Kafka keeps the log, the model keeps the state: a long document";
    public static final int TOKENS = 32;

    private final Path home;
    private final Backend backend;
    private final PrintWriter out;

    /** home: the repository root, which the demo's relative paths start from. */
    public EngineDemo(Path home, Backend backend, PrintWriter out) {
        this.home = home.toAbsolutePath().normalize();
        this.backend = backend;
        this.out = out;
    }

    public int run() {
        say("Longhaul engine demo (backend %s, %d threads)", backend.name(), backend.threads());
        Path model = ensureModel();
        boolean goldenPassed = runGolden();
        generate(model);
        say("");
        say("Note: the bundled model has seeded random weights, so the text above is noise; the path it");
        say("took is the real one (tokenizer, chunked prefill, lightning and softmax layers, MoE, decode).");
        say("To run a real checkpoint, point generate at a Hugging Face MiniMax folder (config.json,");
        say("*.safetensors, sharded or not, and tokenizer.json):");
        say("  ./longhaul generate --model PATH/TO/MINIMAX --prompt \"...\" --max-tokens 64");
        return goldenPassed ? 0 : 1;
    }

    /** The synthesized `s` model, written once and reused afterwards. */
    private Path ensureModel() {
        String dir = BundledModel.MODEL_DIR;
        if (BundledModel.complete(home.resolve(dir))) {
            say("[1/3] model: using the cached %s (delete it to synthesize it again)", dir);
            return home.resolve(dir);
        }
        say("[1/3] model: synthesizing %s (size s, seed %d, %s) ...", dir, BundledModel.SPEC.seed(), BundledModel.SPEC.dtype());
        long start = System.nanoTime();
        Path model = BundledModel.ensure(home, line -> say("      %s", line)).dir();
        say("      done in %.1f s", seconds(start));
        return model;
    }

    /** One summary line per golden folder; false when any check failed. */
    private boolean runGolden() {
        Path root = home.resolve(GOLDEN_DIR).normalize();
        if (!Files.isDirectory(root)) {
            say("[2/3] golden: no folder %s beside the checkout; skipped", GOLDEN_DIR);
            return true;
        }
        List<Path> folders;
        try (Stream<Path> list = Files.list(root)) {
            folders = list.filter(p -> Files.isRegularFile(p.resolve("cases.json"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
        }
        say("[2/3] golden: %d folder(s) in %s (per-check lines: ./longhaul golden DIR)", folders.size(), GOLDEN_DIR);
        boolean allPassed = true;
        for (Path folder : folders) {
            long start = System.nanoTime();
            List<GoldenSuite.Check> checks = GoldenSuite.open(folder).run(backend);
            List<GoldenSuite.Check> failed = checks.stream().filter(c -> !c.passed()).toList();
            say("      %s: %d passed, %d failed (%.1f s)", GOLDEN_DIR + "/" + folder.getFileName(),
                    checks.size() - failed.size(), failed.size(), seconds(start));
            failed.forEach(c -> say("        %s", c));
            if (checks.isEmpty()) {
                say("        its cases.json describes no check: counted as failed, as ./longhaul golden counts it");
            }
            allPassed &= failed.isEmpty() && !checks.isEmpty();
        }
        return allPassed;
    }

    private void generate(Path model) {
        say("[3/3] generate: %d tokens, greedy, from the prompt", TOKENS);
        say("      \"%s\"", PROMPT);
        out.print("      -> ");
        out.flush();
        PromptGeneration.Outcome outcome = PromptGeneration.run(model, backend, PROMPT, SamplingParams.greedy(TOKENS), piece -> {
            out.print(piece.replace("\n", "\n         "));
            out.flush();
        });
        out.println();
        say("      %s", outcome.summary());
        say("      (speeds of a fresh JVM, JIT warm-up included; ./longhaul bench engine measures steady state)");
    }

    private void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
