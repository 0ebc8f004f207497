/*
 * Wall-clock phases of one generation, in nanoseconds. queued: from submission until its first
 * forward step (0 when run directly). prefill: from its first forward step until its first token
 * was sampled (the time to first token). decode: from the first token until it finished. A
 * generation cancelled before its first token has all its compute time in prefill.
 */
package dev.longhaul.engine.generate;

public record Timings(long queuedNanos, long prefillNanos, long decodeNanos) {
    public Timings {
        if (queuedNanos < 0 || prefillNanos < 0 || decodeNanos < 0) {
            throw new IllegalArgumentException("timings must be >= 0: " + queuedNanos + ", " + prefillNanos + ", " + decodeNanos);
        }
    }

    public static final Timings NONE = new Timings(0, 0, 0);
}
