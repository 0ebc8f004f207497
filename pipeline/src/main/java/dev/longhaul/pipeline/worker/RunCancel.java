/*
 * One run's cancellation, made by the Worker for each order it starts: request() may come from any
 * thread (the control listener, a rebalance, close) before or during the run, and is never lost;
 * the run checks requested() at every step and hooks, run on request (at once when it came
 * already), stop what a check cannot reach, such as requests in flight to a remote server.
 */
package dev.longhaul.pipeline.worker;

import java.util.ArrayList;
import java.util.List;

final class RunCancel {
    private final List<Runnable> hooks = new ArrayList<>();
    private volatile boolean requested;

    /** Asks the run to stop; idempotent. */
    void request() {
        List<Runnable> toRun;
        synchronized (hooks) {
            if (requested) {
                return;
            }
            requested = true;
            toRun = List.copyOf(hooks);
            hooks.clear();
        }
        toRun.forEach(Runnable::run);
    }

    boolean requested() {
        return requested;
    }

    /** Runs `hook` when a cancel is requested, or now when one was. */
    void onRequest(Runnable hook) {
        synchronized (hooks) {
            if (!requested) {
                hooks.add(hook);
                return;
            }
        }
        hook.run();
    }
}
