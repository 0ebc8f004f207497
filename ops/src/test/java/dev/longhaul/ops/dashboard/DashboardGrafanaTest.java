/*
 * ops/grafana/longhaul.json stays in step with the meters: every longhaul_* metric its queries
 * name is one that /metrics exposes once the model has seen a record of each kind.
 */
package dev.longhaul.ops.dashboard;

import static dev.longhaul.ops.dashboard.DashboardRecords.deadLetter;
import static dev.longhaul.ops.dashboard.DashboardRecords.heartbeat;
import static dev.longhaul.ops.dashboard.DashboardRecords.status;
import static dev.longhaul.ops.dashboard.DashboardRecords.timings;
import static dev.longhaul.ops.dashboard.DashboardRecords.usage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.ops.dashboard.ThroughputSnapshot.TopicLag;
import dev.longhaul.schemas.JobState;
import org.junit.jupiter.api.Test;

class DashboardGrafanaTest {
    private static final Pattern METRIC = Pattern.compile("longhaul_[a-z_]+");

    @Test
    void everyMetricTheGrafanaDashboardQueriesIsExposed() throws Exception {
        JsonNode grafana = new ObjectMapper().readTree(Files.readString(Path.of("grafana", "longhaul.json")));
        Set<String> queried = new TreeSet<>();
        for (JsonNode expr : grafana.findValues("expr")) {
            Matcher m = METRIC.matcher(expr.asText());
            while (m.find()) {
                queried.add(m.group());
            }
        }
        assertTrue(queried.size() >= 10, "the dashboard queries the model's figures: " + queried);

        Throughput model = new Throughput(new DashboardRecords.ManualClock(10_000), Duration.ofSeconds(10));
        model.onHeartbeat(heartbeat("w", List.of(0), 1, 9_000));
        model.onLane("j", 0);
        model.onStatus(status("j", "t", JobState.SUCCEEDED, 1, 1, 9_000));
        model.onResult("j", usage(1, 1), timings(1, 1), 9_000);
        model.onDeadLetter(deadLetter("NOT_AVRO"));
        model.onLag(List.of(new TopicLag("longhaul.work", "longhaul-workers", 1, 1, 0)));
        String text = new DashboardMeters(model.snapshot()).registry().scrape();
        Set<String> exposed = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^(longhaul_[a-z_]+)[{ ]").matcher(text);
        while (m.find()) {
            exposed.add(m.group(1));
        }
        Set<String> missing = new TreeSet<>(queried);
        missing.removeAll(exposed);
        assertEquals(Set.of(), missing, "queried by grafana/longhaul.json but not exposed");
    }
}
