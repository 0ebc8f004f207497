/*
 * The pipeline registers the value schemas of every topic it writes before it starts, so that no
 * record it writes later asks the registry (whose outage would fail a stream thread mid-commit);
 * a registration that fails then is left to the first record, without failing the start.
 */
package dev.longhaul.ops.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;

import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
import dev.longhaul.schemas.wire.RegistryException;
import dev.longhaul.schemas.wire.SchemaRegistry;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class PipelineRunnerSchemasTest {

    @Test
    void theSchemasOfEveryTopicThePipelineWritesAreRegisteredBeforeItStarts() {
        Set<String> subjects = new ConcurrentSkipListSet<>();
        Topics topics = new Topics("rs.", recording(subjects, "rs.tenant.refusing.", null));
        List<String> failed = PipelineRunner.registerOutputSchemas(topics, Set.of("zeta", "refusing"), "app");
        // what it serializes: its outputs, heartbeats re-keyed under workers, the records the tenant
        // gate admits, each tenant's status (results and letters reach tenants as bytes)
        assertEquals(Set.of("rs.work-value", "rs.status-value", "rs.dead-letters-value", "rs.workers-value",
                "app-status-latest-changelog-value", "app-dispatch-workers-changelog-value",
                "rs.jobs-value", "rs.control-value", "rs.tenant.zeta.status-value"), subjects);
        assertEquals(List.of("rs.tenant.refusing.status"), failed, "a refused one is said, and the rest still registered");
        // a registry out of reach: the first failure leaves the rest to their first records at once
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        Topics unreachable = new Topics("rs3.", recording(new ConcurrentSkipListSet<>(), "", asked));
        assertEquals(9, PipelineRunner.registerOutputSchemas(unreachable, Set.of("zeta"), "app").size());
        assertEquals(1, asked.get(), "asked once, not once per subject");
    }

    @Test
    void aStartedPipelineHasRegisteredWhatItWritesBeforeWritingAnything(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        Set<String> subjects = new ConcurrentSkipListSet<>();
        Topics topics = new Topics("rs2.", recording(subjects, "refuses-nothing:", null));
        dev.longhaul.pipeline.PipelineConfig d = dev.longhaul.pipeline.PipelineConfig.DEFAULTS;
        var config = d.withKafka(new dev.longhaul.pipeline.PipelineConfig.Kafka("schemas-test", "rs2.", 1, d.kafka().commitInterval()));
        try (dev.longhaul.embedded.EmbeddedKafka kafka = dev.longhaul.embedded.EmbeddedKafka.start();
             PipelineRunner runner = PipelineRunner.start(config, topics, kafka.bootstrapServers(), tmp)) {
            Set<String> before = Set.copyOf(subjects);
            assertEquals(Set.of("rs2.work-value", "rs2.status-value", "rs2.dead-letters-value", "rs2.workers-value",
                    "schemas-test-status-latest-changelog-value", "schemas-test-dispatch-workers-changelog-value"), before);
            // and what the running pipeline serializes (a heartbeat through the dispatcher, into its
            // store; a status into the status table) asks for no subject it did not register first
            try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(
                    java.util.Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
                    topics.workers.keys().serializer(), topics.workers.values().serializer())) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topics.workers.name(), "w0",
                        dev.longhaul.schemas.WorkerHeartbeat.newBuilder().setWorkerId("w0").setBackend("cpu").setLanes(List.of(0))
                                .setCapacityTokensPerSecond(1).setOutstandingCostTokens(0).setAt(java.time.Instant.now()).build())).get();
            }
            var store = runner.streams();
            long end = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < end && !workerKnown(store)) {
                Thread.sleep(100);
            }
            assertTrue(workerKnown(store), "the dispatcher stored the heartbeat");
            assertEquals(before, Set.copyOf(subjects), "subjects registered while running");
        }
    }

    /**
     * A registry that adds each subject registered to `subjects`, and refuses those beginning with
     * `refused`; with `unreachable`, it counts there the calls it fails as a registry out of reach.
     */
    private static SchemaRegistry recording(Set<String> subjects, String refused, java.util.concurrent.atomic.AtomicInteger unreachable) {
        InMemorySchemaRegistry inner = new InMemorySchemaRegistry();
        return new SchemaRegistry() {
            @Override
            public int register(String subject, Schema schema) {
                if (unreachable != null) {
                    unreachable.incrementAndGet();
                    throw new RegistryException("cannot reach the schema registry (test)", null);
                }
                if (subject.startsWith(refused)) {
                    throw new RegistryException(409, 409, "incompatible (test)");
                }
                subjects.add(subject);
                return inner.register(subject, schema);
            }

            @Override
            public Schema schemaById(int id) {
                return inner.schemaById(id);
            }
        };
    }

    /** Whether the dispatcher's workers store holds w0 (a store still moving reads as not yet). */
    private static boolean workerKnown(org.apache.kafka.streams.KafkaStreams streams) {
        try {
            return streams.store(org.apache.kafka.streams.StoreQueryParameters.fromNameAndType(
                    dev.longhaul.pipeline.dispatch.LaneDispatcher.WORKERS_STORE,
                    org.apache.kafka.streams.state.QueryableStoreTypes.<String, Object>keyValueStore())).get("w0") != null;
        } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
            return false;
        }
    }
}
