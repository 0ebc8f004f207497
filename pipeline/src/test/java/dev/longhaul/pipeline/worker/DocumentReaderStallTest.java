/*
 * A chunk that cannot be read because Kafka is out of reach is waited for, then given up on with
 * DocumentReader.Stalled, which the worker runs again (a failure that may pass) instead of failing
 * the job for good; a chunk found gone stays final. No broker is needed: the reader is pointed at a
 * port nothing listens on, with waits of milliseconds instead of minutes.
 */
package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.longhaul.engine.SharedData;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
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
}
