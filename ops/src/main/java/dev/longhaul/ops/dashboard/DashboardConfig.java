/*
 * The dashboard's one typed, immutable, validated configuration: where it listens (port 0 picks a
 * free one), the window rates are averaged over, how often a snapshot is pushed to browsers and
 * meters, and the pipeline's Kafka Streams application id (its consumer group, whose committed
 * offsets give the pipeline's lag), and extra Kafka client settings (security, SASL...) applied to
 * every client it creates, and the bearer token the API requires (blank: generated at start, see
 * BearerToken). Defaults in DEFAULTS; the command line overrides them.
 */
package dev.longhaul.ops.dashboard;

import java.time.Duration;
import java.util.Map;

import dev.longhaul.ops.http.BearerToken;
import dev.longhaul.pipeline.PipelineConfig;

public record DashboardConfig(String host, int port, Duration rateWindow, Duration pushInterval,
                              String pipelineApplicationId, Map<String, String> kafkaClientOverrides, String token) {

    public static final DashboardConfig DEFAULTS = new DashboardConfig("localhost", 8080, Duration.ofSeconds(30),
            Duration.ofSeconds(1), PipelineConfig.DEFAULTS.kafka().applicationId(), Map.of(), "");

    public DashboardConfig {
        require(host != null && !host.isBlank(), "host must not be blank");
        require(port >= 0 && port <= 65535, "port must be 0..65535");
        require(rateWindow != null && rateWindow.toMillis() >= 1000, "rateWindow must be at least one second");
        require(pushInterval != null && pushInterval.toMillis() >= 50, "pushInterval must be at least 50 ms");
        require(pipelineApplicationId != null && !pipelineApplicationId.isBlank(), "pipelineApplicationId must not be blank");
        kafkaClientOverrides = Map.copyOf(kafkaClientOverrides == null ? Map.of() : kafkaClientOverrides);
        require(token != null && !token.matches(".*\\s.*"), "token must not contain spaces (blank: generated at start)");
    }

    public DashboardConfig withHost(String value) {
        return new DashboardConfig(value, port, rateWindow, pushInterval, pipelineApplicationId, kafkaClientOverrides, token);
    }

    public DashboardConfig withPort(int value) {
        return new DashboardConfig(host, value, rateWindow, pushInterval, pipelineApplicationId, kafkaClientOverrides, token);
    }

    public DashboardConfig withPushInterval(Duration value) {
        return new DashboardConfig(host, port, rateWindow, value, pipelineApplicationId, kafkaClientOverrides, token);
    }

    public DashboardConfig withPipelineApplicationId(String value) {
        return new DashboardConfig(host, port, rateWindow, pushInterval, value, kafkaClientOverrides, token);
    }

    public DashboardConfig withKafkaClientOverrides(Map<String, String> value) {
        return new DashboardConfig(host, port, rateWindow, pushInterval, pipelineApplicationId, value, token);
    }

    public DashboardConfig withToken(String value) {
        return new DashboardConfig(host, port, rateWindow, pushInterval, pipelineApplicationId, kafkaClientOverrides, value);
    }

    @Override
    public String toString() {
        return "DashboardConfig[host=" + host + ", port=" + port + ", token=" + (token.isBlank() ? "" : "****") + "]";
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
