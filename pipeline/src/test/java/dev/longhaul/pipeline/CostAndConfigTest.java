/*
 * The cost model against hand-computed values, the configuration's validation, and the Streams
 * properties derived from it.
 */
package dev.longhaul.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import dev.longhaul.pipeline.plan.WorkCost;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class CostAndConfigTest {

    @Test
    void aMillionTokenDocumentIsDominatedByItsSoftmaxLayers() {
        // n = 4e6 bytes * 0.25 = 1e6 tokens; softmax every 8th layer, s = 32768, one task of 512:
        // cost = 1e6 + 1e12 / (2 * 32768 * 8) + 512 = 2907860.63 -> 2907861
        // softmax share = (1e6 + 1e12 / 65536) / 8 / 2907860.63 = 0.698915...
        WorkCost cost = WorkCost.estimate(new PipelineConfig.Cost(0.25, 8, 32_768, 512, 1L << 20), 4_000_000, 1);
        assertEquals(1_000_000, cost.documentTokens());
        assertEquals(2_907_861, cost.costTokens());
        assertEquals(0.698915419, cost.softmaxShare(), 1e-9);
    }

    @Test
    void tokensPastTheModelsContextAreStreamedAtAFractionOfTheCost() {
        // A 1 GiB log: 268435456 tokens, of which the model reads c = 4096 (a CPU worker's budget):
        // cost = 4096 + 4096^2 / (2 * 32768 * 8) + 512 + (268435456 - 4096) / 64 = 4640 + 4194240 = 4198880
        WorkCost cost = WorkCost.estimate(new PipelineConfig.Cost(0.25, 8, 32_768, 512, 4096), 1L << 30, 1);
        assertEquals(268_435_456, cost.documentTokens());
        assertEquals(4_198_880, cost.costTokens());
    }

    @Test
    void withEveryLayerLinearTheCostIsLinear() {
        WorkCost cost = WorkCost.estimate(new PipelineConfig.Cost(0.5, Integer.MAX_VALUE, 1, 0, 1L << 20), 1000, 2);
        assertEquals(500, cost.costTokens());
    }

    @Test
    void invalidSettingsAreRefusedWithTheirName() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new PipelineConfig.Dispatch(0, 10, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertEquals("lanes must be at least 1", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PipelineConfig.Kafka("app", "bad namespace", 1, Duration.ofMillis(1)));
        assertThrows(IllegalArgumentException.class, () -> new PipelineConfig.Cost(0, 8, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new PipelineConfig.Cost(0.25, 8, 1, 0, 0));
        var l = PipelineConfig.DEFAULTS.limits();
        var chunks = assertThrows(IllegalArgumentException.class, () -> new PipelineConfig.Limits(l.maxDocumentBytes(),
                PipelineConfig.Limits.MAX_CHUNKS + 1, l.allowedKinds(), l.tenants(), l.incompleteJobTimeout()));
        assertTrue(chunks.getMessage().startsWith("maxChunks must be in 1.." + PipelineConfig.Limits.MAX_CHUNKS), chunks.getMessage());
        // the planner may not remember a job longer than `status` keeps its final status
        var retention = assertThrows(IllegalArgumentException.class,
                () -> l.withSettledJobRetention(dev.longhaul.schemas.Topics.STATUS_RETENTION.plusDays(1)));
        assertTrue(retention.getMessage().contains("status topic's retention"), retention.getMessage());
        assertEquals(dev.longhaul.schemas.Topics.STATUS_RETENTION,
                l.withSettledJobRetention(dev.longhaul.schemas.Topics.STATUS_RETENTION).settledJobRetention());
    }

    @Test
    void streamsPropertiesAreExactlyOnceWithTheConfiguredIdentity() {
        var props = PipelineConfig.DEFAULTS.streamsProperties("broker:9092", Path.of("state"));
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2, props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals("longhaul-pipeline", props.get(StreamsConfig.APPLICATION_ID_CONFIG));
        assertEquals("broker:9092", props.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertEquals(3, props.get(StreamsConfig.REPLICATION_FACTOR_CONFIG));
        // its internal topics, as the catalog's, take a commit only on two of three replicas
        assertEquals("2", props.get(StreamsConfig.topicPrefix("min.insync.replicas")));
        // a record without a valid timestamp gets a time rather than failing the stream thread (HostileInputTest)
        assertEquals(InvalidTimestamps.class, props.get(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG));
        // a tenant's refused status copy is dropped, not a failed task (TenantTopologyTest)
        assertEquals(dev.longhaul.pipeline.tenant.TenantOutputFailures.class, props.get(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG));
        assertEquals("longhaul.tenant.", props.get(dev.longhaul.pipeline.tenant.TenantOutputFailures.TENANT_PREFIX_CONFIG));
    }

    @Test
    void clientOverridesReachStreamsLast() {
        var props = PipelineConfig.DEFAULTS.streamsProperties("broker:9092", Path.of("state"),
                java.util.Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512"));
        assertEquals("SASL_SSL", props.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", props.get("sasl.mechanism"));
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2, props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    }

    @Test
    void aCatalogWithAnotherNamespaceIsRefused() {
        var topics = new dev.longhaul.schemas.Topics("other.", new dev.longhaul.schemas.wire.InMemorySchemaRegistry());
        assertThrows(IllegalArgumentException.class, () -> PipelineTopology.build(PipelineConfig.DEFAULTS, topics));
    }
}
