/*
 * How a sequence fails when a batch step it was packed into failed: the step's failure (the cause)
 * is every packed sequence's, though it may come from any one of them or from none (a device out of
 * memory for the step as a whole). sequences() says how many shared it, so a caller can tell
 * "failed beside others" from "failed alone" and, say, try the former once more.
 */
package dev.longhaul.engine.batch;

public final class StepFailedException extends RuntimeException {
    private final int sequences;

    public StepFailedException(int sequences, Throwable cause) {
        super("a batch step of " + sequences + " sequences failed: " + cause, cause);
        this.sequences = sequences;
    }

    /** How many sequences were packed into the step that failed. */
    public int sequences() {
        return sequences;
    }
}
