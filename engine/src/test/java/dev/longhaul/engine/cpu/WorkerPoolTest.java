/*
 * The worker pool's regions: every index run exactly once, also in the region after one that
 * failed; a region started from a region's body is refused rather than hanging or corrupting it.
 */
package dev.longhaul.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
    @Test
    void aRegionAfterOneThatFailedRunsEveryIndexOnce() {
        try (WorkerPool pool = new WorkerPool(4)) {
            int callerFailed = 0;
            for (int trial = 0; trial < 200; trial++) {
                IllegalStateException boom = new IllegalStateException("trial " + trial);
                // the caller (worker 0) fails in the chunk it takes; the workers are still busy with theirs
                try {
                    pool.forEach(4096, 1, (worker, from, to) -> {
                        if (worker == 0) {
                            throw boom;
                        }
                        busy();
                    });
                } catch (IllegalStateException e) {
                    assertSame(boom, e);
                    callerFailed++;
                }
                AtomicIntegerArray runs = new AtomicIntegerArray(64);
                pool.forEach(64, 1, (worker, from, to) -> {
                    for (int i = from; i < to; i++) {
                        runs.incrementAndGet(i);
                    }
                    busy();
                });
                for (int i = 0; i < 64; i++) {
                    assertEquals(1, runs.get(i), "index " + i + " of the region after failed trial " + trial);
                }
            }
            assertTrue(callerFailed > 0, "no trial had the caller fail: the case was not exercised");
        }
    }

    @Test
    void aFailureOnAWorkerReachesTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            // 1000 indexes of 20 µs each: long enough for the worker to wake up and take some
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.forEach(1000, 1, (worker, from, to) -> {
                if (worker != 0) {
                    throw new IllegalArgumentException("on a worker");
                }
                for (int i = from; i < to; i++) {
                    busy();
                }
            }));
            assertEquals("on a worker", e.getMessage());
        }
    }

    @Test
    void aClosedPoolRefusesARegionAndOneClosedMidRegionStillEnds() {
        WorkerPool pool = new WorkerPool(3);
        pool.close();
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.forEach(1000, 1, (w, from, to) -> busy()));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        });
        // closed while a region runs: the caller finishes every index itself, once
        for (int trial = 0; trial < 20; trial++) {
            WorkerPool closing = new WorkerPool(3);
            AtomicIntegerArray runs = new AtomicIntegerArray(400);
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () ->
                    closing.forEach(400, 1, (worker, from, to) -> {
                        if (worker == 0 && from == 0) {
                            closing.close();
                        }
                        for (int i = from; i < to; i++) {
                            runs.incrementAndGet(i);
                            busy();
                        }
                    }));
            for (int i = 0; i < 400; i++) {
                assertEquals(1, runs.get(i), "index " + i);
            }
        }
    }

    @Test
    void aBodyThatStartsARegionOfTheSamePoolFailsTheRegionInsteadOfHangingOrCorruptingIt() {
        try (WorkerPool pool = new WorkerPool(2)) {
            for (boolean onWorker : new boolean[] {false, true}) {
                java.util.concurrent.atomic.AtomicBoolean workerTookPart = new java.util.concurrent.atomic.AtomicBoolean();
                java.util.concurrent.atomic.AtomicBoolean callerTookPart = new java.util.concurrent.atomic.AtomicBoolean();
                IllegalStateException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                        () -> assertThrows(IllegalStateException.class, () -> pool.forEach(1000, 1, (worker, from, to) -> {
                            (worker != 0 ? workerTookPart : callerTookPart).set(true);
                            boolean nests = (worker != 0) == onWorker;
                            if (!nests) {
                                // the other side holds its first chunk until the nesting side has taken one, so it
                                // nests for sure (a fast worker could otherwise take every chunk before the caller)
                                java.util.concurrent.atomic.AtomicBoolean nester = onWorker ? workerTookPart : callerTookPart;
                                while (!nester.get()) {
                                    Thread.onSpinWait();
                                }
                            } else {
                                pool.forEach(100, 1, (w, f, t) -> busy());
                            }
                            busy();
                        })), onWorker ? "from a worker" : "from the caller");
                assertTrue(e.getMessage().contains("another region"), e.getMessage());
            }
            // a region small enough to run on the calling thread alone refuses a nested one too
            IllegalStateException inline = assertThrows(IllegalStateException.class,
                    () -> pool.forEach(1, 1, (worker, from, to) -> pool.forEach(1000, 1, (w, f, t) -> busy())));
            assertTrue(inline.getMessage().contains("another region"), inline.getMessage());
            // and the pool goes on
            AtomicIntegerArray runs = new AtomicIntegerArray(64);
            pool.forEach(64, 1, (worker, from, to) -> {
                for (int i = from; i < to; i++) {
                    runs.incrementAndGet(i);
                }
            });
            for (int i = 0; i < 64; i++) {
                assertEquals(1, runs.get(i), "index " + i);
            }
        }
    }

    private static void busy() {
        long end = System.nanoTime() + 20_000;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
