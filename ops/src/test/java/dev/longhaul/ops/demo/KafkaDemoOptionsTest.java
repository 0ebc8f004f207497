/*
 * The demo's stack runs the pipeline on the namespace its options carry (the configured one), on
 * one broker's replication, so that `submit` with the same configuration reaches it.
 */
package dev.longhaul.ops.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KafkaDemoOptionsTest {
    @Test
    void theStackPlansOnTheConfiguredNamespace() {
        Path home = Path.of("h");
        KafkaDemo.Run run = new KafkaDemo.Run(KafkaDemo.Mode.ONCE, 0, 0, Duration.ofSeconds(60));
        KafkaDemo.Engine engine = new KafkaDemo.Engine(Optional.empty(), "cpu", 1, 512, 4);
        KafkaDemo.Samples samples = new KafkaDemo.Samples(home.resolve("s"), home, 1, 1.0);
        KafkaDemo demo = new KafkaDemo(new KafkaDemo.Options(home, run, engine, samples, "dev.", 9191, "t"), new java.io.PrintWriter(java.io.Writer.nullWriter()));
        assertEquals("dev.", demo.stackOptions().pipeline().kafka().namespace());
        assertEquals(1, demo.stackOptions().pipeline().kafka().replicationFactor());
        KafkaDemo plain = new KafkaDemo(new KafkaDemo.Options(home, run, engine, samples), new java.io.PrintWriter(java.io.Writer.nullWriter()));
        assertEquals("longhaul.", plain.stackOptions().pipeline().kafka().namespace());
    }
}
