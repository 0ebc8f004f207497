/*
 * `longhaul bench branches [--model DIR] [--tasks K] [--documents N] [--bytes-per-doc B]
 * [--corpus FILE | --synthetic] [--context-tokens T] [--max-output-tokens M] [--rounds R]
 * [--concurrent-orders C] [--threads N] [--json]`: orders of K tasks (a summary and K−1
 * extractions) through a worker's engine decoding the task branches one by one and batched
 * together, and with C > 1 also C orders at once, alternately in one run (BranchBench), printing
 * per-round orders/s and the batched/one-by-one and at-once/batched ratios (medians over rounds)
 * as a table, or as one JSON line with --json. Without --model a tiny random-weight `xs`
 * model is synthesized into a temporary folder.
 */
package dev.longhaul.ops.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.Locale;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.ops.bench.BenchDocuments;
import dev.longhaul.ops.bench.BranchBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "branches", mixinStandardHelpOptions = true,
        description = "Benchmark a worker's engine on orders of several tasks: branches decoded one by one against batched.")
public final class BenchBranchesCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR", description = "Model folder (default: an xs model synthesized into a temporary folder).")
    Path model;

    @Option(names = "--tasks", defaultValue = "4", paramLabel = "K",
            description = "Tasks per order: one summary and K-1 extractions. Default: ${DEFAULT-VALUE}.")
    int tasks;

    @Option(names = "--documents", defaultValue = "4", paramLabel = "N", description = "Orders per round. Default: ${DEFAULT-VALUE}.")
    int documents;

    @Option(names = "--bytes-per-doc", defaultValue = "16384", paramLabel = "B", description = "Bytes per document. Default: ${DEFAULT-VALUE}.")
    int bytesPerDoc;

    @Option(names = "--corpus", defaultValue = BenchPipelineCommand.DEFAULT_CORPUS, paramLabel = "FILE",
            description = "Log file the documents are sliced from. Default: ${DEFAULT-VALUE}.")
    Path corpus;

    @Option(names = "--synthetic", description = "Use seeded synthetic text instead of the corpus log.")
    boolean synthetic;

    @Option(names = "--context-tokens", defaultValue = "1024", paramLabel = "T",
            description = "Most document tokens the model reads per order. Default: ${DEFAULT-VALUE}.")
    int contextTokens;

    @Option(names = "--max-output-tokens", defaultValue = "32", paramLabel = "M",
            description = "Tokens decoded per summary or extracted field. Default: ${DEFAULT-VALUE}.")
    int maxOutputTokens;

    @Option(names = "--rounds", defaultValue = "2", paramLabel = "R",
            description = "Measured rounds, each one by one then batched, after a warm-up. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--concurrent-orders", defaultValue = "1", paramLabel = "C",
            description = "Also run C orders at once on one engine (a worker with C lanes), when C > 1. Default: ${DEFAULT-VALUE}.")
    int concurrentOrders;

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
        BenchDocuments docs = BenchDocuments.chosen(synthetic, BenchPipelineCommand.corpus(spec, corpus), documents, bytesPerDoc);
        return BenchPipelineCommand.withModel(model, dir -> {
            BranchBench.Options options = new BranchBench.Options(dir, engine.backendName(), engine.threads(),
                    contextTokens, maxOutputTokens, tasks, rounds, concurrentOrders);
            // Progress goes to stderr so that --json leaves one clean line on stdout.
            BranchBench.Report report = new BranchBench(options, docs, line -> {
                err.println("bench branches: " + line);
                err.flush();
            }).run();
            if (json) {
                out.println(new ObjectMapper().writeValueAsString(result(dir, docs, options, report)));
            } else {
                printTable(out, dir, docs, options, report);
            }
            out.flush();
            return 0;
        });
    }

    private static Map<String, Object> result(Path dir, BenchDocuments docs, BranchBench.Options o, BranchBench.Report report) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", dir.toString());
        r.put("backend", o.backend());
        r.put("threads", o.threads());
        r.put("kind", docs.kind().name());
        r.put("origin", docs.origin());
        r.put("orders", docs.texts().size());
        r.put("tasks_per_order", o.tasks());
        r.put("budget_tokens", report.budgetTokens());
        r.put("max_output_tokens", o.maxOutputTokens());
        r.put("document_tokens_per_round", report.rounds().getFirst().batched().documentTokens());
        List<Map<String, Object>> rounds = new ArrayList<>();
        for (BranchBench.Round round : report.rounds()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("round", round.index());
            m.put("one_by_one_orders_per_s", round.oneByOne().ordersPerSecond());
            m.put("one_by_one_seconds", round.oneByOne().seconds());
            m.put("batched_orders_per_s", round.batched().ordersPerSecond());
            m.put("batched_seconds", round.batched().seconds());
            m.put("ratio", round.ratio());
            if (round.concurrent() != null) {
                m.put("concurrent_orders_per_s", round.concurrent().ordersPerSecond());
                m.put("concurrent_seconds", round.concurrent().seconds());
                m.put("concurrent_ratio", round.concurrentRatio());
            }
            rounds.add(m);
        }
        r.put("rounds", rounds);
        r.put("ratio_median", report.medianRatio());
        if (o.concurrentOrders() > 1) {
            r.put("concurrent_orders", o.concurrentOrders());
            r.put("concurrent_ratio_median", report.medianConcurrentRatio());
        }
        return r;
    }

    private static void printTable(PrintWriter out, Path dir, BenchDocuments docs, BranchBench.Options o, BranchBench.Report report) {
        out.printf("model %s, backend %s, %d threads; %d %s orders from %s, %d bytes; %d tasks per order; budget %d"
                        + " document tokens, %d output tokens per task%n",
                dir, o.backend(), o.threads(), docs.texts().size(), docs.kind().name().toLowerCase(Locale.ROOT), docs.origin(),
                docs.totalBytes(), o.tasks(), report.budgetTokens(), o.maxOutputTokens());
        boolean together = o.concurrentOrders() > 1;
        out.printf("%-6s %18s %18s %8s", "round", "one by one ord/s", "batched ord/s", "ratio");
        out.printf(together ? "%18s %8s%n" : "%n", o.concurrentOrders() + " at once ord/s", "ratio");
        for (BranchBench.Round round : report.rounds()) {
            out.printf("%-6d %18.3f %18.3f %8.3f", round.index(), round.oneByOne().ordersPerSecond(),
                    round.batched().ordersPerSecond(), round.ratio());
            if (together) {
                out.printf("%18.3f %8.3f%n", round.concurrent().ordersPerSecond(), round.concurrentRatio());
            } else {
                out.println();
            }
        }
        out.printf("median ratio batched/one by one: %.3f", report.medianRatio());
        if (together) {
            out.printf("; %d at once/batched: %.3f", o.concurrentOrders(), report.medianConcurrentRatio());
        }
        out.printf("; the same outputs on every side%n");
    }
}
