/*
 * Pipeline instances starting together on a fresh cluster: each lists the topics, then creates the
 * missing ones, so another may create one in between; that instance must go on (the topic it
 * wanted exists), not fail to start.
 */
package dev.longhaul.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

class TopicsAdminTest {
    @Test
    void topicsOfThreeReplicasOrMoreAreMadeWithMinInsyncReplicasOneFewer() {
        assertEquals(Map.of("cleanup.policy", "delete", "min.insync.replicas", "2"),
                TopicsAdmin.creationConfigs(Topics.DELETE, (short) 3));
        assertEquals("4", TopicsAdmin.creationConfigs(Topics.STATUS, (short) 5).get("min.insync.replicas"));
        assertEquals("compact,delete", TopicsAdmin.creationConfigs(Topics.STATUS, (short) 3).get("cleanup.policy"));
        // below three the broker's default stands: one fewer would be no stronger than its one, and
        // weaker than a broker set to two
        assertEquals(Topics.STATUS, TopicsAdmin.creationConfigs(Topics.STATUS, (short) 1), "a one-broker cluster");
        assertEquals(Topics.DELETE, TopicsAdmin.creationConfigs(Topics.DELETE, (short) 2));
    }

    @Test
    void documentsAreKeptAsLongAsTheStatusTopicKeepsAJobsEnd() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Topics topics = new Topics("kept.", new InMemorySchemaRegistry());
            TopicsAdmin.ensure(admin, topics, Set.of(), new TopicsAdmin.Layout(2, 2, (short) 1));
            var resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topics.documents.name());
            var configs = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            // not the broker's default (7 days): a job held paused for a week still finds its chunks
            assertEquals(Long.toString(Topics.STATUS_RETENTION.toMillis()), configs.get("retention.ms").value());
        }
    }

    @Test
    void instancesCreatingTheTopicsAtOnceAllStart() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
             ExecutorService threads = Executors.newFixedThreadPool(6)) {
            for (int round = 0; round < 3; round++) {
                Topics topics = new Topics("race" + round + ".", new InMemorySchemaRegistry());
                List<Future<?>> starts = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    starts.add(threads.submit(() -> TopicsAdmin.ensure(admin, topics, Set.of(), new TopicsAdmin.Layout(2, 2, (short) 1))));
                }
                for (Future<?> f : starts) {
                    f.get(); // throws if an instance failed to start
                }
                assertEquals(2, admin.describeTopics(List.of(topics.work.name())).allTopicNames().get()
                        .get(topics.work.name()).partitions().size());
            }
            // with tenants, a delivered topic of another partition count (a client produced to it,
            // and the broker created it, before the pipeline) is refused at start
            Topics topics = new Topics("early.", new InMemorySchemaRegistry());
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topics.deadLetters.name(), 1, (short) 1))).all().get();
            TopicsAdmin.Layout layout = new TopicsAdmin.Layout(2, 3, (short) 1);
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> TopicsAdmin.ensure(admin, topics, Set.of("a"), layout));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(topics.deadLetters.name()), e.getMessage());
            // without tenants nothing reads it beside the job-keyed topics: no refusal
            TopicsAdmin.ensure(admin, topics, Set.of(), layout);

            // shared topics grown to 8 partitions (to scale out) and a tenant added later on a
            // layout still saying 3: the tenant's topics are made with the cluster's 8
            Topics grown = new Topics("grown.", new InMemorySchemaRegistry());
            TopicsAdmin.ensure(admin, grown, Set.of(), new TopicsAdmin.Layout(2, 8, (short) 1));
            long listedGrown = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
            while (!admin.listTopics().names().get().contains(grown.jobs.name()) && System.nanoTime() < listedGrown) {
                Thread.sleep(50);
            }
            TopicsAdmin.ensure(admin, grown, Set.of("acme"), layout);
            String delivered = grown.forTenant("acme").tenantFacing().getFirst().getKey().name();
            assertEquals(8, TopicsAdmin.describe(admin, delivered, java.time.Duration.ofSeconds(30)).partitions().size(), delivered);

            // but a jobs topic a client's first write made (one partition, the broker's default) is
            // not copied to the shared topics made now: the pipeline refuses to start, saying why
            Topics auto = new Topics("auto.", new InMemorySchemaRegistry());
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(auto.jobs.name(), 1, (short) 1))).all().get();
            long listed = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
            while (!admin.listTopics().names().get().contains(auto.jobs.name()) && System.nanoTime() < listed) {
                Thread.sleep(50); // as long before the pipeline as a client's first write would be
            }
            IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> TopicsAdmin.ensure(admin, auto, Set.of(), layout));
            org.junit.jupiter.api.Assertions.assertTrue(refused.getMessage().contains(auto.jobs.name() + "=1"), refused.getMessage());
        }
    }
}
