/*
 * The main end-to-end scenario (MixedJobs) on a Kafka broker in a container (Testcontainers,
 * apache/kafka in KRaft mode) instead of the embedded one, for users with Docker: the registry,
 * the pipeline and three workers run here against it. Without a Docker engine (as on CI) the
 * class is skipped, never failed.
 */
package dev.longhaul.integration;

import java.nio.file.Path;
import java.time.Duration;

import dev.longhaul.ops.stack.DevStack;
import dev.longhaul.pipeline.PipelineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

@Testcontainers(disabledWithoutDocker = true)
class PipelineOnContainerIT {
    @Container
    private static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.0");

    @Test
    void mixedJobsOnAContainerBrokerGetExactlyOneResultPerTask(@TempDir Path tmp) throws Exception {
        PipelineConfig config = PipelineConfig.DEFAULTS.withKafka(
                new PipelineConfig.Kafka("longhaul-container-it", "longhaul.", 1, Duration.ofMillis(100)));
        try (Cluster cluster = new Cluster(DevStack.onBroker(KAFKA.getBootstrapServers(), 0, config), 512, 4)) {
            for (int i = 0; i < 3; i++) {
                cluster.addWorker("c" + i);
            }
            MixedJobs.run(cluster, tmp, 200, 64L << 20);
        }
    }
}
