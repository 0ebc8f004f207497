package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RecentJobsTest {
    @Test
    void keepsTheLatestIdsAndForgetsTheOldestBeyondCapacity() {
        RecentJobs recent = new RecentJobs(3);
        for (int i = 0; i < 5; i++) {
            recent.add("job-" + i, 100L + i);
        }
        assertEquals(3, recent.size());
        assertFalse(recent.contains("job-0"));
        assertFalse(recent.contains("job-1"));
        assertTrue(recent.contains("job-2"));
        assertTrue(recent.contains("job-4"));
        assertEquals(104L, recent.tokens("job-4"), "the tokens its run read");
        assertEquals(0L, recent.tokens("job-0"), "forgotten");
    }

    @Test
    void addingAnIdAgainDoesNotGrowTheSet() {
        RecentJobs recent = new RecentJobs(2);
        recent.add("a", 1);
        recent.add("a", 1);
        recent.add("b", 2);
        assertEquals(2, recent.size());
        assertTrue(recent.contains("a"));
        assertTrue(recent.contains("b"));
    }

    @Test
    void refusesAnEmptyCapacity() {
        assertThrows(IllegalArgumentException.class, () -> new RecentJobs(0));
    }
}
