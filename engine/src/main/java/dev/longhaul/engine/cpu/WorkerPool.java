/*
 * A fixed set of compute threads for data-parallel loops with microsecond dispatch: workers spin
 * briefly on a generation counter, then park. `forEach(n, body)` hands out indexes 0..n-1 in
 * shrinking chunks (guided scheduling: each a share of what is left, so threads finish together)
 * to the caller and the workers and returns when all are done. Each
 * index is processed by exactly one thread, so results never depend on the schedule as long as
 * bodies write disjoint outputs. The worker number passed to the body (0 = caller) selects
 * per-thread scratch memory. Regions from different calling threads run one after another.
 */
package dev.longhaul.engine.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

final class WorkerPool implements AutoCloseable {
    /** A loop body over the index range [from, to), run by thread `worker`. */
    @FunctionalInterface
    interface Body {
        void run(int worker, int from, int to);
    }

    private static final int SPIN_LIMIT = 1 << 12;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicIntegerArray parked;
    private volatile long generation;
    private volatile boolean closed;
    private volatile Body body;
    private volatile int limit;
    private volatile int minChunk;
    private volatile Throwable failure;
    /** The thread running its share of the current region as worker 0; only that thread reads it against itself. */
    private Thread regionCaller;

    WorkerPool(int threads) {
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        this.parked = new AtomicIntegerArray(threads);
        for (int i = 0; i < workers.length; i++) {
            int id = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("longhaul-cpu-" + id).unstarted(() -> workLoop(id));
            workers[i].start();
        }
    }

    int threads() {
        return threads;
    }

    /**
     * Runs body over [0, n) split in chunks of at least `grain` indexes. Callers on different threads
     * take turns: a region owns the workers and the per-worker scratch until it returns. A body that
     * starts a region of the same pool is refused (IllegalStateException, which fails the outer
     * region): from a worker it would wait for ever for the outer region's lock, and from the
     * caller it would reset the outer region's counters under it.
     */
    void forEach(int n, int grain, Body task) {
        Thread t = Thread.currentThread();
        if (t == regionCaller || isWorker(t)) {
            throw new IllegalStateException("a region of the worker pool started another region of the same pool from its body");
        }
        region(n, grain, task);
    }

    private boolean isWorker(Thread t) {
        for (Thread w : workers) {
            if (w == t) {
                return true;
            }
        }
        return false;
    }

    private synchronized void region(int n, int grain, Body task) {
        if (n <= 0) {
            return;
        }
        if (closed) {
            // its workers are gone: a region would wait for them for ever
            throw new IllegalStateException("the worker pool is closed");
        }
        if (threads == 1 || n <= grain) {
            regionCaller = Thread.currentThread(); // run here, with worker 0's scratch: a nested region would share it
            try {
                task.run(0, 0, n);
            } finally {
                regionCaller = null;
            }
            return;
        }
        int c = Math.max(1, grain);
        body = task;
        limit = n;
        minChunk = c;
        failure = null;
        next.set(0);
        pending.set(workers.length);
        generation++;
        for (int i = 0; i < workers.length; i++) {
            if (parked.get(i + 1) != 0) {
                LockSupport.unpark(workers[i]);
            }
        }
        Throwable own = null;
        regionCaller = Thread.currentThread();
        try {
            drain(0, task, n, c);
        } catch (RuntimeException | Error e) {
            // the workers must be done with this region before the next one resets its counters
            next.set(n);
            own = e;
        } finally {
            regionCaller = null;
        }
        while (pending.get() > 0) {
            if (closed && noWorkerAlive()) {
                break; // closed during the region: workers that left never took part, and drain() above did it all
            }
            Thread.onSpinWait();
        }
        body = null;
        Throwable f = own != null ? own : failure;
        if (f != null) {
            if (f instanceof RuntimeException re) {
                throw re;
            }
            if (f instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(f);
        }
    }

    /**
     * Takes chunks until none is left: each a 1/(2·threads) share of the indexes still unclaimed,
     * at least `minChunk`. Large first chunks keep claims rare; small last ones keep a thread from
     * finishing a big chunk while the others wait.
     */
    private void drain(int worker, Body task, int n, int minChunk) {
        int share = 2 * threads;
        while (true) {
            int from = next.get();
            if (from >= n) {
                return;
            }
            int to = Math.min(n, from + Math.max(minChunk, (n - from) / share));
            if (next.compareAndSet(from, to)) {
                task.run(worker, from, to);
            }
        }
    }

    private void workLoop(int id) {
        long seen = 0;
        while (!closed) {
            int spins = 0;
            while (generation == seen && !closed) {
                if (++spins < SPIN_LIMIT) {
                    Thread.onSpinWait();
                } else {
                    parked.set(id, 1);
                    if (generation == seen && !closed) {
                        LockSupport.parkNanos(this, 1_000_000L);
                    }
                    parked.set(id, 0);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            try {
                Body task = body;
                if (task != null) {
                    drain(id, task, limit, minChunk);
                }
            } catch (Throwable t) {
                failure = t;
                next.set(limit); // no more claims: the region fails anyway
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    private boolean noWorkerAlive() {
        for (Thread w : workers) {
            if (w.isAlive()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
