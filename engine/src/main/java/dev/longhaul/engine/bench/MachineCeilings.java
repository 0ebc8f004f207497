/*
 * Measures this machine's ceilings in the same process as a benchmark, so that the engine's
 * figures can be reported as fractions of them: copy bandwidth (STREAM convention: bytes read plus
 * bytes written, over buffers far larger than the caches, on `threads` threads) and matmul
 * throughput of the backend's own matmul on a large float32 problem.
 */
package dev.longhaul.engine.bench;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.MatrixView;
import dev.longhaul.engine.backend.Tensor;
import dev.longhaul.engine.backend.Weight;
import dev.longhaul.engine.checkpoint.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

public final class MachineCeilings {
    private MachineCeilings() {
    }

    /** One thread's share of a bandwidth run: `bytes` from byte `offset`. */
    @FunctionalInterface
    private interface Share {
        void run(int thread, long offset, long bytes);
    }

    /**
     * Best of six runs of `share` on `threads` threads over `per` bytes each, in seconds, timed from
     * the moment all threads are started and released together (thread start-up is not timed).
     */
    private static double bestSeconds(int threads, long per, Share share) {
        double best = Double.MAX_VALUE;
        try {
            for (int rep = 0; rep < 6; rep++) {
                List<Thread> ts = new ArrayList<>();
                java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(threads);
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    ts.add(Thread.ofPlatform().start(() -> {
                        ready.countDown();
                        try {
                            go.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                        share.run(id, id * per, per);
                    }));
                }
                ready.await();
                long t0 = System.nanoTime();
                go.countDown();
                for (Thread t : ts) {
                    t.join();
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return best;
    }

    /** Best of several runs of a multi-threaded copy of `bytes` total, in bytes moved per second. */
    public static double copyBandwidth(int threads, long bytes) {
        try (Arena arena = Arena.ofShared()) {
            long per = bytes / threads / 64 * 64;
            MemorySegment src = arena.allocate(per * threads, 64);
            MemorySegment dst = arena.allocate(per * threads, 64);
            src.fill((byte) 1);
            dst.fill((byte) 2);
            double s = bestSeconds(threads, per, (t, off, n) -> MemorySegment.copy(src, off, dst, off, n));
            return 2.0 * per * threads / s;
        }
    }

    /**
     * Best of several runs of summing `bytes` of float32 on `threads` threads (reads only, as a
     * decode step reads its weights), in bytes read per second.
     */
    public static double readBandwidth(int threads, long bytes) {
        warmSum();
        try (Arena arena = Arena.ofShared()) {
            long per = bytes / threads / 64 * 64;
            MemorySegment src = arena.allocate(per * threads, 64);
            src.fill((byte) 1);
            double[] sink = new double[threads]; // keeps the sums live
            double s = bestSeconds(threads, per, (t, off, n) -> sink[t] = sum(src, off, n));
            return sink[0] == -1 ? -1 : (double) per * threads / s;
        }
    }

    /**
     * Runs the read loop over a small buffer until the JIT has compiled it: the timed runs are few
     * and long, and the first of a process otherwise ran (interpreted) at a third of the rate.
     */
    private static void warmSum() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment small = arena.allocate(1 << 12, 64);
            double sink = 0;
            for (int i = 0; i < 50_000; i++) {
                sink += sum(small, 0, small.byteSize());
            }
            if (sink == -1) {
                throw new AssertionError(); // keeps the sums live
            }
        }
    }

    private static double sum(MemorySegment seg, long off, long bytes) {
        var species = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        var acc = jdk.incubator.vector.FloatVector.zero(species);
        var acc1 = acc;
        var acc2 = acc;
        var acc3 = acc;
        long step = species.vectorByteSize();
        var le = java.nio.ByteOrder.LITTLE_ENDIAN;
        long b = off;
        // four independent sums, so that the adds' latency does not bound the rate below memory's
        for (; b + 4 * step <= off + bytes; b += 4 * step) {
            acc = acc.add(jdk.incubator.vector.FloatVector.fromMemorySegment(species, seg, b, le));
            acc1 = acc1.add(jdk.incubator.vector.FloatVector.fromMemorySegment(species, seg, b + step, le));
            acc2 = acc2.add(jdk.incubator.vector.FloatVector.fromMemorySegment(species, seg, b + 2 * step, le));
            acc3 = acc3.add(jdk.incubator.vector.FloatVector.fromMemorySegment(species, seg, b + 3 * step, le));
        }
        for (; b + step <= off + bytes; b += step) {
            acc = acc.add(jdk.incubator.vector.FloatVector.fromMemorySegment(species, seg, b, le));
        }
        float[] lanes = acc.add(acc1).add(acc2).add(acc3).toArray();
        double s = 0;
        for (float v : lanes) {
            s += v;
        }
        return s;
    }

    /** Float32 matmul rate of `backend` on [rows x k] · [n x k]ᵀ, in flop/s (2 per multiply-add). */
    public static double matmulRate(Backend backend, int rows, int n, int k) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment wseg = arena.allocate((long) n * k * 4, 64);
            SplittableRandom rnd = new SplittableRandom(1);
            for (long i = 0; i < (long) n * k; i++) {
                wseg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) rnd.nextGaussian());
            }
            Weight w = backend.weight(new MatrixView("ceiling", wseg, DType.F32, n, k));
            Tensor x = backend.allocate(rows, k);
            Tensor out = backend.allocate(rows, n);
            float[] row = new float[k];
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < k; i++) {
                    row[i] = (float) rnd.nextGaussian();
                }
                backend.upload(row, x, r);
            }
            float[] sink = new float[n];
            for (int warm = 0; warm < 3; warm++) {
                backend.matmul(x, rows, w, out);
            }
            backend.download(out, 0, sink);
            double best = 0;
            for (int rep = 0; rep < 8; rep++) {
                long t0 = System.nanoTime();
                backend.matmul(x, rows, w, out);
                backend.download(out, 0, sink); // a device backend returns before the work is done
                long ns = System.nanoTime() - t0;
                best = Math.max(best, 2.0 * rows * n * k / (ns / 1e9));
            }
            return best;
        }
    }
}
