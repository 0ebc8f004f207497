/*
 * The dashboard's one typed, immutable, validated configuration: where it listens (port 0 picks a
 * free one), the window rates are averaged over, how often a snapshot is pushed to browsers and
 * meters, and the pipeline's Kafka Streams application id (its consumer group, whose committed
 * offsets give the pipeline's lag), and extra Kafka client settings (security, SASL...) applied to
 * every client it creates. Defaults in DEFAULTS; the command line overrides them.
 */
package dev.longhaul.ops.dashboard;

import java.time.Duration;
import java.util.Map;

import dev.longhaul.pipeline.PipelineConfig;

public record DashboardConfig(String host, int port, Duration rateWindow, Duration pushInterval,
                              String pipelineApplicationId, Map<String, String> kafkaClientOverrides) {

    public static final DashboardConfig DEFAULTS = new DashboardConfig("localhost", 8080, Duration.ofSeconds(30),
            Duration.ofSeconds(1), PipelineConfig.DEFAULTS.kafka().applicationId(), Map.of());

    public DashboardConfig {
        require(host != null && !host.isBlank(), "host must not be blank");
        require(port >= 0 && port <= 65535, "port must be 0..65535");
        require(rateWindow != null && rateWindow.toMillis() >= 1000, "rateWindow must be at least one second");
        require(pushInterval != null && pushInterval.toMillis() >= 50, "pushInterval must be at least 50 ms");
        require(pipelineApplicationId != null && !pipelineApplicationId.isBlank(), "pipelineApplicationId must not be blank");
        kafkaClientOverrides = Map.copyOf(kafkaClientOverrides == null ? Map.of() : kafkaClientOverrides);
    }

    public DashboardConfig withHost(String value) {
        return new DashboardConfig(value, port, rateWindow, pushInterval, pipelineApplicationId, kafkaClientOverrides);
    }

    public DashboardConfig withPort(int value) {
        return new DashboardConfig(host, value, rateWindow, pushInterval, pipelineApplicationId, kafkaClientOverrides);
    }

    public DashboardConfig withPushInterval(Duration value) {
        return new DashboardConfig(host, port, rateWindow, value, pipelineApplicationId, kafkaClientOverrides);
    }

    public DashboardConfig withPipelineApplicationId(String value) {
        return new DashboardConfig(host, port, rateWindow, pushInterval, value, kafkaClientOverrides);
    }

    public DashboardConfig withKafkaClientOverrides(Map<String, String> value) {
        return new DashboardConfig(host, port, rateWindow, pushInterval, pipelineApplicationId, value);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
