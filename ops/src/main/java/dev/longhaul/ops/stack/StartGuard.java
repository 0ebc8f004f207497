/*
 * A shutdown hook for something that takes a while to start (a broker, topics, schemas, a
 * Streams client waiting for RUNNING). A Ctrl-C or SIGTERM during the start must not clean up
 * around it: the hook knows nothing of a value not yet returned, so it closed nothing, and a
 * temporary folder it deleted was still in use by the threads being started. Instead the hook
 * waits (at most `wait`) for the start to end, then closes what started and runs what comes
 * after (deleting a temporary folder); a start that failed has closed what it started, so only
 * what comes after runs. A start still going at the end of the wait is left as it is, said on
 * stderr, rather than have its files deleted under it. After a start that succeeded the hook
 * stays (the command's own Ctrl-C handling) or is removed (the caller installs its own).
 */
package dev.longhaul.ops.stack;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

public final class StartGuard<T> {
    /** The longest a shutdown waits for a start under way to end, so that it can close what started. */
    public static final Duration WAIT_ON_SHUTDOWN = Duration.ofSeconds(90);

    private final CompletableFuture<T> start = new CompletableFuture<>();
    private final Thread hook;

    private StartGuard(String name, Duration wait, Consumer<? super T> close, Runnable afterwards, Thread starting) {
        hook = new Thread(() -> {
            if (starting != null && !start.isDone()) {
                starting.interrupt(); // a start that stops on an interrupt ends sooner, closing what it started
            }
            T started;
            try {
                started = start.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException failed) {
                started = null; // the start failed and closed what it had started
            } catch (TimeoutException e) {
                System.err.println("longhaul: " + name + " did not finish starting within " + wait.toSeconds()
                        + " s of the shutdown; it is left as it is");
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                if (started != null) {
                    close.accept(started);
                }
            } finally {
                afterwards.run();
            }
        }, "longhaul-" + name.replace(' ', '-') + "-shutdown");
    }

    /** Installs the hook: a shutdown from now on closes what the start returns (close), then runs afterwards. */
    public static <T> StartGuard<T> install(String name, Duration wait, Consumer<? super T> close, Runnable afterwards) {
        return install(name, wait, close, afterwards, null);
    }

    /**
     * The same, interrupting `starting` (the thread running the start) when a shutdown comes
     * before the start has ended: for a start that ends on an interrupt, closing what it started
     * (PipelineRunner's wait for RUNNING), so that a Ctrl-C need not wait for it.
     */
    public static <T> StartGuard<T> install(String name, Duration wait, Consumer<? super T> close, Runnable afterwards,
                                            Thread starting) {
        StartGuard<T> guard = new StartGuard<>(name, wait, close, afterwards, starting);
        Runtime.getRuntime().addShutdownHook(guard.hook);
        return guard;
    }

    /** The start returned `value` (not null). */
    public void started(T value) {
        start.complete(value);
    }

    /** The start failed, having closed what it started. */
    public void failed(Throwable e) {
        start.completeExceptionally(e);
    }

    /**
     * Removes the hook; false when the JVM is shutting down already, so that the hook runs (or has
     * run) and does the closing.
     */
    public boolean remove() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
            return true;
        } catch (IllegalStateException shuttingDown) {
            return false;
        }
    }

    /** The hook, for tests to run as a shutdown would. */
    Thread hook() {
        return hook;
    }
}
