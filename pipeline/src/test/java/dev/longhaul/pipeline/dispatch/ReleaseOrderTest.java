/*
 * The dispatcher's release order at the ends of the int range: a client's priority of
 * Integer.MIN_VALUE is the lowest, not (by a negation that overflows) the highest.
 */
package dev.longhaul.pipeline.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.longhaul.schemas.ChunkLocations;
import dev.longhaul.schemas.DocumentDescriptor;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.RecordTrust;
import dev.longhaul.schemas.WorkOrder;
import org.junit.jupiter.api.Test;

class ReleaseOrderTest {

    private static HeldOrder.Waiting held(String id, int priority, long arrival) {
        return new HeldOrder(order(id, priority), arrival).waiting();
    }

    /** A planned order of job `id` with this priority. */
    static WorkOrder order(String id, int priority) {
        RecordTrust.install(); // builders of nested records load their classes through Avro
        JobRequest request = JobRequest.newBuilder().setJobId(id).setTenant("t").setKind(DocumentKind.TEXT).setTasks(List.of())
                .setPriority(priority).setDocument(DocumentDescriptor.newBuilder().setChunkCount(1).setBytes(1)
                        .setSha256("0".repeat(64)).setMediaType("text/plain").build())
                .setSubmittedAt(Instant.EPOCH).build();
        WorkOrder order = WorkOrder.newBuilder().setRequest(request).setLane(-1)
                .setChunks(ChunkLocations.newBuilder().setTopic("d").setPartition(0).setFirstOffset(0).setLastOffset(0).build())
                .setEstimatedCostTokens(1).setPlannedAt(Instant.EPOCH).build();
        return order;
    }

    @Test
    void extremePrioritiesSortHighestFirstAndLowestLast() {
        List<HeldOrder.Waiting> orders = new ArrayList<>(List.of(held("min", Integer.MIN_VALUE, 0), held("zero", 0, 1),
                held("max", Integer.MAX_VALUE, 2), held("minus-one", -1, 3)));
        orders.sort(LaneDispatcher.releaseOrder(tenant -> 0));
        assertEquals(List.of("max", "zero", "minus-one", "min"), orders.stream().map(HeldOrder.Waiting::jobId).toList());
    }
}
