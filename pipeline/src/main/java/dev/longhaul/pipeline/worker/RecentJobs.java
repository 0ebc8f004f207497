/*
 * The ids of the jobs a worker finished most recently, at most `capacity` of them: the oldest is
 * forgotten when a new one comes. The worker drops a second order for a job it remembers (the
 * planner never sends one; this is a guard, not the exactly-once mechanism, which is the
 * transactional commit), so a worker that runs for months keeps a bounded set rather than every
 * job id it ever finished. Not thread-safe: the worker's poll loop is its only user.
 */
package dev.longhaul.pipeline.worker;

import java.util.LinkedHashMap;
import java.util.Map;

final class RecentJobs {
    /** Remembered by a worker: far more than the orders a lane holds at once. */
    static final int CAPACITY = 65_536;

    /** Each remembered job's document tokens (what its final status said). */
    private final Map<String, Long> ids;

    RecentJobs(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.ids = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Remembers a job with the document tokens its run read. */
    void add(String jobId, long documentTokens) {
        ids.put(jobId, documentTokens);
    }

    /** The document tokens a remembered job's run read; 0 for one not remembered. */
    long tokens(String jobId) {
        return ids.getOrDefault(jobId, 0L);
    }

    boolean contains(String jobId) {
        return ids.containsKey(jobId);
    }

    int size() {
        return ids.size();
    }
}
