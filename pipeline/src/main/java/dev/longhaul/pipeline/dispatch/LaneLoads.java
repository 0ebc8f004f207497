/*
 * What each live worker has outstanding, as the dispatcher reckons it when choosing a lane. A lane
 * belongs to the worker whose latest fresh heartbeat names it (the later report wins while a
 * rebalance is in progress). A worker's load is
 *
 *     max(its reported outstanding cost, the orders released onto its lanes before that report)
 *       + the orders released onto its lanes at or after that report,
 *
 * counting only orders not yet finished. The report covers the orders it runs and those it has
 * polled; it cannot cover orders still waiting unread in its partitions (a worker pauses a lane
 * while it has an order of that lane in progress or waiting), which is why the orders released before it count too: otherwise every heartbeat would
 * reset a worker's queue to a handful of orders and the window would hold nothing back. The
 * report, for its part, counts what this dispatcher cannot know yet (orders finished but not yet
 * heard of are in the released sums; the report has already dropped them, so the larger wins).
 *
 * The window applies per worker, since one engine runs the orders of all of a worker's lanes (at
 * most one per lane at a time, sharing its batched steps). A lane is chosen by its worker's load, then by what is queued on the lane itself (so a
 * worker's orders spread over its lanes and follow a lane that moves to a new worker), then by
 * lane number.
 */
package dev.longhaul.pipeline.dispatch;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

final class LaneLoads {
    private record Owner(String worker, long reportedAt) {}

    private final Map<Integer, Owner> owners = new HashMap<>();
    private final Map<String, Long> reported = new HashMap<>();
    private final Map<String, Long> before = new HashMap<>();
    private final Map<String, Long> after = new HashMap<>();
    private final Map<Integer, Long> queued = new HashMap<>();

    /** A fresh report of `worker` at `at` naming `lane` (a later report of the lane wins). */
    void report(String worker, int lane, long outstanding, long at) {
        Owner current = owners.get(lane);
        if (current == null || at >= current.reportedAt()) {
            owners.put(lane, new Owner(worker, at));
            reported.put(worker, Math.max(0, outstanding));
        }
    }

    /** An order released onto `lane` at `releasedAt` and not finished; ignored unless the lane is live. */
    void inFlight(int lane, long cost, long releasedAt) {
        Owner owner = owners.get(lane);
        if (owner == null) {
            return;
        }
        queued.merge(lane, cost, LaneLoads::saturatedSum);
        (releasedAt < owner.reportedAt() ? before : after).merge(owner.worker(), cost, LaneLoads::saturatedSum);
    }

    boolean isEmpty() {
        return owners.isEmpty();
    }

    /** The worker whose latest fresh report names `lane`, or null when none does. */
    String owner(int lane) {
        Owner owner = owners.get(lane);
        return owner == null ? null : owner.worker();
    }

    /** The outstanding cost of the worker that owns `lane` (0 for a lane not live). */
    long load(int lane) {
        Owner owner = owners.get(lane);
        if (owner == null) {
            return 0;
        }
        String w = owner.worker();
        // saturating: a report near Long.MAX_VALUE must read as full, not wrap to the least loaded
        return saturatedSum(Math.max(reported.getOrDefault(w, 0L), before.getOrDefault(w, 0L)), after.getOrDefault(w, 0L));
    }

    /** a + b for non-negative costs, at most Long.MAX_VALUE. */
    static long saturatedSum(long a, long b) {
        long s = a + b;
        return s < 0 ? Long.MAX_VALUE : s;
    }

    /** The lane to release onto: its worker under the window, least loaded; empty when none is. */
    OptionalInt choose(long window) {
        int best = -1;
        for (int lane : owners.keySet()) {
            if (load(lane) >= window) {
                continue;
            }
            if (best < 0 || better(lane, best)) {
                best = lane;
            }
        }
        return best < 0 ? OptionalInt.empty() : OptionalInt.of(best);
    }

    private boolean better(int lane, int than) {
        int byLoad = Long.compare(load(lane), load(than));
        if (byLoad != 0) {
            return byLoad < 0;
        }
        int byQueue = Long.compare(queued.getOrDefault(lane, 0L), queued.getOrDefault(than, 0L));
        return byQueue != 0 ? byQueue < 0 : lane < than;
    }

    /** Counts an order just released onto `lane` (after every report, so it adds to its worker's load). */
    void released(int lane, long cost) {
        Owner owner = owners.get(lane);
        if (owner != null) {
            queued.merge(lane, cost, LaneLoads::saturatedSum);
            after.merge(owner.worker(), cost, LaneLoads::saturatedSum);
        }
    }
}
