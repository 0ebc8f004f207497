/*
 * One sequence's rows in a batched step: rows [row0, row0 + rows) of the step's activations belong
 * to one sequence whose first new token sits at absolute position `position`.
 */
package dev.longhaul.engine.backend;

public record SegmentTask(int row0, int rows, int position, Tensor lightningState, KvCache kvCache) {
    public static SegmentTask lightning(int row0, int rows, int position, Tensor state) {
        return new SegmentTask(row0, rows, position, state, null);
    }

    public static SegmentTask attention(int row0, int rows, int position, KvCache cache) {
        return new SegmentTask(row0, rows, position, null, cache);
    }
}
