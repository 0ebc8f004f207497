/*
 * `longhaul dashboard` parses with the production command line: its port, host and pipeline
 * application id, and the shared Kafka options, map onto a valid DashboardConfig; nothing starts.
 */
package dev.longhaul.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;

import dev.longhaul.ops.dashboard.DashboardConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

class DashboardCommandLineTest {
    private static DashboardCommand parse(String... args) {
        ParseResult result = Longhaul.commandLine().parseArgs(args);
        while (result.hasSubcommand()) {
            result = result.subcommand();
        }
        return assertInstanceOf(DashboardCommand.class, result.commandSpec().userObject());
    }

    @Test
    void defaultsMatchTheDevStack() {
        DashboardCommand c = parse("dashboard");
        assertEquals(DashboardConfig.DEFAULTS, c.config());
        assertEquals(8080, c.config().port());
        assertEquals("localhost:9092", c.kafka.bootstrapServers);
        assertEquals(URI.create("http://localhost:8081"), c.kafka.registryUrl);
        assertEquals("longhaul.", c.kafka.namespace);
    }

    @Test
    void optionsOverrideTheConfig() {
        DashboardCommand c = parse("dashboard", "--port", "9999", "--host", "0.0.0.0", "--pipeline-app-id", "other-app",
                "--bootstrap-servers", "broker:29092", "--namespace", "test.");
        DashboardConfig config = c.config();
        assertEquals(9999, config.port());
        assertEquals("0.0.0.0", config.host());
        assertEquals("other-app", config.pipelineApplicationId());
        assertEquals("broker:29092", c.kafka.bootstrapServers);
        assertEquals("test.", c.kafka.namespace);
    }

    /** The lag shown is the pipeline's of the same namespace (PipelineConfig.defaultApplicationId). */
    @Test
    void anotherNamespaceWatchesItsOwnPipeline() {
        assertEquals("test.longhaul-pipeline", parse("dashboard", "--namespace", "test.").config().pipelineApplicationId());
    }

    @Test
    void aPortOutOfRangeIsRefused() {
        DashboardCommand c = parse("dashboard", "--port", "70000");
        assertThrows(IllegalArgumentException.class, c::config);
        assertThrows(CommandLine.ParameterException.class, () -> parse("dashboard", "--port", "eighty"));
    }
}
