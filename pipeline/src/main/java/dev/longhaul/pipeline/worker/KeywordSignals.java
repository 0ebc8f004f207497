/*
 * The cheap streaming signal of the shared salience ranking (analyze.digest.Salience), for the
 * digest and the view alike: a case-insensitive keyword match per document kind, scored 0..5 by how
 * severe the keyword is and given as a boost in [0, 1]. It sees every sentence or line of the
 * document, so it must cost little: it decides which lines become candidates (Candidates keeps the
 * most boosted) before the encoder ranks the few that are kept.
 */
package dev.longhaul.pipeline.worker;

import java.util.List;
import java.util.Locale;

import dev.longhaul.pipeline.analyze.digest.Sentence;
import dev.longhaul.pipeline.analyze.digest.Signals;
import dev.longhaul.schemas.DocumentKind;

final class KeywordSignals implements Signals {
    /** The highest keyword score; a match of it is a full boost. */
    static final int MAX_SCORE = 5;

    private record Keyword(String text, int score) {}

    private static final List<Keyword> LOG = List.of(
            new Keyword("fatal", 5), new Keyword("panic", 5), new Keyword("exception", 4), new Keyword("error", 4),
            new Keyword("fail", 3), new Keyword("denied", 3), new Keyword("timeout", 3), new Keyword("critical", 4),
            new Keyword("warn", 2));
    private static final List<Keyword> CONTRACT = List.of(
            new Keyword("terminat", 4), new Keyword("governing law", 4), new Keyword("liabilit", 4),
            new Keyword("indemnif", 4), new Keyword("payment", 3), new Keyword("confidential", 3),
            new Keyword("warrant", 3), new Keyword("exclusiv", 3), new Keyword("shall", 1));
    private static final List<Keyword> REPO = List.of(
            new Keyword("public class", 3), new Keyword("interface ", 3), new Keyword("def ", 2),
            new Keyword("func ", 2), new Keyword("todo", 2), new Keyword("fixme", 3));

    private final List<Keyword> keywords;

    KeywordSignals(DocumentKind kind) {
        this.keywords = switch (kind) {
            case LOG -> LOG;
            case CONTRACT -> CONTRACT;
            case REPO -> REPO;
            case TEXT, UNKNOWN -> List.of();
        };
    }

    @Override
    public double boost(Sentence sentence) {
        return score(sentence.text()) / (double) MAX_SCORE;
    }

    /** The text's score: 0 when nothing matches, else the highest matching keyword's score. */
    int score(String text) {
        if (keywords.isEmpty() || text.isEmpty()) {
            return 0;
        }
        String line = text.substring(0, Math.min(text.length(), 2048)).toLowerCase(Locale.ROOT);
        int best = 0;
        for (Keyword k : keywords) {
            if (k.score > best && line.contains(k.text)) {
                best = k.score;
            }
        }
        return best;
    }
}
