/*
 * Two registry instances on one topic, without a leader: registrations sent to both at once,
 * from several threads, must agree on every id and version, hand out no id twice and skip none,
 * and leave both instances serving the same state. The fencing that makes this safe is also shown
 * deterministically: a write planned before another instance's write must not commit its plan.
 */
package dev.longhaul.ops.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.schemas.wire.RegisteredSchema;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RegistryClusterTest {
    private static final int SCHEMAS = 12;
    private static final List<String> SUBJECTS = List.of("a-value", "b-value", "c-value");

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void aWritePlannedBeforeAnotherInstanceWroteIsFencedAndPlannedAgain() throws Exception {
        RegistryConfig config = RegistryConfig.defaults(kafka.bootstrapServers()).withTopic("_schemas-fencing");
        SchemaView viewA = new SchemaView();
        SchemaView viewB = new SchemaView();
        try (SchemaLog a = SchemaLog.open(config, viewA);
             SchemaLog b = SchemaLog.open(config, viewB);
             ExecutorService other = Executors.newSingleThreadExecutor()) {
            AtomicInteger attempts = new AtomicInteger();
            int idA = a.write(view -> {
                // Given: A plans the next id from its caught-up view (the first plan is made without
                // a producer, to see whether anything needs writing; the second is the write's own)...
                int id = view.maxId() + 1;
                if (attempts.incrementAndGet() == 2) {
                    // ...when B, another instance, writes before A commits.
                    int idB = join(other.submit(() -> b.write(v -> plan(v, "b-value", RegistrySchemas.probe(2)))));
                    assertEquals(1, idB);
                }
                return new SchemaLog.Plan<>(List.of(new SchemaVersion("a-value", 1, id, RegistrySchemas.probe(1).toString(), false)), id);
            });
            // Then: A's first write never committed; A planned again on a view holding B's write.
            assertEquals(3, attempts.get(), "A's first commit must be fenced");
            assertEquals(2, idA);
            b.catchUp();
            for (SchemaView view : List.of(viewA, viewB)) {
                assertEquals(RegistrySchemas.probe(2).toString(), view.schema(1).orElseThrow());
                assertEquals(RegistrySchemas.probe(1).toString(), view.schema(2).orElseThrow());
                assertEquals(List.of("a-value", "b-value"), view.subjects(false));
            }
        }
    }

    private static SchemaLog.Plan<Integer> plan(SchemaView view, String subject, Schema schema) {
        int id = view.maxId() + 1;
        return new SchemaLog.Plan<>(List.of(new SchemaVersion(subject, view.maxVersion(subject) + 1, id, schema.toString(), false)), id);
    }

    private static <T> T join(Future<T> future) {
        try {
            return future.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void twoInstancesRegisteringConcurrentlyAgreeOnIdsAndVersions() throws Exception {
        RegistryConfig config = RegistryConfig.defaults(kafka.bootstrapServers()).withTopic("_schemas-cluster").withListener("localhost", 0);
        try (RegistryServer one = RegistryServer.start(config);
             RegistryServer two = RegistryServer.start(config);
             ExecutorService threads = Executors.newFixedThreadPool(8)) {
            List<RestSchemaRegistryClient> clients = List.of(
                    new RestSchemaRegistryClient(one.url()), new RestSchemaRegistryClient(two.url()));

            // Given: every probe schema sent to every subject through both instances at once
            // (fresh clients per call, so that no client cache hides a disagreement).
            record Registration(int schema, String subject, int instance, Future<Integer> id) {
            }
            List<Registration> registrations = new ArrayList<>();
            for (int n = 1; n <= SCHEMAS; n++) {
                Schema schema = RegistrySchemas.probe(n);
                for (String subject : SUBJECTS) {
                    for (int i = 0; i < clients.size(); i++) {
                        RegistryServer target = i == 0 ? one : two;
                        registrations.add(new Registration(n, subject, i, threads.submit(
                                () -> new RestSchemaRegistryClient(target.url()).register(subject, schema))));
                    }
                }
            }

            // Then: one id per schema, whatever the subject or instance, and ids 1..SCHEMAS.
            Map<Integer, Integer> idBySchema = new HashMap<>();
            for (Registration r : registrations) {
                int id = r.id().get();
                Integer first = idBySchema.putIfAbsent(r.schema(), id);
                assertEquals(first == null ? id : first, id,
                        "probe " + r.schema() + " under " + r.subject() + " via instance " + r.instance());
            }
            assertEquals(rangeClosed(SCHEMAS), new TreeSet<>(idBySchema.values()), "no id skipped or handed out twice");

            // And: both instances hold the same versions, one per schema and subject.
            for (String subject : SUBJECTS) {
                List<RegisteredSchema> viaOne = versions(clients.get(0), subject, idBySchema);
                List<RegisteredSchema> viaTwo = versions(clients.get(1), subject, idBySchema);
                assertEquals(viaOne, viaTwo, subject);
                assertEquals(SCHEMAS, new TreeSet<>(viaOne.stream().map(RegisteredSchema::version).toList()).size(), subject);
                assertEquals(SCHEMAS, viaOne.getLast().version(), subject + ": versions 1.." + SCHEMAS);
            }
        }
    }

    /** Each schema's version in the subject, looked up through one instance. */
    private static List<RegisteredSchema> versions(RestSchemaRegistryClient client, String subject, Map<Integer, Integer> idBySchema) {
        List<RegisteredSchema> found = new ArrayList<>();
        for (int n = 1; n <= SCHEMAS; n++) {
            RegisteredSchema v = client.lookup(subject, RegistrySchemas.probe(n)).orElseThrow();
            assertEquals(idBySchema.get(n), v.id(), subject + " probe " + n);
            found.add(v);
        }
        found.sort(Comparator.comparingInt(RegisteredSchema::version));
        return found;
    }

    private static TreeSet<Integer> rangeClosed(int last) {
        TreeSet<Integer> ids = new TreeSet<>();
        for (int i = 1; i <= last; i++) {
            ids.add(i);
        }
        return ids;
    }

    @Test
    void onAThreeBrokerClusterTheSchemasTopicIsReplicatedThriceAndNeedsTwoInSync() throws Exception {
        try (dev.longhaul.embedded.EmbeddedKafkaCluster cluster = dev.longhaul.embedded.EmbeddedKafkaCluster.start(3, 1)) {
            RegistryConfig config = RegistryConfig.defaults(cluster.bootstrapServers()).withTopic("_schemas-replicated")
                    .withListener("localhost", 0);
            try (RegistryServer server = RegistryServer.start(config);
                 org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                         java.util.Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
                assertEquals(1, new RestSchemaRegistryClient(server.url()).register("a-value", RegistrySchemas.probe(1)));
                var description = admin.describeTopics(List.of("_schemas-replicated")).allTopicNames().get().get("_schemas-replicated");
                assertEquals(3, description.partitions().getFirst().replicas().size());
                var resource = new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "_schemas-replicated");
                var minIsr = admin.describeConfigs(List.of(resource)).all().get().get(resource)
                        .get(org.apache.kafka.common.config.TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
                assertEquals("2", minIsr.value());
                // set on the topic itself, not inherited from this cluster's broker default (which is also 2)
                assertEquals(org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, minIsr.source());
            }
        }
        assertEquals(1, SchemaLog.replicasFor(1));
        assertEquals(2, SchemaLog.replicasFor(2));
        assertEquals(3, SchemaLog.replicasFor(5));
    }
}
