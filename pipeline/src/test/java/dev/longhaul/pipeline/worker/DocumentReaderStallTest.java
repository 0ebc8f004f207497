/*
 * A chunk that cannot be read because Kafka is out of reach is waited for, then given up on with
 * DocumentReader.Stalled, which the worker runs again (a failure that may pass) instead of failing
 * the job for good; a chunk found gone stays final. For the outage no broker is needed: the reader
 * is pointed at a port nothing listens on, with waits of milliseconds instead of minutes. A chunk in
 * a partition the topic does not have is found gone on a real broker, at the first lookup.
 */
package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.engine.SharedData;
import dev.longhaul.schemas.ChunkLocations;
import dev.longhaul.schemas.ChunkPosition;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkOrder;
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class DocumentReaderStallTest {

    @Test
    void aChunkKafkaCannotServeIsGivenUpOnAsStalledWhichRunsAgain() {
        Map<String, Object> props = WorkerConfig.defaults("stall-test", "localhost:1", SharedData.minimaxTiny())
                .assignedConsumer("documents-1");
        Topics topics = Topics.of(new InMemorySchemaRegistry());
        var order = OrderEngineRunsTest.order("stalled-1", DocumentKind.TEXT,
                List.of(Task.newBuilder().setType(TaskType.SUMMARIZE).build()), "some text");
        try (DocumentReader reader = new DocumentReader(props, topics.documents,
                Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofMillis(100))) {
            DocumentReader.Stalled stalled = assertThrows(DocumentReader.Stalled.class, () -> reader.read(order, chunk -> true));
            assertTrue(stalled.getMessage().contains("chunk 0 of job stalled-1") && stalled.getMessage().contains("did not arrive"),
                    stalled.getMessage());
            assertTrue(Worker.mayPass(new java.util.concurrent.CompletionException(stalled)), "an outage may pass: it runs again");
        }
        assertFalse(Worker.mayPass(new IllegalStateException("chunk 0 of job j at offset 3 of documents-0 is gone")),
                "a chunk gone is final");
    }

    @Test
    void aChunkInAPartitionTheTopicDoesNotHaveIsGoneAtTheFirstLookup() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
            Topics topics = Topics.of(new InMemorySchemaRegistry());
            admin.createTopics(List.of(new NewTopic(topics.documents.name(), 2, (short) 1))).all().get();
            Map<String, Object> props = WorkerConfig.defaults("missing-partition-test", kafka.bootstrapServers(), SharedData.minimaxTiny())
                    .assignedConsumer("documents-1");
            WorkOrder base = OrderEngineRunsTest.order("elsewhere-1", DocumentKind.TEXT,
                    List.of(Task.newBuilder().setType(TaskType.SUMMARIZE).build()), "some text");
            WorkOrder order = WorkOrder.newBuilder(base).setChunks(ChunkLocations.newBuilder(base.getChunks())
                    .setPositions(List.of(ChunkPosition.newBuilder().setPartition(5).setOffset(0).build())).build()).build();
            // waits that a lookup which cannot answer would run out: given up on as Stalled after a minute
            try (DocumentReader reader = new DocumentReader(props, topics.documents,
                    Duration.ofMillis(100), Duration.ofMinutes(1), Duration.ofSeconds(5))) {
                IllegalStateException gone = assertThrows(IllegalStateException.class, () -> reader.read(order, chunk -> true));
                assertFalse(gone instanceof DocumentReader.Stalled, gone.toString());
                assertTrue(gone.getMessage().contains("is gone: the topic has 2 partitions, none numbered 5"), gone.getMessage());
                assertFalse(Worker.mayPass(new java.util.concurrent.CompletionException(gone)), "a broken order does not run again");
            }
        }
    }
}
