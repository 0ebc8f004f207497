/*
 * A deployment's Kafka client settings (security, SASL, TLS stores; handed in by ops) reach every
 * client a worker creates, applied after the worker's own settings, and the worker's exactly-once
 * settings stay as they are where no override names them.
 */
package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class WorkerConfigClientOverridesTest {
    private static final Map<String, String> SECURE = Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
            "bootstrap.servers", "secure-broker:9094");

    @Test
    void everyClientGetsTheOverridesLast() {
        WorkerConfig c = WorkerConfig.defaults("w1", "broker:9092", Path.of("model")).withClientOverrides(SECURE);

        for (Map<String, Object> props : List.of(c.workConsumer(), c.assignedConsumer("documents"), c.transactionalProducer(),
                c.plainProducer())) {
            SECURE.forEach((k, v) -> assertEquals(v, props.get(k), k));
        }
        assertEquals("read_committed", c.workConsumer().get("isolation.level"));
        assertEquals("longhaul.worker-w1", c.transactionalProducer().get("transactional.id"));
    }

    @Test
    void pinnedLanesTransactAsTheLanesAndEveryIdIsTheNamespaces() {
        WorkerConfig c = WorkerConfig.defaults("w1", "broker:9092", Path.of("model"));
        // pinned: the lanes' id, whatever the worker's, so a later worker on them fences an earlier one
        assertEquals("longhaul.lanes-1,3", c.transactionalProducer(new LaneAssignment.Pinned(List.of(3, 1, 3))).get("transactional.id"));
        assertEquals(c.transactionalProducer(new LaneAssignment.Pinned(List.of(1, 3))).get("transactional.id"),
                WorkerConfig.defaults("w2", "broker:9092", Path.of("model"))
                        .transactionalProducer(new LaneAssignment.Pinned(List.of(3, 1))).get("transactional.id"));
        // another namespace on the same cluster never shares one
        WorkerConfig staging = c.withNamespace("staging.");
        assertEquals("staging.worker-w1", staging.transactionalProducer().get("transactional.id"));
        assertEquals("staging.lanes-0", staging.transactionalProducer(new LaneAssignment.Pinned(List.of(0))).get("transactional.id"));
        // nor a consumer group (the default namespace keeps the group it always had)
        assertEquals("longhaul-workers", c.workConsumer().get("group.id"));
        assertEquals("staging.longhaul-workers", staging.workConsumer().get("group.id"));
        assertEquals("longhaul-workers.root", c.withNamespace("").workConsumer().get("group.id"));
    }

    @Test
    void theOverridesSurviveTheOtherWithers() {
        WorkerConfig c = WorkerConfig.defaults("w1", "broker:9092", Path.of("model")).withClientOverrides(SECURE)
                .withNamespace("x.").withEngine("scalar", 1).withContext(128, java.time.Duration.ofSeconds(5)).withOutput(4);

        assertEquals(SECURE, c.clientOverrides());
        assertEquals(Map.of(), WorkerConfig.defaults("w1", "broker:9092", Path.of("model")).clientOverrides());
    }
}
