/*
 * The one error type for unreadable or inconsistent checkpoints: its message always names the file
 * and, where there is one, the tensor or config field at fault.
 */
package dev.longhaul.engine.checkpoint;

public final class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String file, String problem) {
        super(file + ": " + problem);
    }

    public CheckpointException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
