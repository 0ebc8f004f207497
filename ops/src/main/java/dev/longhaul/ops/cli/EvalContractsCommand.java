/*
 * `longhaul eval contracts DIR [--json] [--misses]`: runs the contracts analyzer over every
 * DIR/docs/<name>.txt that has DIR/labels/<name>.json (the shared CUAD corpus layout) and prints
 * precision, recall and F1 per field, then the micro-averaged total and key_fields_f1. With --json,
 * one object: {"documents": n, "fields": {NAME: {"precision": p, "recall": r, "f1": f, "tp": .., "fp": ..,
 * "fn": ..}}, "key_fields_f1": f, "overall": {...}}. Exit 0 after printing, 2 when DIR is not such a
 * folder. The matching rule, also in the help text, is defined in ContractScoring.
 */
package dev.longhaul.ops.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longhaul.pipeline.analyze.contracts.ContractAnalyzer;
import dev.longhaul.pipeline.analyze.contracts.ContractEval;
import dev.longhaul.pipeline.analyze.contracts.ContractScoring;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "contracts", mixinStandardHelpOptions = true,
        description = {
            "Score the contracts analyzer on CUAD-labelled contracts (DIR/docs/*.txt, DIR/labels/*.json).",
            "",
            "Matching, per document and field:",
            "  parties: gold = the label answer's ';' entries (name = text before the first bracket or quote);",
            "    a predicted party matches an unmatched gold party when the names' token F1 > 0.5 or the",
            "    predicted name is the party's defined term; one-to-one; fp/fn = unmatched predicted/gold.",
            "  dates (agreement, effective, expiration): the answer read as m/d/yy (blanks [] unknown) or",
            "    'perpetual'; known parts must agree (complete dates within one day).",
            "  governing law: token F1 > 0.5 with the answer or one of its ';' parts.",
            "  renewal term, notice period: equal length (12 months = 1 year).",
            "  yes/no clauses: predicted present iff labelled Yes.",
            "Tokens: lower-case letter/digit runs without the/of/and/state/laws...; token F1 = 2|P&G|/(|P|+|G|).",
            "A wrong prediction is a fp, and a fn when gold exists. key_fields_f1 = mean F1 of parties,",
            "agreement/effective/expiration date, governing law, renewal term."
        })
public final class EvalContractsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Folder with docs/ and labels/.")
    Path dir;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Option(names = "--misses", description = "Also list each document and field where prediction and label disagree.")
    boolean misses;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ContractAnalyzer analyzer = new ContractAnalyzer();
        ContractEval.Report report = ContractEval.run(dir, analyzer::analyze);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson(report));
        } else {
            printTable(out, report);
        }
        out.flush();
        if (report.documents() == 0) {
            // no document matched its labels: every score is vacuous, so it is not a pass
            spec.commandLine().getErr().println("eval contracts: no document in " + dir + " has labels to score against");
            return 2;
        }
        return 0;
    }

    private static String toJson(ContractEval.Report report) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("documents", report.documents());
        ObjectNode fields = root.putObject("fields");
        report.fields().forEach((name, c) -> counts(fields.putObject(name), c));
        root.put("key_fields_f1", round(report.keyFieldsF1()));
        counts(root.putObject("overall"), report.overall());
        return mapper.writeValueAsString(root);
    }

    private static void counts(ObjectNode node, ContractScoring.Counts c) {
        node.put("precision", round(c.precision()));
        node.put("recall", round(c.recall()));
        node.put("f1", round(c.f1()));
        node.put("tp", c.tp());
        node.put("fp", c.fp());
        node.put("fn", c.fn());
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    private void printTable(PrintWriter out, ContractEval.Report report) {
        out.printf("%-38s %9s %9s %9s %5s %5s %5s%n", "field", "precision", "recall", "f1", "tp", "fp", "fn");
        for (Map.Entry<String, ContractScoring.Counts> e : report.fields().entrySet()) {
            row(out, (ContractEval.KEY_FIELDS.contains(e.getKey()) ? "* " : "  ") + e.getKey(), e.getValue());
        }
        row(out, "overall (micro)", report.overall());
        out.printf("key_fields_f1 (mean F1 of * fields): %.4f over %d documents%n", report.keyFieldsF1(), report.documents());
        if (misses) {
            for (ContractEval.Miss m : report.misses()) {
                out.printf("miss %s | %s | predicted=%s | gold=%s%n", m.document(), m.field(), m.predicted(),
                        m.gold().replaceAll("\\s+", " "));
            }
        }
    }

    private static void row(PrintWriter out, String name, ContractScoring.Counts c) {
        out.printf("%-38s %9.4f %9.4f %9.4f %5d %5d %5d%n", name, c.precision(), c.recall(), c.f1(), c.tp(), c.fp(), c.fn());
    }
}
