/*
 * An OrderEngine's runs: a cancel requested on a run's RunCancel before the run starts stops it
 * (a cancel sent while the worker hands the order over is never lost), and a fresh RunCancel runs
 * the next order in full. Several runs at once on one engine (a worker with orders on several
 * lanes) share the engine's steps and each gives exactly what it gives alone; cancelling one of
 * them mid-run ends that one alone. EngineAlone.runAll (the benchmarks' way to run many) stops
 * starting orders once one fails.
 */
package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

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

class OrderEngineRunsTest {
    private static final String LEASE = "The lease ends on 1 March 2030. Either party may renew it.";
    private static final OrderRunner.Progress QUIET = (f, t) -> { };

    @Test
    void aCancelBeforeTheRunStartsStopsItAndAFreshOneRunsTheNext() {
        WorkerConfig config = WorkerConfig.defaults("cancel-test", "localhost:1", SharedData.minimaxTiny()).withOutput(4);
        try (OrderEngine engine = OrderEngine.open(config)) {
            WorkOrder order = order("j", DocumentKind.CONTRACT, List.of(summary()), LEASE);
            RunCancel early = new RunCancel();
            early.request(); // arrives after the hand-over, before run() begins
            assertInstanceOf(OrderRunner.Cancelled.class, engine.run(order, chunks(LEASE), QUIET, early));

            OrderRunner.Done done = assertInstanceOf(OrderRunner.Done.class,
                    engine.run(order, chunks(LEASE), QUIET, new RunCancel()));
            assertEquals(1, done.summaries().size());
        }
    }

    @Test
    void aSchemaThePlannerAcceptsRunsAndOneTheWorkerRefusesFailsBeforeTheDocumentIsRead() {
        WorkerConfig config = WorkerConfig.defaults("schema-test", "localhost:1", SharedData.minimaxTiny()).withOutput(4);
        try (OrderEngine engine = OrderEngine.open(config)) {
            // a schema near the planner's character cap whose text is astral-plane characters: twice
            // as many UTF-8 bytes as chars, so twice the tokens the old cap allowed per char
            String description = "\uD840\uDC00".repeat((dev.longhaul.pipeline.plan.ExtractionSchemas.MAX_SCHEMA_CHARS - 200) / 2);
            String schema = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"maxLength\":4,\"description\":\""
                    + description + "\"}},\"required\":[\"a\"]}";
            assertTrue(dev.longhaul.pipeline.plan.ExtractionSchemas.problem(schema).isEmpty(),
                    () -> "the planner accepts it: " + dev.longhaul.pipeline.plan.ExtractionSchemas.problem(schema));
            Task wide = Task.newBuilder().setType(TaskType.EXTRACT).setJsonSchema(schema).build();
            OrderRunner.Done done = assertInstanceOf(OrderRunner.Done.class,
                    engine.run(order("wide", DocumentKind.CONTRACT, List.of(wide), LEASE), chunks(LEASE), QUIET, new RunCancel()));
            assertEquals(1, done.extractions().size());

            // a schema the worker's compiler refuses fails the order before a chunk is asked for
            Task refused = Task.newBuilder().setType(TaskType.EXTRACT).setJsonSchema("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#\"}}}").build();
            int[] reads = {0};
            ChunkSource counting = (o, sink) -> {
                reads[0]++;
                return chunks(LEASE).read(o, sink);
            };
            org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> engine.run(order("refused", DocumentKind.CONTRACT, List.of(refused), LEASE), counting, QUIET, new RunCancel()));
            assertEquals(0, reads[0], "no chunk read for an order that cannot run");
        }
    }

    @Test
    void runsAtOnceGiveWhatEachGivesAloneAndACancelEndsOnlyItsOwn() throws Exception {
        // prefill chunks of 16 tokens, so every document streams in many feeds interleaved with the others'
        WorkerConfig base = WorkerConfig.defaults("concurrent-test", "localhost:1", SharedData.minimaxTiny()).withOutput(12);
        WorkerConfig config = base.withBatching(16, base.batchSequences());
        List<String> texts = List.of(
                LEASE.repeat(12),
                "2024-01-05 10:00:01 ERROR disk /dev/sda1 full\n2024-01-05 10:00:02 INFO retry scheduled\n".repeat(20),
                "This Agreement is made between Acme Corp and Beta LLC. It is governed by the laws of Delaware. ".repeat(10));
        List<WorkOrder> orders = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            List<Task> tasks = i == 1 ? List.of(summary()) : List.of(summary(), extract("parties", "governing law"));
            orders.add(order("job-" + i, i == 1 ? DocumentKind.LOG : DocumentKind.CONTRACT, tasks, texts.get(i)));
        }
        try (OrderEngine engine = OrderEngine.open(config);
             ExecutorService threads = Executors.newFixedThreadPool(orders.size() + 1)) {
            // given each order's results when it runs alone
            List<List<String>> alone = new ArrayList<>();
            for (int i = 0; i < orders.size(); i++) {
                alone.add(outputs(engine.run(orders.get(i), chunks(texts.get(i)), QUIET, new RunCancel())));
            }
            BatchFill aloneFill = engine.batchFill();
            // when they run at once, beside a long order that is cancelled once its document has streamed in
            RunCancel doomed = new RunCancel();
            String longText = LEASE.repeat(40);
            Future<OrderRunner.Outcome> cancelled = threads.submit(() -> engine.run(
                    order("doomed", DocumentKind.CONTRACT, List.of(summary(), summary()), longText), chunks(longText),
                    (fraction, tokens) -> doomed.request(), doomed));
            List<Future<OrderRunner.Outcome>> runs = new ArrayList<>();
            for (int i = 0; i < orders.size(); i++) {
                int n = i;
                runs.add(threads.submit(() -> engine.run(orders.get(n), chunks(texts.get(n)), QUIET, new RunCancel())));
            }
            // then each order has exactly its results alone, and only the cancelled one is cancelled
            for (int i = 0; i < orders.size(); i++) {
                assertEquals(alone.get(i), outputs(runs.get(i).get(300, TimeUnit.SECONDS)), "order " + i + " at once vs alone");
            }
            assertInstanceOf(OrderRunner.Cancelled.class, cancelled.get(300, TimeUnit.SECONDS));
            // and they shared the engine's steps
            BatchFill fill = engine.batchFill();
            assertTrue(fill.sequencesPerStep() > aloneFill.sequencesPerStep(),
                    "sequences per step at once " + fill + " vs one after another " + aloneFill);
        }
    }

    @Test
    void runAllStopsStartingOrdersOnceOneFailsAndFailsWithItsCause() {
        WorkerConfig config = WorkerConfig.defaults("run-all-test", "localhost:1", SharedData.minimaxTiny()).withOutput(2);
        List<String> read = java.util.Collections.synchronizedList(new ArrayList<>());
        ChunkSource lease = chunks(LEASE);
        ChunkSource source = (o, sink) -> {
            String job = o.getRequest().getJobId();
            read.add(job);
            if (job.equals("broken")) {
                throw new IllegalStateException("chunk 0 of job broken is gone (test)");
            }
            return lease.read(o, sink);
        };
        List<WorkOrder> orders = new ArrayList<>(List.of(order("first", DocumentKind.CONTRACT, List.of(summary()), LEASE),
                order("broken", DocumentKind.CONTRACT, List.of(summary()), LEASE)));
        for (int i = 0; i < 6; i++) {
            orders.add(order("after-" + i, DocumentKind.CONTRACT, List.of(summary()), LEASE));
        }
        try (EngineAlone engine = new EngineAlone(config)) {
            // one order at a time: the broken one fails, and none of the six queued after it starts
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> engine.runAll(orders, source, 1));
            assertTrue(e.getMessage().contains("is gone (test)"), e.getMessage());
            assertEquals(List.of("first", "broken"), read);
            // and the same engine runs the next call in full
            assertEquals(2, engine.runAll(orders.subList(2, 4), lease, 2).size());
            // a run failing with a CancellationException of its own fails the call too (not taken
            // for an order skipped, which would return fewer results than orders)
            ChunkSource closed = (o, sink) -> {
                throw new java.util.concurrent.CancellationException("the source was closed (test)");
            };
            java.util.concurrent.CancellationException c = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.CancellationException.class, () -> engine.runAll(orders.subList(0, 3), closed, 1));
            assertTrue(c.getMessage().contains("closed (test)"), c.getMessage());
        }
    }

    private static List<String> outputs(OrderRunner.Outcome outcome) {
        OrderRunner.Done done = assertInstanceOf(OrderRunner.Done.class, outcome);
        List<String> out = new ArrayList<>();
        done.summaries().forEach(s -> out.add(s.getTaskIndex() + ":" + s.getText() + "|" + s.getDigest()));
        done.extractions().forEach(e -> out.add(e.getTaskIndex() + ":" + e.getJson()));
        out.add("tokens:" + done.documentTokens() + " share:" + done.shareRead());
        return out;
    }

    private static Task summary() {
        return Task.newBuilder().setType(TaskType.SUMMARIZE).build();
    }

    private static Task extract(String... fields) {
        return Task.newBuilder().setType(TaskType.EXTRACT).setFields(List.of(fields)).build();
    }

    static ChunkSource chunks(String text) {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        return (o, sink) -> sink.accept(DocumentChunk.newBuilder().setJobId(o.getRequest().getJobId()).setIndex(0)
                .setData(ByteBuffer.wrap(data)).setIsLast(true).build());
    }

    static WorkOrder order(String jobId, DocumentKind kind, List<Task> tasks, String text) {
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        JobRequest request = JobRequest.newBuilder().setJobId(jobId).setTenant("t").setKind(kind)
                .setTasks(tasks)
                .setDocument(DocumentDescriptor.newBuilder().setChunkCount(1).setBytes(bytes)
                        .setSha256("0".repeat(64)).setMediaType("text/plain").build())
                .setSubmittedAt(Instant.now()).build();
        return WorkOrder.newBuilder().setRequest(request).setLane(0)
                .setChunks(ChunkLocations.newBuilder().setTopic("documents").setPartition(0).setFirstOffset(0).setLastOffset(0)
                        .setPositions(List.of(ChunkPosition.newBuilder().setPartition(0).setOffset(0).build())).build())
                .setEstimatedCostTokens(bytes / 4).setPlannedAt(Instant.now()).build();
    }
}
