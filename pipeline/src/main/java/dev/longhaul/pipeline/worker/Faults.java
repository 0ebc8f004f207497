/*
 * Fault injection for tests, off unless asked for (NONE). A worker calls at(point, order) at three
 * named points of an order's life: PREFILL (a chunk of the document has been streamed into the prefill), DECODE (a
 * token of a task's output has been decoded) and BEFORE_COMMIT (the order's results are written and
 * flushed inside the transaction, which is not committed yet). `order` names the order (its `work`
 * partition and offset), so a hook can count distinct orders.
 *
 * halting(point, n) ends the process with Runtime.halt when the n-th distinct order reaches the
 * point: no shutdown hook, no commit, no group leave, as SIGKILL would; the exit status is
 * point.exitStatus(), so a test knows where its worker died. stalling(point, d) sleeps d once, the
 * first time an order reaches the point (inference slower than any poll timeout). Only ops turns a
 * hook on, from the LONGHAUL_FAULT environment variable (parse()); nothing sets it in production.
 */
package dev.longhaul.pipeline.worker;

import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

@FunctionalInterface
public interface Faults {
    /** Where in an order's life a hook is called. */
    enum Point {
        PREFILL, DECODE, BEFORE_COMMIT;

        /** The exit status of a process halted here: 90, 91, 92. */
        public int exitStatus() {
            return 90 + ordinal();
        }
    }

    /** No fault: the default of every worker. */
    Faults NONE = (point, order) -> { };

    void at(Point point, String order);

    /** Halts the process when the n-th distinct order (n ≥ 1) reaches the point. */
    static Faults halting(Point where, int n) {
        return halting(where, n, status -> Runtime.getRuntime().halt(status));
    }

    /** As above, with what "halt" does given (the exit status); tests count instead of dying. */
    static Faults halting(Point where, int n, java.util.function.IntConsumer halt) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be at least 1: " + n);
        }
        Set<String> seen = new HashSet<>();
        return (point, order) -> {
            if (point != where) {
                return;
            }
            synchronized (seen) {
                seen.add(order);
                if (seen.size() >= n) {
                    halt.accept(where.exitStatus());
                }
            }
        };
    }

    /** Sleeps for `stall` the first time an order reaches the point. */
    static Faults stalling(Point where, Duration stall) {
        AtomicBoolean done = new AtomicBoolean();
        return (point, order) -> {
            if (point == where && done.compareAndSet(false, true)) {
                try {
                    Thread.sleep(stall);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    /**
     * "halt:POINT:N" or "stall:POINT:SECONDS" (POINT: prefill, decode, before_commit); null or blank
     * for none.
     */
    static Faults parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return NONE;
        }
        String[] parts = spec.trim().split(":");
        if (parts.length != 3) {
            throw new IllegalArgumentException("fault spec must be halt:POINT:N or stall:POINT:SECONDS: " + spec);
        }
        Point point = Point.valueOf(parts[1].toUpperCase(Locale.ROOT));
        int n = Integer.parseInt(parts[2]);
        return switch (parts[0]) {
            case "halt" -> halting(point, n);
            case "stall" -> stalling(point, Duration.ofSeconds(n));
            default -> throw new IllegalArgumentException("fault kind must be halt or stall: " + spec);
        };
    }
}
