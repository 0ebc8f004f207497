/*
 * A planned order the dispatcher holds, with its arrival number (the offset it had on the dispatch
 * orders topic, increasing in arrival order, never negative) for the last tie-break, and whether a
 * PAUSE keeps it from release. SERDE writes the arrival as 8 bytes (its complement, a negative
 * number, when paused: entries written before orders could be paused read as not paused) followed
 * by the WorkOrder in the wire format of `work`.
 */
package dev.longhaul.pipeline.dispatch;

import java.nio.ByteBuffer;
import java.util.Arrays;

import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkOrder;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

public record HeldOrder(WorkOrder order, long arrival, boolean paused) {

    public HeldOrder {
        if (arrival < 0) {
            throw new IllegalArgumentException("a held order's arrival is never negative: " + arrival);
        }
    }

    public HeldOrder(WorkOrder order, long arrival) {
        this(order, arrival, false);
    }

    String jobId() {
        return order.getRequest().getJobId();
    }

    String tenant() {
        return order.getRequest().getTenant();
    }

    long cost() {
        return order.getEstimatedCostTokens();
    }

    HeldOrder withPaused(boolean value) {
        return new HeldOrder(order, arrival, value);
    }

    /**
     * The order held again after the release `release` was handed back: it keeps that release's
     * time, so that the next release is named by a later one (LaneDispatcher.release).
     */
    HeldOrder afterRelease(long release) {
        return new HeldOrder(WorkOrder.newBuilder(order).setReleasedAt(java.time.Instant.ofEpochMilli(release)).build(), arrival, paused);
    }

    /** The order held again after a run of it had started on the worker that handed it back: it no longer expires. */
    HeldOrder started() {
        return order.getStarted() ? this : new HeldOrder(WorkOrder.newBuilder(order).setStarted(true).build(), arrival, paused);
    }

    HeldOrder withPriority(int priority) {
        JobRequest request = JobRequest.newBuilder(order.getRequest()).setPriority(priority).build();
        return new HeldOrder(WorkOrder.newBuilder(order).setRequest(request).build(), arrival, paused);
    }

    /** What release order, quotas and expiry read of this order: kept in memory, so no event decodes the held store. */
    Waiting waiting() {
        java.time.Instant deadline = order.getRequest().getDeadline();
        return new Waiting(jobId(), tenant(), order.getRequest().getSubmissionId(), order.getRequest().getPriority(),
                deadline == null ? Long.MAX_VALUE : deadline.toEpochMilli(), cost(), arrival, paused,
                order.getReleasedAt().toEpochMilli(), order.getStarted());
    }

    /**
     * A held order's summary: deadline in epoch ms, Long.MAX_VALUE for none; lastRelease, the
     * release a worker handed back (afterRelease), 0 for an order never released; started, a run
     * of it had started (WorkOrder.started): its deadline still orders it, but it no longer expires.
     */
    record Waiting(String jobId, String tenant, String submissionId, int priority, long deadline, long cost, long arrival,
                   boolean paused, long lastRelease, boolean started) {

        /** Whether its deadline has passed and it must expire. */
        boolean expiresAt(long now) {
            return deadline <= now && !started;
        }
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
                    long arrival = held.paused() ? ~held.arrival() : held.arrival();
                    return ByteBuffer.allocate(Long.BYTES + order.length).putLong(arrival).put(order).array();
                },
                (topic, bytes) -> {
                    if (bytes == null) {
                        return null;
                    }
                    long arrival = ByteBuffer.wrap(bytes).getLong();
                    WorkOrder order = orders.deserializer().deserialize(subject, Arrays.copyOfRange(bytes, Long.BYTES, bytes.length));
                    return arrival < 0 ? new HeldOrder(order, ~arrival, true) : new HeldOrder(order, arrival, false);
                });
    }
}
