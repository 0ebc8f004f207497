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
        assertEquals("longhaul-worker-w1", c.transactionalProducer().get("transactional.id"));
    }

    @Test
    void theOverridesSurviveTheOtherWithers() {
        WorkerConfig c = WorkerConfig.defaults("w1", "broker:9092", Path.of("model")).withClientOverrides(SECURE)
                .withNamespace("x.").withEngine("scalar", 1).withContext(128, java.time.Duration.ofSeconds(5)).withOutput(4);

        assertEquals(SECURE, c.clientOverrides());
        assertEquals(Map.of(), WorkerConfig.defaults("w1", "broker:9092", Path.of("model")).clientOverrides());
    }
}
