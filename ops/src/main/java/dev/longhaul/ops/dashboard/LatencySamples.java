/*
 * The latest N latency samples of one stage (queued, running, end to end), each with the time of
 * the result it came from, and their percentiles by nearest rank over the samples since a given
 * time: p(q) is the smallest sample with at least q of them at or below it. A ring of fixed size,
 * so memory stays bounded however long the dashboard runs, and percentiles over a recent stretch of
 * time only, so that they follow current behaviour and fall silent when no job finishes. Not
 * thread-safe: the owner (Throughput) serializes access.
 */
package dev.longhaul.ops.dashboard;

import java.util.Arrays;

final class LatencySamples {
    private final long[] ring;
    private final long[] at;
    private int size;
    private int next;

    LatencySamples(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        ring = new long[capacity];
        at = new long[capacity];
    }

    /** A sample of `millis`, from a result written at atMillis. */
    void add(long millis, long atMillis) {
        ring[next] = Math.max(0, millis);
        at[next] = atMillis;
        next = (next + 1) % ring.length;
        size = Math.min(size + 1, ring.length);
    }

    /** Percentiles of the samples held from results written at sinceMillis or later, and their count; zeros when none. */
    ThroughputSnapshot.Latency summary(long sinceMillis) {
        long[] recent = new long[size];
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (at[i] >= sinceMillis) {
                recent[n++] = ring[i];
            }
        }
        if (n == 0) {
            return new ThroughputSnapshot.Latency(0, 0, 0, 0, 0);
        }
        long[] sorted = Arrays.copyOf(recent, n);
        Arrays.sort(sorted);
        return new ThroughputSnapshot.Latency(n, rank(sorted, 0.50), rank(sorted, 0.90), rank(sorted, 0.99), sorted[n - 1]);
    }

    private static long rank(long[] sorted, double q) {
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
