/*
 * Sends a WorkOrder to the partition of `work` equal to its lane (the record key), so that the
 * worker owning that partition gets it. The dispatcher only uses lanes below the configured lane
 * count, which TopicsAdmin makes the partition count of `work`; a lane beyond the topic's actual
 * partitions means the two disagree, and is refused rather than silently wrapped onto another lane.
 * The one exception is a single-partition topic (TopologyTestDriver's view of every topic): it is
 * one lane, and everything goes to partition 0.
 */
package dev.longhaul.pipeline.dispatch;

import java.util.Optional;
import java.util.Set;

import dev.longhaul.schemas.WorkOrder;
import org.apache.kafka.streams.processor.StreamPartitioner;

public final class LanePartitioner implements StreamPartitioner<Integer, WorkOrder> {
    @Override
    public Optional<Set<Integer>> partitions(String topic, Integer lane, WorkOrder order, int numPartitions) {
        if (numPartitions == 1) {
            return Optional.of(Set.of(0));
        }
        if (lane == null || lane < 0 || lane >= numPartitions) {
            throw new IllegalStateException("lane " + lane + " is not a partition of " + topic + " (" + numPartitions
                    + " partitions): the configured lane count and the topic disagree");
        }
        return Optional.of(Set.of(lane));
    }
}
