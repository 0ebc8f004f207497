/*
 * A dashboard whose start fails part way (here: a client override only a consumer refuses, after
 * the control producer and the lag probe's admin client were made) closes what it had opened: no
 * Kafka client thread or scheduler of it is left running. No broker is needed: the clients never
 * connect before the failure. And a dashboard that cannot reach Kafka says so in its snapshot,
 * which the page shows, rather than looking live with every rate at zero.
 */
package dev.longhaul.ops.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Optional;

import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class DashboardStartTest {

    @Test
    void aStartThatFailsPartWayLeavesNoClientOrThreadBehind() throws Exception {
        Map<String, Long> before = threads();
        DashboardConfig config = DashboardConfig.DEFAULTS.withPort(0)
                .withKafkaClientOverrides(Map.of("isolation.level", "not-a-level")); // only a consumer reads it
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        assertThrows(ConfigException.class,
                () -> Dashboard.start(config, "localhost:1", Topics.of(registry), registry, Optional.empty()));
        // a closed client's thread ends as its close returns; give the JVM a moment to reap it
        for (int i = 0; i < 50 && !threads().equals(before); i++) {
            Thread.sleep(100);
        }
        assertEquals(before, threads(), "threads of the failed start still running");
    }

    @Test
    void aDashboardThatCannotReachKafkaSaysSinceWhen() throws Exception {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        long before = System.currentTimeMillis();
        try (Dashboard dashboard = Dashboard.start(DashboardConfig.DEFAULTS.withPort(0), "localhost:1", Topics.of(registry), registry,
                Optional.empty())) {
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
            while (dashboard.snapshot().kafka().failingSince() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            ThroughputSnapshot.KafkaTrouble trouble = dashboard.snapshot().kafka();
            org.junit.jupiter.api.Assertions.assertTrue(trouble.failingSince() >= before, trouble.toString());
            org.junit.jupiter.api.Assertions.assertFalse(trouble.error().isBlank(), trouble.toString());
        }
    }

    /** Live threads of the kinds a dashboard starts, by kind. */
    private static Map<String, Long> threads() {
        Map<String, Long> kinds = new java.util.TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            String kind = name.startsWith("kafka-producer-network-thread") ? "producer"
                    : name.startsWith("kafka-admin-client-thread") ? "admin"
                    : name.startsWith("longhaul-dashboard") ? name : null;
            if (kind != null && t.isAlive()) {
                kinds.merge(kind, 1L, Long::sum);
            }
        }
        return kinds;
    }
}
