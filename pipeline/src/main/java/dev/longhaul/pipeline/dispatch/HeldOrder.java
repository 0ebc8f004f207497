/*
 * A planned order the dispatcher holds, with its arrival number (the offset it had on the dispatch
 * orders topic, increasing in arrival order) for the last tie-break. SERDE writes the arrival as 8
 * bytes followed by the WorkOrder in the wire format of `work`.
 */
package dev.longhaul.pipeline.dispatch;

import java.nio.ByteBuffer;
import java.util.Arrays;

import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkOrder;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

public record HeldOrder(WorkOrder order, long arrival) {

    String jobId() {
        return order.getRequest().getJobId();
    }

    String tenant() {
        return order.getRequest().getTenant();
    }

    long cost() {
        return order.getEstimatedCostTokens();
    }

    /** What release order, quotas and expiry read of this order: kept in memory, so no event decodes the held store. */
    Waiting waiting() {
        java.time.Instant deadline = order.getRequest().getDeadline();
        return new Waiting(jobId(), tenant(), order.getRequest().getSubmissionId(), order.getRequest().getPriority(),
                deadline == null ? Long.MAX_VALUE : deadline.toEpochMilli(), cost(), arrival);
    }

    /** A held order's summary: deadline in epoch ms, Long.MAX_VALUE for none. */
    record Waiting(String jobId, String tenant, String submissionId, int priority, long deadline, long cost, long arrival) {
    }

    static Serde<HeldOrder> serde(Topics topics) {
        var orders = topics.work.values();
        String subject = topics.work.name();
        return Serdes.serdeFrom(
                (topic, held) -> {
                    if (held == null) {
                        return null;
                    }
                    byte[] order = orders.serializer().serialize(subject, held.order());
                    return ByteBuffer.allocate(Long.BYTES + order.length).putLong(held.arrival()).put(order).array();
                },
                (topic, bytes) -> bytes == null ? null : new HeldOrder(
                        orders.deserializer().deserialize(subject, Arrays.copyOfRange(bytes, Long.BYTES, bytes.length)),
                        ByteBuffer.wrap(bytes).getLong()));
    }
}
