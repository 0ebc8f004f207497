/*
 * Two ways with a failure, for the worker and the stream threads: finding what it came from in its
 * cause chain (a registry outage or refusal, a remote server's status, a shared engine step, a
 * fenced producer), and closing what a failed start had opened, in reverse, keeping the first
 * failure and adding the others to it.
 */
package dev.longhaul.pipeline;

import java.util.List;
import java.util.Optional;

public final class Failures {
    private Failures() {}

    /** The first throwable of `type` in e's cause chain (e included). */
    public static <T extends Throwable> Optional<T> find(Throwable e, Class<T> type) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return Optional.of(type.cast(c));
            }
        }
        return Optional.empty();
    }

    /** Closes `opened` last to first (nulls skipped) after `failure`, each close's failure suppressed into it. */
    public static void closeAfter(Throwable failure, List<? extends AutoCloseable> opened) {
        for (AutoCloseable c : opened.reversed()) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception closing) {
                failure.addSuppressed(closing);
            }
        }
    }
}
