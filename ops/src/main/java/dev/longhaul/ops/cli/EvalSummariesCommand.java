/*
 * `longhaul eval summaries FILE [--json]`: scores the extractive digest (all-MiniLM-L6-v2
 * centrality + MMR) and two baselines (lead sentences; TextRank over word overlap, no embeddings)
 * against the human summaries in FILE, laid out like the plain-English contract summaries corpus
 * (values with "original_text" and "reference_summary"). Prints mean ROUGE-1/2/L F1 per method and
 * the number of pairs; with --json one object: {"pairs": n, "skipped": k, "digest": {"rouge1": ..,
 * "rouge2": .., "rougeL": ..}, "lead": {...}, "textrank": {...}}. Exit 0 after printing, 2 when FILE
 * is not readable JSON. The scoring rules, also in the help text, are defined in Rouge and SummaryEval.
 */
package dev.longhaul.ops.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longhaul.pipeline.analyze.digest.MiniLmEncoder;
import dev.longhaul.pipeline.analyze.digest.Rouge;
import dev.longhaul.pipeline.analyze.digest.SummaryEval;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "summaries", mixinStandardHelpOptions = true,
        description = {
            "Score the extractive digest and two baselines on document/summary pairs (ROUGE F1).",
            "",
            "FILE: a JSON object (or array) whose elements have original_text and reference_summary.",
            "Methods, all with the same sentences and word budget (25%% of the document's words, 12-200):",
            "  digest:   all-MiniLM-L6-v2 embeddings: centrality (cosine to the centroid) plus TextRank's",
            "            lexical centrality and a small position prior, then MMR (lambda 0.7);",
            "  lead:     the first sentences;",
            "  textrank: PageRank over word-overlap similarity (no embeddings).",
            "ROUGE: words = lower-case letter/digit runs, no stemming; ROUGE-1/2 clipped n-gram F1,",
            "ROUGE-L = LCS F1 over the whole texts; means over pairs."
        })
public final class EvalSummariesCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "JSON file of document/summary pairs.")
    Path file;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SummaryEval.Report report;
        try {
            report = SummaryEval.run(file, MiniLmEncoder.load());
        } catch (IOException e) {
            spec.commandLine().getErr().println("longhaul eval summaries: cannot read " + file + ": " + e.getMessage());
            return 2;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode root = mapper.createObjectNode();
            root.put("pairs", report.pairs());
            root.put("skipped", report.skipped());
            scores(root.putObject("digest"), report.digest());
            scores(root.putObject("lead"), report.lead());
            scores(root.putObject("textrank"), report.textRank());
            out.println(mapper.writeValueAsString(root));
        } else {
            out.printf("%-10s %8s %8s %8s%n", "method", "rouge1", "rouge2", "rougeL");
            row(out, "digest", report.digest());
            row(out, "lead", report.lead());
            row(out, "textrank", report.textRank());
            out.printf("%d pairs evaluated (%d skipped)%n", report.pairs(), report.skipped());
        }
        out.flush();
        if (report.pairs() == 0) {
            // nothing scored (an empty list, or pairs without the expected fields): the zeros above
            // say nothing, so it is not a pass
            spec.commandLine().getErr().println("longhaul eval summaries: no pair in " + file + " could be scored ("
                    + report.skipped() + " skipped)");
            return 2;
        }
        return 0;
    }

    private static void scores(ObjectNode node, Rouge.Scores s) {
        node.put("rouge1", round(s.rouge1()));
        node.put("rouge2", round(s.rouge2()));
        node.put("rougeL", round(s.rougeL()));
    }

    private static void row(PrintWriter out, String name, Rouge.Scores s) {
        out.printf("%-10s %8.4f %8.4f %8.4f%n", name, s.rouge1(), s.rouge2(), s.rougeL());
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
