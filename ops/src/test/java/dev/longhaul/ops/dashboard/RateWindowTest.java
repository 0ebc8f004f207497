/*
 * RateWindow: the rate counts only the events of the window ending now, whatever order they came
 * in, and an event stamped ahead of now (a producer's clock running fast) counts as now instead of
 * sitting at the head for ever and keeping every later event in the window.
 */
package dev.longhaul.ops.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RateWindowTest {
    private static final long WINDOW = 30_000;

    @Test
    void anOlderEventBehindTheHeadIsNotCounted() {
        RateWindow w = new RateWindow(WINDOW);
        long now = 1_000_000;
        w.add(now - 1_000, 30, now);  // in the window, at the head
        w.add(now - 25_000, 60, now); // in the window when it came, behind the head
        assertEquals(3.0, w.rate(now), 1e-9);
        // ten seconds on, the second event is 35 s old: out, although the head still holds it in
        assertEquals(1.0, w.rate(now + 10_000), 1e-9);
        assertEquals(90, w.total());
    }

    @Test
    void anEventFromAClockAheadCountsAsNowAndAgesOut() {
        RateWindow w = new RateWindow(WINDOW);
        long now = 1_000_000;
        w.add(now + 3_600_000, 30, now); // an hour ahead
        w.add(now, 30, now);
        assertEquals(2.0, w.rate(now), 1e-9);
        assertEquals(0.0, w.rate(now + WINDOW + 1), 1e-9, "both have left the window");
        w.add(now + WINDOW + 2, 30, now + WINDOW + 2);
        assertEquals(1.0, w.rate(now + WINDOW + 2), 1e-9);
    }
}
