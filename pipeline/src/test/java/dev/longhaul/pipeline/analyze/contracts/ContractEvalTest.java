/*
 * The contracts eval over the shared CUAD corpus (../shared/corpus/contracts/cuad, found through the
 * engine's SharedData): it scores every labelled document, and the analyzer beats a trivial baseline
 * that reads the first date in the text as all three dates and answers Yes to every clause. It does
 * not assert the target numbers: those are reported by `longhaul eval contracts`.
 */
package dev.longhaul.pipeline.analyze.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ContractEvalTest {
    private static final Path CUAD = SharedData.corpusDir().resolve("contracts").resolve("cuad");

    /** First date anywhere as agreement, effective and expiration date; every clause present; nothing else. */
    private static ContractAnalysis baseline(String text) {
        List<DateGrammar.Hit> dates = DateGrammar.find(text);
        Finding first = dates.isEmpty() ? null : new Finding(dates.getFirst().date().toString(), new Span(0, 0, ""));
        Map<String, List<Span>> all = new HashMap<>();
        for (ClauseCategory c : ClauseCategory.values()) {
            all.put(c.field(), List.of());
        }
        return new ContractAnalysis(List.of(), first, first, first, null, null, null, all, text.length(), false);
    }

    @Test
    void scoresEveryDocumentAndBeatsTheBaseline() throws IOException {
        long docs;
        try (Stream<Path> s = Files.list(CUAD.resolve("docs"))) {
            docs = s.filter(p -> p.toString().endsWith(".txt")).count();
        }
        ContractAnalyzer analyzer = new ContractAnalyzer();

        ContractEval.Report report = ContractEval.run(CUAD, analyzer::analyze);
        ContractEval.Report trivial = ContractEval.run(CUAD, ContractEvalTest::baseline);

        assertTrue(docs > 0, "no contracts under " + CUAD);
        assertEquals(docs, report.documents(), "every document has labels and is scored");
        assertEquals(0, report.unlabelled());
        assertTrue(report.fields().keySet().containsAll(ContractEval.KEY_FIELDS));
        assertTrue(report.keyFieldsF1() > trivial.keyFieldsF1(),
                "key fields: analyzer " + report.keyFieldsF1() + " vs baseline " + trivial.keyFieldsF1());
        assertTrue(report.overall().f1() > trivial.overall().f1(),
                "overall: analyzer " + report.overall().f1() + " vs baseline " + trivial.overall().f1());
    }
}
