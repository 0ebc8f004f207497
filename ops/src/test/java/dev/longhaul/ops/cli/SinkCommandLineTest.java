/*
 * The shapes of `longhaul sink files` and `longhaul sink postgres`: parsed with the production
 * command line, fields and the derived sink config checked, nothing started. Usage errors follow
 * the launcher's contract: status 2 and a message on stderr.
 */
package dev.longhaul.ops.cli;

import static dev.longhaul.ops.cli.CommandLines.execute;
import static dev.longhaul.ops.cli.CommandLines.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import dev.longhaul.sinks.SinkConfig;
import dev.longhaul.ops.cli.CommandLines.Run;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SinkCommandLineTest {
    @Test
    void sinkFilesParsesEveryOption() {
        SinkFilesCommand f = assertInstanceOf(SinkFilesCommand.class, parse("sink", "files", "--dir", "out/results",
                "--max-bytes", "1048576", "--max-age", "15m", "--group", "archive", "--bootstrap-servers", "k1:9092",
                "--registry-url", "http://registry:8081", "--namespace", "dev."));
        assertEquals(Path.of("out/results"), f.dir);
        SinkConfig c = f.config();
        assertEquals(1_048_576L, c.maxFileBytes());
        assertEquals(Duration.ofMinutes(15), c.maxFileAge());
        assertEquals("archive", c.groupId());
        assertEquals("k1:9092", c.bootstrapServers());
        assertEquals("dev.", c.namespace());
        assertEquals("http://registry:8081", f.kafka.registryUrl.toString());
    }

    @Test
    void sinkFilesDefaultsToTheLibrarysRotationAndGroup() {
        SinkFilesCommand f = (SinkFilesCommand) parse("sink", "files", "--dir", "d");
        SinkConfig defaults = SinkConfig.defaults("localhost:9092", SinkConfig.FILES_GROUP);
        assertEquals(defaults, f.config());
        assertEquals("longhaul-sink-files", f.config().groupId());
    }

    @Test
    void sinkFilesWritesJsonLinesUnlessParquetIsAsked() {
        SinkFilesCommand jsonl = (SinkFilesCommand) parse("sink", "files", "--dir", "d");
        assertEquals(SinkFilesCommand.Format.JSONL, jsonl.format);
        SinkFilesCommand parquet = (SinkFilesCommand) parse("sink", "files", "--dir", "d", "--format", "Parquet");
        assertEquals(SinkFilesCommand.Format.PARQUET, parquet.format);
        assertEquals(SinkConfig.PARQUET_FILES_GROUP, parquet.config().groupId(), "a group of its own by default");
        assertEquals("mine", ((SinkFilesCommand) parse("sink", "files", "--dir", "d", "--format", "parquet", "--group", "mine")).config().groupId());
        assertEquals(SinkConfig.defaults("localhost:9092", SinkConfig.PARQUET_FILES_GROUP), parquet.config());
    }

    @Test
    void anUnknownFormatIsOneLineWithStatus2() {
        Run run = execute("sink", "files", "--dir", "d", "--format", "csv");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("jsonl, parquet"), run.err());
    }

    @Test
    void maxAgeTakesShortFormsAndIso8601() {
        assertEquals(Duration.ofSeconds(90), ((SinkFilesCommand) parse("sink", "files", "--dir", "d", "--max-age", "90s")).maxAge);
        assertEquals(Duration.ofHours(2), ((SinkFilesCommand) parse("sink", "files", "--dir", "d", "--max-age", "2h")).maxAge);
        assertEquals(Duration.ofDays(1), ((SinkFilesCommand) parse("sink", "files", "--dir", "d", "--max-age", "1d")).maxAge);
        assertEquals(Duration.ofMillis(500), ((SinkFilesCommand) parse("sink", "files", "--dir", "d", "--max-age", "500ms")).maxAge);
        assertEquals(Duration.ofMinutes(90), ((SinkFilesCommand) parse("sink", "files", "--dir", "d", "--max-age", "PT1H30M")).maxAge);
        assertThrows(CommandLine.ParameterException.class, () -> parse("sink", "files", "--dir", "d", "--max-age", "soon"));
    }

    @Test
    void sinkFilesNeedsADirectory() {
        assertThrows(CommandLine.MissingParameterException.class, () -> parse("sink", "files"));
    }

    @Test
    void sinkPostgresParsesEveryOption() {
        SinkPostgresCommand p = assertInstanceOf(SinkPostgresCommand.class, parse("sink", "postgres",
                "--jdbc", "jdbc:postgresql://db:5432/longhaul", "--user", "sink", "--password", "secret",
                "--group", "reports", "--namespace", "prod."));
        assertEquals("jdbc:postgresql://db:5432/longhaul", p.jdbcUrl);
        assertEquals("sink", p.user);
        assertEquals("secret", p.password);
        assertEquals("reports", p.config().groupId());
        assertEquals("prod.", p.config().namespace());
    }

    /** Sinks of two namespaces on one cluster get groups of their own unless given one. */
    @Test
    void anotherNamespaceGetsSinkGroupsOfItsOwn() {
        assertEquals("acme.longhaul-sink-files",
                ((SinkFilesCommand) parse("sink", "files", "--dir", "d", "--namespace", "acme.")).config().groupId());
        assertEquals("acme.longhaul-sink-parquet", ((SinkFilesCommand) parse("sink", "files", "--dir", "d", "--format",
                "parquet", "--namespace", "acme.")).config().groupId());
        assertEquals("acme.longhaul-sink-postgres", ((SinkPostgresCommand) parse("sink", "postgres", "--jdbc",
                "jdbc:postgresql://localhost/x", "--namespace", "acme.")).config().groupId());
        assertEquals("mine", ((SinkFilesCommand) parse("sink", "files", "--dir", "d", "--namespace", "acme.", "--group",
                "mine")).config().groupId());
    }

    @Test
    void sinkPostgresNeedsOnlyTheUrl() {
        SinkPostgresCommand p = (SinkPostgresCommand) parse("sink", "postgres", "--jdbc", "jdbc:postgresql://localhost/x");
        assertNull(p.user);
        assertEquals(System.getenv("PGPASSWORD"), p.password, "the password defaults to PGPASSWORD");
        assertEquals(SinkConfig.POSTGRES_GROUP, p.config().groupId());
        assertEquals("localhost:9092", p.config().bootstrapServers());
        assertThrows(CommandLine.MissingParameterException.class, () -> parse("sink", "postgres"));
    }

    @Test
    void sinkWithoutASubcommandIsAUsageErrorNamingBoth() {
        Run run = execute("sink");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("files, postgres"), run.err());
        assertEquals("", run.out());
    }

    @Test
    void aTooSmallRotationSizeIsOneLineWithStatus2() {
        Run run = execute("sink", "files", "--dir", "d", "--max-bytes", "10");
        assertEquals(2, run.status());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("max file bytes"), run.err());
    }
}
