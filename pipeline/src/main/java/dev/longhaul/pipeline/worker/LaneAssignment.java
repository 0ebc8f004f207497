/*
 * How a worker gets its lanes (partitions of `work`). In the group (the default) Kafka assigns them
 * and moves them when workers come and go, so a dead worker's lanes are taken over. Pinned lanes
 * are fixed (e.g. one GPU per lane): no rebalancing and no takeover, so a pinned lane stops while
 * its worker is down. Do not mix the two modes on one `work` topic.
 */
package dev.longhaul.pipeline.worker;

import java.util.List;

public sealed interface LaneAssignment {
    record Group() implements LaneAssignment {}

    record Pinned(List<Integer> lanes) implements LaneAssignment {
        public Pinned {
            lanes = List.copyOf(lanes);
            if (lanes.isEmpty() || lanes.stream().anyMatch(l -> l < 0)) {
                throw new IllegalArgumentException("pinned lanes must be a non-empty list of partition numbers ≥ 0: " + lanes);
            }
        }
    }

    static LaneAssignment group() {
        return new Group();
    }
}
