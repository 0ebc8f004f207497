/*
 * `longhaul bench pipeline [--model DIR] [--documents N] [--bytes-per-doc B] [--corpus FILE |
 * --synthetic] [--context-tokens T] [--max-output-tokens K] [--rounds R] [--threads N] [--json]`:
 * the same documents through the engine alone and through the whole pipeline with one CPU worker,
 * alternately in one run (PipelineBench), printing per-round documents/s and the pipeline/engine
 * ratio (median over rounds) as a table, or as one JSON line with --json. Without --model a tiny
 * random-weight `xs` model is synthesized into a temporary folder.
 */
package dev.longhaul.ops.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.Locale;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.engine.checkpoint.DType;
import dev.longhaul.engine.synth.ModelSynth;
import dev.longhaul.engine.synth.SynthSpec;
import dev.longhaul.ops.bench.BenchDocuments;
import dev.longhaul.ops.bench.PipelineBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "Benchmark the whole pipeline (one worker) against the engine alone on the same documents.")
public final class BenchPipelineCommand implements Callable<Integer> {
    /** Relative to the repository root (not the working folder, which the launcher keeps): see corpus(). */
    static final String DEFAULT_CORPUS = "../shared/corpus/logs/full/Linux.log";

    /** The corpus given on the command line as it stands, or the default one beside the repository root. */
    static Path corpus(CommandSpec spec, Path given) {
        return spec.commandLine().getParseResult().hasMatchedOption("--corpus") ? given
                : DemoCommand.home().resolve(DEFAULT_CORPUS).normalize();
    }

    @Option(names = "--model", paramLabel = "DIR", description = "Model folder (default: an xs model synthesized into a temporary folder).")
    Path model;

    @Option(names = "--documents", defaultValue = "8", paramLabel = "N", description = "Documents per round. Default: ${DEFAULT-VALUE}.")
    int documents;

    @Option(names = "--bytes-per-doc", defaultValue = "65536", paramLabel = "B", description = "Bytes per document. Default: ${DEFAULT-VALUE}.")
    int bytesPerDoc;

    @Option(names = "--corpus", defaultValue = DEFAULT_CORPUS, paramLabel = "FILE",
            description = "Log file the documents are sliced from. Default: ${DEFAULT-VALUE}.")
    Path corpus;

    @Option(names = "--synthetic", description = "Use seeded synthetic text instead of the corpus log.")
    boolean synthetic;

    @Option(names = "--context-tokens", defaultValue = "4096", paramLabel = "T",
            description = "Most document tokens the model reads per job. Default: ${DEFAULT-VALUE}.")
    int contextTokens;

    @Option(names = "--max-output-tokens", defaultValue = "16", paramLabel = "K",
            description = "Tokens decoded per summary or extracted field. Default: ${DEFAULT-VALUE}.")
    int maxOutputTokens;

    @Option(names = "--rounds", defaultValue = "2", paramLabel = "R",
            description = "Measured rounds, each engine alone then pipeline, after a warm-up. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--json", description = "Print the result as one JSON line.")
    boolean json;

    @Mixin
    EngineOptions engine;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BenchDocuments docs = BenchDocuments.chosen(synthetic, corpus(spec, corpus), documents, bytesPerDoc);
        return withModel(model, dir -> run(dir, docs, out, err));
    }

    /** What a bench does with its model folder. */
    interface ModelRun<T> {
        T run(Path dir) throws IOException;
    }

    /**
     * Runs the bench on `given`, or, when null, on an xs model synthesized into a temporary folder
     * that is deleted when the bench ends, by a Ctrl-C too (StartGuard: after the synthesis).
     */
    static <T> T withModel(Path given, ModelRun<T> bench) throws IOException {
        if (given != null) {
            return bench.run(given);
        }
        dev.longhaul.ops.stack.StartGuard<Path> onShutdown = dev.longhaul.ops.stack.StartGuard.install("bench model",
                java.time.Duration.ofSeconds(30), dir -> {
                    try {
                        deleteTree(dir);
                    } catch (IOException e) {
                        System.err.println("longhaul bench: could not delete " + dir + ": " + e.getMessage());
                    }
                }, () -> { });
        Path dir;
        try {
            dir = synthesizeXs();
            onShutdown.started(dir);
        } catch (IOException | RuntimeException | Error e) {
            onShutdown.failed(e);
            onShutdown.remove();
            throw e;
        }
        try {
            return bench.run(dir);
        } finally {
            if (onShutdown.remove()) {
                deleteTree(dir);
            } // else shutting down: the hook deletes it
        }
    }

    private int run(Path dir, BenchDocuments docs, PrintWriter out, PrintWriter err) throws IOException {
        PipelineBench.Options options = new PipelineBench.Options(dir, engine.backendName(), engine.threads(),
                contextTokens, maxOutputTokens, rounds);
        // Progress goes to stderr so that --json leaves one clean line on stdout.
        PipelineBench.Report report = new PipelineBench(options, docs, line -> {
            err.println("bench pipeline: " + line);
            err.flush();
        }).run();
        Map<String, Object> result = result(dir, docs, options, report);
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(result));
        } else {
            printTable(out, dir, docs, options, report);
        }
        out.flush();
        return 0;
    }

    static Path synthesizeXs() throws IOException {
        Path dir = Files.createTempDirectory("longhaul-bench-model-");
        try {
            ModelSynth.write(dir, SynthSpec.of("xs", 7, DType.F32));
        } catch (RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
        return dir;
    }

    static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static Map<String, Object> result(Path dir, BenchDocuments docs, PipelineBench.Options o, PipelineBench.Report report) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", dir.toString());
        r.put("backend", o.backend());
        r.put("threads", o.threads());
        r.put("kind", docs.kind().name());
        r.put("origin", docs.origin());
        r.put("documents", docs.texts().size());
        r.put("document_bytes", docs.totalBytes());
        r.put("budget_tokens", report.budgetTokens());
        r.put("max_output_tokens", o.maxOutputTokens());
        r.put("tasks_per_document", 2);
        r.put("document_tokens_per_round", report.rounds().getFirst().engine().documentTokens());
        List<Map<String, Object>> rounds = new ArrayList<>();
        for (PipelineBench.Round round : report.rounds()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("round", round.index());
            m.put("engine_docs_per_s", round.engine().documentsPerSecond());
            m.put("engine_seconds", round.engine().seconds());
            m.put("pipeline_docs_per_s", round.pipeline().documentsPerSecond());
            m.put("pipeline_seconds", round.pipeline().seconds());
            m.put("ratio", round.ratio());
            rounds.add(m);
        }
        r.put("rounds", rounds);
        r.put("ratio_median", report.medianRatio());
        r.put("ratio_min", report.rounds().stream().mapToDouble(PipelineBench.Round::ratio).min().orElseThrow());
        r.put("ratio_max", report.rounds().stream().mapToDouble(PipelineBench.Round::ratio).max().orElseThrow());
        return r;
    }

    private static void printTable(PrintWriter out, Path dir, BenchDocuments docs, PipelineBench.Options o, PipelineBench.Report report) {
        out.printf("model %s, backend %s, %d threads; %d %s documents from %s, %d bytes; budget %d document tokens,"
                        + " %d output tokens per task, 2 tasks per document%n",
                dir, o.backend(), o.threads(), docs.texts().size(), docs.kind().name().toLowerCase(Locale.ROOT), docs.origin(),
                docs.totalBytes(), report.budgetTokens(), o.maxOutputTokens());
        out.printf("%-6s %16s %16s %8s%n", "round", "engine docs/s", "pipeline docs/s", "ratio");
        for (PipelineBench.Round round : report.rounds()) {
            out.printf("%-6d %16.3f %16.3f %8.3f%n", round.index(), round.engine().documentsPerSecond(),
                    round.pipeline().documentsPerSecond(), round.ratio());
        }
        out.printf("median ratio pipeline/engine alone: %.3f (target >= 0.9); document tokens per round %d on both sides%n",
                report.medianRatio(), report.rounds().getFirst().engine().documentTokens());
    }
}
