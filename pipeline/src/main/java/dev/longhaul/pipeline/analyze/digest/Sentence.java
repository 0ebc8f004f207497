/*
 * One sentence of a document: its text exactly as it stands in the document (trimmed of surrounding
 * whitespace, never empty), the offset where it starts and the offset where what it stands for ends
 * (past its trailing whitespace: the next sentence may begin there, so two sentences are adjacent in
 * the document when one's end is the other's offset). The offset is the sentence's identity:
 * analyzers address their boosts to it, and digests keep sentences in offset order. The digest
 * counts offsets in chars, the worker's view in bytes.
 */
package dev.longhaul.pipeline.analyze.digest;

import java.util.Objects;

public record Sentence(long offset, long end, String text) {
    public Sentence {
        Objects.requireNonNull(text, "text");
        if (offset < 0 || text.isEmpty()) {
            throw new IllegalArgumentException("sentence at " + offset + " must be non-empty at a non-negative offset");
        }
        if (end < offset) {
            throw new IllegalArgumentException("sentence at " + offset + " ends before it starts, at " + end);
        }
    }

    /** A sentence that ends where its text does (counting offsets in chars). */
    public Sentence(long offset, String text) {
        this(offset, offset + text.length(), text);
    }

    /** Word count as ROUGE and the length budget count words (see Words). */
    public int words() {
        return Words.count(text);
    }
}
