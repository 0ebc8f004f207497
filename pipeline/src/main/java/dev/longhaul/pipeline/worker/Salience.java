/*
 * The rule that marks a line salient while a document too long for the model streams past: a
 * case-insensitive keyword match per document kind, scored by how severe the keyword is. Simple on
 * purpose (the extractions issue replaces it with analyzers); it sees every line of the document.
 */
package dev.longhaul.pipeline.worker;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import dev.longhaul.schemas.DocumentKind;

final class Salience {
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

    Salience(DocumentKind kind) {
        this.keywords = switch (kind) {
            case LOG -> LOG;
            case CONTRACT -> CONTRACT;
            case REPO -> REPO;
            case TEXT, UNKNOWN -> List.of();
        };
    }

    /** The line's score: 0 when nothing matches, else the highest matching keyword's score. */
    int score(byte[] bytes, int from, int to) {
        if (keywords.isEmpty() || to <= from) {
            return 0;
        }
        String line = new String(bytes, from, Math.min(to - from, 2048), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        int best = 0;
        for (Keyword k : keywords) {
            if (k.score > best && line.contains(k.text)) {
                best = k.score;
            }
        }
        return best;
    }
}
