/*
 * The extractive digest: sentences copied verbatim from the document, chosen by a pretrained
 * sentence encoder, so a result says something true about the document even when the model's own
 * summary is noise (the bundled random-weight model). The choice is Salience's (centrality,
 * lexical centrality, the opening's position prior, analyzer boosts, MMR), the same ranking that
 * picks the passages of the worker's context-budget view, with each sentence costing its words
 * and the capacity the word Budget (a share of the document's words, within bounds).
 * The digest lists its sentences in document order, one per line, or separated by a blank line when
 * one of them spans lines, so each can be found in the document as written.
 */
package dev.longhaul.pipeline.analyze.digest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

public final class Digest {
    /**
     * The digest's length in words: RATIO of the document's words, at least MIN_WORDS and at most
     * MAX_WORDS. RATIO 0.25 is one global choice (human summaries of contracts and reports run at a
     * quarter of their source or less); the bounds keep short texts readable and long ones brief.
     */
    public record Budget(double ratio, int minWords, int maxWords) {
        public static final Budget DEFAULT = new Budget(0.25, 12, 200);

        public Budget {
            if (!(ratio > 0 && ratio <= 1) || minWords < 1 || maxWords < minWords) {
                throw new IllegalArgumentException("bad digest budget " + ratio + " " + minWords + " " + maxWords);
            }
        }

        public int words(long documentWords) {
            return (int) Math.clamp(Math.round(ratio * documentWords), minWords, maxWords);
        }
    }

    /** The chosen sentences (document order) and the digest text built from them. */
    public record Result(List<Sentence> sentences, String text) {
        static Result of(List<Sentence> chosen) {
            List<Sentence> ordered = new ArrayList<>(chosen);
            ordered.sort(Comparator.comparingLong(Sentence::offset));
            boolean spansLines = ordered.stream().anyMatch(s -> s.text().indexOf('\n') >= 0);
            List<String> texts = ordered.stream().map(Sentence::text).toList();
            return new Result(List.copyOf(ordered), String.join(spansLines ? "\n\n" : "\n", texts));
        }
    }

    private final Salience salience;
    private final Budget budget;

    public Digest(Encoder encoder, Budget budget) {
        this.salience = new Salience(encoder, Salience.OPENING);
        this.budget = budget;
    }

    /** The digest of a document whose candidates were collected in {@code candidates}. */
    public Result build(Candidates candidates) {
        return Result.of(salience.choose(candidates, Sentence::words, budget.words(candidates.documentWords())));
    }

    /** Sentences in rank order, taken while they fit the budget (the first always); for the baselines. */
    static List<Sentence> fill(List<Sentence> ranked, int words) {
        List<Sentence> chosen = new ArrayList<>();
        int left = words;
        for (Sentence s : ranked) {
            if (chosen.isEmpty() || s.words() <= left) {
                chosen.add(s);
                left -= s.words();
            }
        }
        return chosen;
    }
}
