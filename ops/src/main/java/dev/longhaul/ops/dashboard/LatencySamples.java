/*
 * The latest N latency samples of one stage (queued, running, end to end) and their percentiles by
 * nearest rank: p(q) is the smallest sample with at least q of the samples at or below it. A ring
 * of fixed size, so memory stays bounded however long the dashboard runs and the percentiles
 * follow recent behaviour. Not thread-safe: the owner (Throughput) serializes access.
 */
package dev.longhaul.ops.dashboard;

import java.util.Arrays;

final class LatencySamples {
    private final long[] ring;
    private int size;
    private int next;
    private long count;

    LatencySamples(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        ring = new long[capacity];
    }

    void add(long millis) {
        ring[next] = Math.max(0, millis);
        next = (next + 1) % ring.length;
        size = Math.min(size + 1, ring.length);
        count++;
    }

    /** Percentiles of the samples held; zeros when there are none. */
    ThroughputSnapshot.Latency summary() {
        if (size == 0) {
            return new ThroughputSnapshot.Latency(count, 0, 0, 0, 0);
        }
        long[] sorted = Arrays.copyOf(ring, size);
        Arrays.sort(sorted);
        return new ThroughputSnapshot.Latency(count, rank(sorted, 0.50), rank(sorted, 0.90), rank(sorted, 0.99),
                sorted[sorted.length - 1]);
    }

    private static long rank(long[] sorted, double q) {
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
