/*
 * A sliding time window of amounts (completed jobs, prefill tokens, decode tokens) keyed by event
 * time: rate(now) is the sum of the amounts whose event time lies in (now - window, now], divided
 * by the window's seconds. Event time, not arrival time, so that replaying a topic from its start
 * reports the old events as old (rate 0) instead of a burst at start-up. An event stamped later
 * than now (a producer whose clock runs ahead) counts as now, so that it neither waits in the
 * window for ever nor holds older events in it. total() counts every amount; counted() only those
 * of events at or after `countFrom` (the dashboard's start: what its Prometheus counter may count,
 * so that a restart's replay of the topics does not count their history again). Not thread-safe:
 * the owner (Throughput) serializes access.
 */
package dev.longhaul.ops.dashboard;

import java.util.ArrayDeque;
import java.util.Deque;

final class RateWindow {
    private record Event(long atMillis, long amount) {}

    private final long windowMillis;
    private final long countFrom;
    private final Deque<Event> events = new ArrayDeque<>();
    private long total;
    private long counted;

    RateWindow(long windowMillis) {
        this(windowMillis, Long.MIN_VALUE);
    }

    RateWindow(long windowMillis, long countFromMillis) {
        if (windowMillis <= 0) {
            throw new IllegalArgumentException("window must be positive: " + windowMillis);
        }
        this.windowMillis = windowMillis;
        this.countFrom = countFromMillis;
    }

    /** Records an amount at an event time; amounts older than the window only count in the totals. */
    void add(long atMillis, long amount, long nowMillis) {
        total += amount;
        if (atMillis >= countFrom) {
            counted += amount;
        }
        long at = Math.min(atMillis, nowMillis);
        if (at > nowMillis - windowMillis) {
            events.add(new Event(at, amount));
        }
        prune(nowMillis);
    }

    /** Amount per second over the window ending now. */
    double rate(long nowMillis) {
        prune(nowMillis);
        long sum = 0;
        for (Event e : events) {
            // an older event behind the head (events arrive out of order across partitions) is out too
            if (e.atMillis() > nowMillis - windowMillis && e.atMillis() <= nowMillis) {
                sum += e.amount();
            }
        }
        return sum * 1000.0 / windowMillis;
    }

    /** Every amount ever added, in or out of the window. */
    long total() {
        return total;
    }

    /** The amounts of events at or after countFrom (the Prometheus counter). */
    long counted() {
        return counted;
    }

    // Events arrive roughly in time order per topic, but not across partitions: drop from the head
    // while it is old, and let a rare older event further in wait until it reaches the head.
    private void prune(long nowMillis) {
        while (!events.isEmpty() && events.peekFirst().atMillis() <= nowMillis - windowMillis) {
            events.removeFirst();
        }
    }
}
