/*
 * `longhaul pipeline` parses with the production command line: lanes, state folder, application id
 * and replication factor map onto a valid PipelineConfig (the pipeline's defaults otherwise), the
 * Kafka options onto its namespace; bad values are refused before anything starts.
 */
package dev.longhaul.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Map;

import dev.longhaul.pipeline.PipelineConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

class PipelineCommandLineTest {
    private static PipelineCommand parse(String... args) {
        ParseResult result = Longhaul.commandLine(Map.of(), Path.of("no-such-folder")).parseArgs(args);
        while (result.hasSubcommand()) {
            result = result.subcommand();
        }
        return assertInstanceOf(PipelineCommand.class, result.commandSpec().userObject());
    }

    @Test
    void defaultsAreThePipelinesOnTheDevStackAddresses() {
        PipelineCommand p = parse("pipeline");
        PipelineConfig d = PipelineConfig.DEFAULTS;

        assertEquals(d, p.config());
        assertNull(p.stateDir);
        assertEquals("localhost:9092", p.kafka.bootstrapServers);
    }

    /**
     * Two deployments in different namespaces on one cluster must not share a Streams application
     * id: they would read each other's repartition topics and restore each other's state.
     */
    @Test
    void anotherNamespaceGetsAnApplicationIdOfItsOwn() {
        assertEquals("longhaul-pipeline", parse("pipeline", "--namespace", "longhaul.").config().kafka().applicationId());
        assertEquals("acme.longhaul-pipeline", parse("pipeline", "--namespace", "acme.").config().kafka().applicationId());
        assertEquals("longhaul-pipeline.root", parse("pipeline", "--namespace", "").config().kafka().applicationId());
        assertEquals("root.longhaul-pipeline", parse("pipeline", "--namespace", "root.").config().kafka().applicationId(),
                "not the empty namespace's");
        assertEquals("mine", parse("pipeline", "--namespace", "acme.", "--application-id", "mine").config().kafka()
                .applicationId(), "a given id is kept as it is");
    }

    @Test
    void everyOptionReachesTheConfig() {
        PipelineCommand p = parse("pipeline", "--lanes", "8", "--state-dir", "state", "--application-id", "longhaul-prod",
                "--replication-factor", "1", "--bootstrap-servers", "k1:9092,k2:9092", "--namespace", "prod.",
                "--state-memory-mib", "256", "--job-retention-hours", "48", "--max-document-bytes", "2147483648", "--max-chunks", "5000");
        PipelineConfig c = p.config();

        assertEquals(java.time.Duration.ofHours(48), c.limits().settledJobRetention());
        assertEquals(256L << 20, c.kafka().stateMemoryBytes());
        assertEquals(8, c.dispatch().lanes());
        assertEquals("longhaul-prod", c.kafka().applicationId());
        assertEquals(1, c.kafka().replicationFactor());
        assertEquals("prod.", c.kafka().namespace());
        assertEquals(Path.of("state"), p.stateDir);
        assertEquals("k1:9092,k2:9092", p.kafka.bootstrapServers);
        assertEquals(2_147_483_648L, c.limits().maxDocumentBytes());
        assertEquals(5000, c.limits().maxChunks());
        var d = PipelineConfig.DEFAULTS.limits();
        assertEquals(new PipelineConfig.Limits(2_147_483_648L, 5000, d.allowedKinds(), d.tenants(), d.incompleteJobTimeout(),
                java.time.Duration.ofHours(48)), c.limits());
        assertEquals(java.util.Set.of(), c.tenants(), "no tenants unless named: the single-tenant topology");
    }

    @Test
    void tenantsAreNamedOneOptionEach() {
        assertEquals(java.util.Set.of("acme", "globex"), parse("pipeline", "--tenant", "acme", "--tenant", "globex").config().tenants());
        // A dot would let one tenant's topic prefix cover another's (longhaul.tenant.a. vs longhaul.tenant.a.b.).
        assertThrows(IllegalArgumentException.class, () -> parse("pipeline", "--tenant", "a.b").config());
    }

    @Test
    void badValuesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> parse("pipeline", "--lanes", "0").config());
        assertThrows(IllegalArgumentException.class, () -> parse("pipeline", "--application-id", "has space").config());
        assertThrows(CommandLine.ParameterException.class, () -> parse("pipeline", "--replication-factor", "three"));
        assertThrows(IllegalArgumentException.class, () -> parse("pipeline", "--state-memory-mib", "1").config());
        assertEquals(0, parse("pipeline", "--state-memory-mib", "0").config().kafka().stateMemoryBytes(), "0: RocksDB's defaults");
        assertThrows(IllegalArgumentException.class, () -> parse("pipeline", "--job-retention-hours", "0").config());
        assertThrows(IllegalArgumentException.class, () -> parse("pipeline", "--max-chunks", "6001").config());
        assertThrows(IllegalArgumentException.class, () -> parse("pipeline", "--max-document-bytes", "0").config());
    }
}
