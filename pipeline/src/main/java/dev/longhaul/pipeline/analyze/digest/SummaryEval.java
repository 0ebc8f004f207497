/*
 * Scores the digest and the two baselines against human summaries. The input is laid out like the
 * plain-English contract summaries corpus: a JSON object whose values (or a JSON array whose
 * elements) carry "original_text" and "reference_summary"; elements without both are skipped and
 * counted. Each text is split as PROSE; the digest, lead and TextRank all get the same sentences
 * and the same word budget (Digest.Budget.DEFAULT), so only the choice of sentences differs.
 * Reported: the mean over pairs of ROUGE-1/2/L F1 (see Rouge) per method.
 */
package dev.longhaul.pipeline.analyze.digest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

public final class SummaryEval {
    /** One document and its human summary. */
    public record Pair(String text, String reference) {}

    /** Mean scores per method over {@code pairs} pairs; {@code skipped} elements lacked a field. */
    public record Report(int pairs, int skipped, Rouge.Scores digest, Rouge.Scores lead, Rouge.Scores textRank) {}

    private SummaryEval() {}

    public static List<Pair> read(Path file, int[] skipped) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        List<Pair> out = new ArrayList<>();
        for (JsonNode e : root) {
            JsonNode text = e.get("original_text");
            JsonNode reference = e.get("reference_summary");
            if (text != null && text.isTextual() && reference != null && reference.isTextual()) {
                out.add(new Pair(text.asText(), reference.asText()));
            } else {
                skipped[0]++;
            }
        }
        return out;
    }

    public static Report run(Path file, Encoder encoder) throws IOException {
        int[] skipped = {0};
        List<Pair> pairs = read(file, skipped);
        Digest digest = new Digest(encoder, Digest.Budget.DEFAULT);
        Rouge.Scores d = new Rouge.Scores(0, 0, 0);
        Rouge.Scores l = d;
        Rouge.Scores t = d;
        for (Pair p : pairs) {
            Candidates candidates = new Candidates(Signals.none());
            List<Sentence> sentences = SentenceSplitter.split(p.text(), SentenceSplitter.Mode.PROSE);
            sentences.forEach(candidates::offer);
            int words = Digest.Budget.DEFAULT.words(candidates.documentWords());
            d = d.plus(Rouge.score(digest.build(candidates).text(), p.reference()));
            l = l.plus(Rouge.score(Baselines.lead(sentences, words).text(), p.reference()));
            t = t.plus(Rouge.score(Baselines.textRank(sentences, words).text(), p.reference()));
        }
        int n = pairs.size();
        return new Report(n, skipped[0], d.over(n), l.over(n), t.over(n));
    }
}
