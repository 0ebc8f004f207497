/*
 * One sentence of a document: its text exactly as it stands in the document (trimmed of surrounding
 * whitespace, never empty) and the char offset where that text starts. The offset is the sentence's
 * identity: analyzers address their boosts to it, and digests keep sentences in offset order.
 */
package dev.longhaul.pipeline.analyze.digest;

import java.util.Objects;

public record Sentence(long offset, String text) {
    public Sentence {
        Objects.requireNonNull(text, "text");
        if (offset < 0 || text.isEmpty()) {
            throw new IllegalArgumentException("sentence at " + offset + " must be non-empty at a non-negative offset");
        }
    }

    /** Word count as ROUGE and the length budget count words (see Words). */
    public int words() {
        return Words.count(text);
    }
}
