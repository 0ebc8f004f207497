/*
 * How a sequence fails when a batch step it was packed into failed: the step's failure (the cause)
 * is every packed sequence's, though it may come from any one of them or from none (a device out of
 * memory for the step as a whole). sequences() says how many shared it, so a caller can tell
 * "failed beside others" from "failed alone" and, say, try the former once more. A bystander is a
 * sequence that was not in the failing work at all: an Error (out of memory, a listener's) stopped
 * the engine's loop while it was queued or between its steps, and every sequence failed with it.
 */
package dev.longhaul.engine.batch;

public final class StepFailedException extends RuntimeException {
    private final int sequences;
    private final boolean bystander;

    public StepFailedException(int sequences, Throwable cause) {
        this(sequences, cause, false);
    }

    private StepFailedException(int sequences, Throwable cause, boolean bystander) {
        super(bystander
                ? "an Error in other work of the engine failed this sequence, which had no part in it: " + cause
                : "a batch step of " + sequences + " sequences failed: " + cause, cause);
        this.sequences = sequences;
        this.bystander = bystander;
    }

    /** A sequence, one of `sequences` failed together, that had no part in the work that threw `cause`. */
    public static StepFailedException bystander(int sequences, Throwable cause) {
        return new StepFailedException(sequences, cause, true);
    }

    /** How many sequences were packed into the step that failed (for a bystander: failed with it). */
    public int sequences() {
        return sequences;
    }

    /** Whether this sequence had no part in the work that failed (see above). */
    public boolean bystander() {
        return bystander;
    }
}
