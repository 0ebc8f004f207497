/*
 * A stretch of a contract's text: [start, end) character offsets into the text the analyzer was
 * given, and the text itself (verbatim, whitespace included) so a reader can check an extraction
 * without the document at hand.
 */
package dev.longhaul.pipeline.analyze.contracts;

public record Span(int start, int end, String text) {
    public Span {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
        }
    }

    static Span of(CharSequence doc, int start, int end) {
        return new Span(start, end, doc.subSequence(start, end).toString());
    }
}
