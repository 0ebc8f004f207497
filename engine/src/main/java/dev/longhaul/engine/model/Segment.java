/*
 * One sequence's share of a forward step: `count` tokens of `tokens` from `from`, fed at the
 * sequence's current position. `logits` says which rows need logits: none (a middle chunk of a
 * streamed document: the lm_head, often the largest matrix, is skipped), the last, or all.
 */
package dev.longhaul.engine.model;

public record Segment(SequenceState state, int[] tokens, int from, int count, Logits logits) {
    /** Which positions of a segment get logits. */
    public enum Logits {
        NONE,
        LAST,
        ALL
    }

    public Segment {
        if (count <= 0) {
            throw new IllegalArgumentException("a segment needs at least one token");
        }
        if (from < 0 || count > tokens.length - from) { // not from + count, which overflows
            throw new IllegalArgumentException("segment [" + from + ", " + ((long) from + count) + ") outside " + tokens.length + " tokens");
        }
        if (logits == null) {
            throw new IllegalArgumentException("a segment must say which logits it needs");
        }
    }

    /** All of `tokens`, logits for the last one. */
    public static Segment of(SequenceState state, int[] tokens) {
        return new Segment(state, tokens, 0, tokens.length, Logits.LAST);
    }

    int logitRows() {
        return switch (logits) {
            case NONE -> 0;
            case LAST -> 1;
            case ALL -> count;
        };
    }
}
