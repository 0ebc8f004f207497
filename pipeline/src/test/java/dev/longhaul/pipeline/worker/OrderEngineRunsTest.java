/*
 * A cancel that reaches the engine between the worker's hand-over (reset) and the start of run()
 * stops that run; reset() clears a cancel left from an earlier run. Before, run() cleared the flag
 * itself, so a cancel sent in that gap was lost, and a lane revoked then waited for the whole order.
 */
package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import dev.longhaul.engine.SharedData;
import dev.longhaul.schemas.ChunkLocations;
import dev.longhaul.schemas.ChunkPosition;
import dev.longhaul.schemas.DocumentChunk;
import dev.longhaul.schemas.DocumentDescriptor;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.WorkOrder;
import org.junit.jupiter.api.Test;

class OrderEngineCancelTest {
    private static final byte[] DOC = "The lease ends on 1 March 2030. Either party may renew it.".getBytes(StandardCharsets.UTF_8);

    @Test
    void aCancelBeforeTheRunStartsStopsItAndResetClearsItForTheNext() {
        WorkerConfig config = WorkerConfig.defaults("cancel-test", "localhost:1", SharedData.minimaxTiny()).withOutput(4);
        try (OrderEngine engine = OrderEngine.open(config)) {
            WorkOrder order = order();
            ChunkSource chunks = (o, sink) -> sink.accept(DocumentChunk.newBuilder().setJobId("j").setIndex(0)
                    .setData(ByteBuffer.wrap(DOC)).setIsLast(true).build());

            engine.reset();
            engine.cancel(); // arrives after the hand-over, before run() begins
            assertInstanceOf(OrderRunner.Cancelled.class, engine.run(order, chunks, (f, t) -> { }));

            engine.reset();
            OrderRunner.Done done = assertInstanceOf(OrderRunner.Done.class, engine.run(order, chunks, (f, t) -> { }));
            assertEquals(1, done.summaries().size());
        }
    }

    private static WorkOrder order() {
        JobRequest request = JobRequest.newBuilder().setJobId("j").setTenant("t").setKind(DocumentKind.CONTRACT)
                .setTasks(List.of(Task.newBuilder().setType(TaskType.SUMMARIZE).build()))
                .setDocument(DocumentDescriptor.newBuilder().setChunkCount(1).setBytes(DOC.length)
                        .setSha256("0".repeat(64)).setMediaType("text/plain").build())
                .setSubmittedAt(Instant.now()).build();
        return WorkOrder.newBuilder().setRequest(request).setLane(0)
                .setChunks(ChunkLocations.newBuilder().setTopic("documents").setPartition(0).setFirstOffset(0).setLastOffset(0)
                        .setPositions(List.of(ChunkPosition.newBuilder().setPartition(0).setOffset(0).build())).build())
                .setEstimatedCostTokens(DOC.length / 4).setPlannedAt(Instant.now()).build();
    }
}
