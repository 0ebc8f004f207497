/*
 * StartGuard, run as a shutdown would run it: during a start it waits for the start to end, then
 * closes what started and runs what comes after; after a failed start only what comes after; a
 * start that outlasts the wait is left alone, nothing closed or deleted under it.
 */
package dev.longhaul.ops.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class StartGuardTest {
    private final List<String> done = new CopyOnWriteArrayList<>();

    private StartGuard<String> guard(Duration wait) {
        StartGuard<String> guard = StartGuard.install("test", wait, started -> done.add("closed " + started), () -> done.add("after"));
        assertTrue(guard.remove(), "not shutting down: the hook comes off, and the test runs it by hand");
        return guard;
    }

    @Test
    void aShutdownDuringTheStartWaitsForItThenClosesWhatStarted() throws Exception {
        StartGuard<String> guard = guard(Duration.ofSeconds(30));
        Thread hook = guard.hook();
        hook.start(); // Ctrl-C while the start is under way
        Thread.sleep(300);
        assertTrue(hook.isAlive(), "the hook waits for the start");
        assertEquals(List.of(), done, "nothing closed or deleted while the start goes on");
        guard.started("stack");
        hook.join(10_000);
        assertFalse(hook.isAlive());
        assertEquals(List.of("closed stack", "after"), done);
    }

    @Test
    void aStartThatFailedHasClosedItsPartsAndOnlyWhatComesAfterRuns() throws Exception {
        StartGuard<String> guard = guard(Duration.ofSeconds(30));
        Thread hook = guard.hook();
        hook.start();
        guard.failed(new IllegalStateException("the pipeline did not start"));
        hook.join(10_000);
        assertEquals(List.of("after"), done);
    }

    @Test
    void aShutdownInterruptsTheStartingThreadAndWhatComesAfterRunsEvenIfClosingFails() throws Exception {
        java.util.concurrent.CountDownLatch interrupted = new java.util.concurrent.CountDownLatch(1);
        StartGuard<String>[] guard = new StartGuard[1];
        Thread starting = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(60_000); // a start waiting for RUNNING
                guard[0].started("never");
            } catch (InterruptedException e) {
                interrupted.countDown();
                guard[0].started("stack"); // it stops there, having got this far
            }
        });
        guard[0] = StartGuard.install("test", Duration.ofSeconds(30), started -> {
            done.add("closing " + started);
            throw new IllegalStateException("closing failed");
        }, () -> done.add("after"), starting);
        assertTrue(guard[0].remove());
        Thread hook = guard[0].hook();
        hook.setUncaughtExceptionHandler((t, e) -> done.add("uncaught " + e.getMessage()));
        hook.start();
        hook.join(10_000);
        assertEquals(0, interrupted.getCount(), "the start was interrupted");
        assertEquals(List.of("closing stack", "after", "uncaught closing failed"), done);
    }

    @Test
    void aStartThatOutlastsTheWaitIsLeftAsItIs() throws Exception {
        StartGuard<String> guard = guard(Duration.ofMillis(200));
        Thread hook = guard.hook();
        hook.start();
        hook.join(10_000);
        assertFalse(hook.isAlive());
        assertEquals(List.of(), done, "no folder deleted under a start still using it");
    }
}
