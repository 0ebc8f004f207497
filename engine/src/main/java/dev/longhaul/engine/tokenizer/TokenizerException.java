/*
 * The one error type of the tokenizer package: a tokenizer folder that is missing, unreadable or
 * inconsistent (the message then starts with the file at fault), or a tokenizer that cannot do what
 * was asked of it, such as streaming. Unchecked, like CheckpointException, because callers can only
 * report it.
 */
package dev.longhaul.engine.tokenizer;

public final class TokenizerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String file, String problem) {
        super(file + ": " + problem);
    }

    public TokenizerException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
