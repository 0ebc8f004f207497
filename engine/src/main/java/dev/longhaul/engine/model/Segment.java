/*
 * One sequence's share of a forward step: `count` tokens of `tokens` from `from`, fed at the
 * sequence's current position. `allLogits` asks for logits at every row, otherwise only the last.
 */
package dev.longhaul.engine.model;

public record Segment(SequenceState state, int[] tokens, int from, int count, boolean allLogits) {
    public Segment {
        if (count <= 0) {
            throw new IllegalArgumentException("a segment needs at least one token");
        }
        if (from < 0 || from + count > tokens.length) {
            throw new IllegalArgumentException("segment [" + from + ", " + (from + count) + ") outside " + tokens.length + " tokens");
        }
    }

    public static Segment of(SequenceState state, int[] tokens) {
        return new Segment(state, tokens, 0, tokens.length, false);
    }

    int logitRows() {
        return allLogits ? count : 1;
    }
}
