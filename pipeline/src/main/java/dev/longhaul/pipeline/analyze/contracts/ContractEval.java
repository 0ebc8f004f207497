/*
 * Scores an analyzer over a folder laid out like the shared CUAD corpus: DIR/docs/<name>.txt with
 * labels in DIR/labels/<name>.json. Every document with a label file is analyzed and scored by the
 * rules in ContractScoring; documents without one are counted as unlabelled and skipped. The report
 * gives precision/recall/F1 per field, "key_fields_f1" (the unweighted mean of the F1 of parties,
 * agreement/effective/expiration date, governing law and renewal term, so a rare field weighs as much
 * as a frequent one), micro-averaged totals over all fields, and the misses for inspection.
 */
package dev.longhaul.pipeline.analyze.contracts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

public final class ContractEval {
    public static final List<String> KEY_FIELDS = List.of("parties", "agreement_date", "effective_date", "expiration_date",
            "governing_law", "renewal_term");

    /** A field of one document where prediction and gold disagree. */
    public record Miss(String document, String field, String predicted, String gold) {}

    public record Report(int documents, int unlabelled, Map<String, ContractScoring.Counts> fields, double keyFieldsF1,
            ContractScoring.Counts overall, List<Miss> misses) {}

    private ContractEval() {}

    public static Report run(Path dir, Function<String, ContractAnalysis> analyzer) throws IOException {
        Path docs = dir.resolve("docs");
        Path labels = dir.resolve("labels");
        if (!Files.isDirectory(docs) || !Files.isDirectory(labels)) {
            throw new IOException(dir + " has no docs/ and labels/ folders");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(docs)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
        }
        Map<String, ContractScoring.Counts> fields = new LinkedHashMap<>();
        List<Miss> misses = new ArrayList<>();
        int scored = 0;
        int unlabelled = 0;
        for (Path doc : files) {
            String base = doc.getFileName().toString().replaceFirst("\\.txt$", "");
            Path label = labels.resolve(base + ".json");
            if (!Files.exists(label)) {
                unlabelled++;
                continue;
            }
            // malformed UTF-8 becomes U+FFFD, as the pipeline decodes a document (readString would throw)
            ContractAnalysis a = analyzer.apply(new String(Files.readAllBytes(doc), StandardCharsets.UTF_8));
            score(base, a, CuadLabels.read(label), fields, misses);
            scored++;
        }
        double key = KEY_FIELDS.stream().mapToDouble(f -> fields.getOrDefault(f, ContractScoring.Counts.ZERO).f1()).average().orElse(0);
        ContractScoring.Counts overall = fields.values().stream().reduce(ContractScoring.Counts.ZERO, ContractScoring.Counts::plus);
        return new Report(scored, unlabelled, fields, key, overall, misses);
    }

    private static void score(String doc, ContractAnalysis a, CuadLabels gold, Map<String, ContractScoring.Counts> fields,
            List<Miss> misses) {
        CuadLabels.Label parties = gold.get("Parties");
        add(fields, misses, doc, "parties", ContractScoring.parties(a.parties(), parties),
                a.parties().stream().map(Party::name).toList().toString(), parties.answer());
        single(fields, misses, doc, "agreement_date", a.agreementDate(), gold.get("Agreement Date"), ContractScoring::date);
        single(fields, misses, doc, "effective_date", a.effectiveDate(), gold.get("Effective Date"), ContractScoring::date);
        single(fields, misses, doc, "expiration_date", a.expirationDate(), gold.get("Expiration Date"), ContractScoring::date);
        single(fields, misses, doc, "renewal_term", a.renewalTerm(), gold.get("Renewal Term"), ContractScoring::length);
        single(fields, misses, doc, "notice_period_to_terminate_renewal", a.noticePeriodToTerminateRenewal(),
                gold.get("Notice Period To Terminate Renewal"), ContractScoring::length);
        single(fields, misses, doc, "governing_law", a.governingLaw(), gold.get("Governing Law"), ContractScoring::text);
        for (ClauseCategory c : ClauseCategory.values()) {
            CuadLabels.Label label = gold.get(c.cuadName());
            boolean present = a.has(c);
            add(fields, misses, doc, c.field(), ContractScoring.yesNo(present, label), present ? "Yes" : "No",
                    label.yes() ? "Yes" : "No");
        }
    }

    private interface Rule {
        ContractScoring.Counts score(Finding predicted, CuadLabels.Label gold);
    }

    private static void single(Map<String, ContractScoring.Counts> fields, List<Miss> misses, String doc, String field,
            Finding predicted, CuadLabels.Label gold, Rule rule) {
        add(fields, misses, doc, field, rule.score(predicted, gold), predicted == null ? "" : predicted.value(), gold.answer());
    }

    private static void add(Map<String, ContractScoring.Counts> fields, List<Miss> misses, String doc, String field,
            ContractScoring.Counts c, String predicted, String gold) {
        fields.merge(field, c, ContractScoring.Counts::plus);
        if (c.fp() > 0 || c.fn() > 0) {
            misses.add(new Miss(doc, field, predicted, gold));
        }
    }
}
