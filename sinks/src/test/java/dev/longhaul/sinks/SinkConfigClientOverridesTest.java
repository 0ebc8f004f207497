/*
 * A deployment's Kafka client settings (security, SASL...; handed in by ops) reach the sink's
 * consumer after its own settings, and survive the other withers.
 */
package dev.longhaul.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SinkConfigClientOverridesTest {
    @Test
    void theConsumerGetsTheOverridesLast() {
        Map<String, String> secure = Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512");
        SinkConfig c = SinkConfig.defaults("broker:9092", SinkConfig.FILES_GROUP).withClientOverrides(secure)
                .withNamespace("x.").withBatch(10, Duration.ofSeconds(1)).withRotation(4096, Duration.ofMinutes(1));

        Map<String, Object> props = c.consumerProperties();

        secure.forEach((k, v) -> assertEquals(v, props.get(k), k));
        assertEquals("read_committed", props.get("isolation.level"));
        assertEquals(SinkConfig.FILES_GROUP, props.get("group.id"));
    }
}
