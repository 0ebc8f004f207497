/*
 * The shapes of the Kafka-facing commands (submit, status, cancel): parsed with the production
 * command line, fields checked, and submit's per-PATH job validation run without a broker. Errors
 * follow the launcher's contract: status 2 and one line on stderr.
 */
package dev.longhaul.ops.cli;

import static dev.longhaul.ops.cli.CommandLines.execute;
import static dev.longhaul.ops.cli.CommandLines.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.longhaul.ingest.DocumentSource;
import dev.longhaul.ingest.JobSpec;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.ops.cli.CommandLines.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SubmitCommandLineTest {
    @TempDir
    Path tmp;

    @Test
    void submitParsesEveryOption() {
        SubmitCommand s = assertInstanceOf(SubmitCommand.class, parse("submit", "a.txt", "b.log", "--kind", "log",
                "--task", "summarize", "--task", "extract:Parties,Term", "--tenant", "acme", "--priority", "7",
                "--deadline", "2026-12-01T12:00:00Z", "--follow", "--timeout", "15m", "--bootstrap-servers", "k1:9092,k2:9092",
                "--registry-url", "http://registry:8081", "--namespace", "dev."));
        assertEquals(List.of("a.txt", "b.log"), s.paths);
        assertEquals("log", s.kind);
        assertEquals(List.of("summarize", "extract:Parties,Term"), s.tasks);
        assertEquals("acme", s.tenant);
        assertEquals(7, s.priority);
        assertEquals(Instant.parse("2026-12-01T12:00:00Z"), s.deadline);
        assertTrue(s.follow);
        assertEquals(java.time.Duration.ofMinutes(15), s.timeout);
        assertEquals("k1:9092,k2:9092", s.kafka.bootstrapServers);
        assertEquals(URI.create("http://registry:8081"), s.kafka.registryUrl);
        assertEquals("dev.", s.kafka.ingestConfig().namespace());
    }

    @Test
    void submitDefaultsToTheDevStackAndOneSummary() {
        SubmitCommand s = (SubmitCommand) parse("submit", "-");
        assertNull(s.kind);
        assertNull(s.id);
        assertFalse(s.follow);
        assertNull(s.timeout, "following waits until every job is final");
        assertEquals("default", s.tenant);
        assertEquals(0, s.priority);
        assertEquals("localhost:9092", s.kafka.bootstrapServers);
        assertEquals(URI.create("http://localhost:8081"), s.kafka.registryUrl);
        assertEquals("longhaul.", s.kafka.namespace);
        var jobs = s.jobs();
        assertEquals(1, jobs.size());
        assertEquals(DocumentKind.TEXT, jobs.get(0).getKey().kind());
        assertEquals(List.of(TaskType.SUMMARIZE), jobs.get(0).getKey().tasks().stream().map(t -> t.getType()).toList());
        assertInstanceOf(DocumentSource.StreamSource.class, jobs.get(0).getValue());
    }

    @Test
    void submitNeedsAPath() {
        assertThrows(CommandLine.MissingParameterException.class, () -> parse("submit"));
    }

    @Test
    void aDirectoryIsARepoJobAndAFileTakesTheGivenKind() throws IOException {
        Path file = Files.writeString(tmp.resolve("contract.txt"), "agreement");
        SubmitCommand s = (SubmitCommand) parse("submit", tmp.toString(), "--id", "repo-1");
        Map.Entry<JobSpec, DocumentSource> repo = s.jobs().get(0);
        assertEquals(DocumentKind.REPO, repo.getKey().kind());
        assertTrue(repo.getValue().isRepository());
        assertEquals("repo-1", repo.getKey().jobId().orElseThrow());

        SubmitCommand c = (SubmitCommand) parse("submit", file.toString(), "--kind", "contract", "--task", "extract:parties",
                "--deadline", "2027-01-01T00:00:00Z", "--priority", "2", "--tenant", "t");
        JobSpec job = c.jobs().get(0).getKey();
        assertEquals(DocumentKind.CONTRACT, job.kind());
        assertEquals(TaskType.EXTRACT, job.tasks().get(0).getType());
        assertEquals(Instant.parse("2027-01-01T00:00:00Z"), job.deadline().orElseThrow());
        assertEquals(2, job.priority());
        assertEquals("t", job.tenant());
        assertTrue(job.jobId().isEmpty(), "generated at submission");
    }

    @Test
    void asATenantTheClientWritesThroughTheTenantsOwnTopicsAndTransactionalIds() throws IOException {
        Path file = Files.writeString(tmp.resolve("t.txt"), "text");
        SubmitCommand s = (SubmitCommand) parse("submit", file.toString(), "--as-tenant", "acme", "--bootstrap-servers", "localhost:9092");
        assertEquals("acme", s.jobs().get(0).getKey().tenant());
        String namespace = dev.longhaul.schemas.Topics.tenantNamespace("longhaul.", "acme");
        assertEquals(namespace, s.ingestConfig().namespace());
        assertEquals(namespace, s.ingestConfig().transactionalIdPrefix(), "the prefix a tenant's ACLs grant");
        SubmitCommand plain = (SubmitCommand) parse("submit", file.toString(), "--tenant", "acme", "--bootstrap-servers", "localhost:9092");
        assertEquals("longhaul.", plain.ingestConfig().namespace(), "--tenant only labels a job on the shared topics");
        assertThrows(IllegalArgumentException.class, () -> ((SubmitCommand) parse("submit", file.toString(), "--tenant", "x",
                "--as-tenant", "acme")).jobs());
    }

    @Test
    void inconsistentJobsAreRefusedBeforeAnythingIsWritten() throws IOException {
        Path file = Files.writeString(tmp.resolve("a.log"), "line");
        assertThrows(IllegalArgumentException.class, () -> ((SubmitCommand) parse("submit", tmp.toString(), "--kind", "log")).jobs());
        assertThrows(IllegalArgumentException.class, () -> ((SubmitCommand) parse("submit", file.toString(), "--kind", "repo")).jobs());
        assertThrows(IllegalArgumentException.class, () -> ((SubmitCommand) parse("submit", file.toString(), "-", "--id", "x")).jobs());
        assertThrows(IllegalArgumentException.class, () -> ((SubmitCommand) parse("submit", "-", "-")).jobs());
        assertThrows(IllegalArgumentException.class, () -> ((SubmitCommand) parse("submit", "-", "--task", "translate")).jobs());
        assertThrows(IllegalArgumentException.class, () -> ((SubmitCommand) parse("submit", "-", "--task", "extract")).jobs());
        // a missing second path stops the command before the first is written
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ((SubmitCommand) parse("submit", file.toString(), tmp.resolve("missing.txt").toString())).jobs());
        assertTrue(missing.getMessage().contains("missing.txt"), missing.getMessage());
    }

    @Test
    void anUnknownKindIsOneLineWithStatus2() {
        Run run = execute("submit", "-", "--kind", "pdf");
        assertEquals(2, run.status());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("pdf"), run.err());
        assertEquals("", run.out());
    }

    @Test
    void aMalformedDeadlineIsAUsageError() {
        Run run = execute("submit", "-", "--deadline", "tomorrow");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("tomorrow"), run.err());
    }

    @Test
    void statusAndCancelTakeAJobIdAndTheKafkaOptions() {
        StatusCommand status = assertInstanceOf(StatusCommand.class, parse("status", "01J0000000", "--bootstrap-servers", "k:1"));
        assertEquals("01J0000000", status.jobId);
        assertEquals("k:1", status.kafka.bootstrapServers);
        CancelCommand cancel = assertInstanceOf(CancelCommand.class, parse("cancel", "job-7", "--namespace", "x."));
        assertEquals("job-7", cancel.jobId);
        assertEquals("x.", cancel.kafka.namespace);
        assertThrows(CommandLine.MissingParameterException.class, () -> parse("status"));
        assertThrows(CommandLine.MissingParameterException.class, () -> parse("cancel"));
    }

    @Test
    void priorityPauseAndResumeTakeAJobIdAndTheKafkaOptions() {
        ControlCommand.Priority priority = assertInstanceOf(ControlCommand.Priority.class,
                parse("priority", "job-7", "-3", "--as-tenant", "acme", "--namespace", "x."));
        assertEquals("job-7", priority.jobId);
        assertEquals(-3, priority.priority);
        assertEquals("acme", priority.asTenant);
        assertEquals("x.", priority.kafka.namespace);
        assertEquals("job-8", assertInstanceOf(ControlCommand.Pause.class, parse("pause", "job-8")).jobId);
        assertEquals("job-9", assertInstanceOf(ControlCommand.Resume.class, parse("resume", "job-9")).jobId);
        assertThrows(CommandLine.MissingParameterException.class, () -> parse("priority", "job-7"));
        assertThrows(CommandLine.ParameterException.class, () -> parse("priority", "job-7", "high"));
    }

    /** After submit --follow --timeout, the only way back to a job's results without submitting it again. */
    @Test
    void statusFollowsAJobAlreadySubmitted() {
        StatusCommand status = assertInstanceOf(StatusCommand.class, parse("status", "01J0000000", "--follow", "--timeout", "90s"));
        assertTrue(status.follow);
        assertEquals(java.time.Duration.ofSeconds(90), status.timeout);
        Run unbounded = execute("status", "01J0000000", "--timeout", "90s");
        assertEquals(2, unbounded.status());
        assertTrue(unbounded.err().contains("--timeout bounds --follow"), unbounded.err());
    }

    @Test
    void skippedPathsArePrintedWithTheirControlCharactersEscaped() {
        // BAD_PATH entries are exactly the names with control characters: raw, they would drive the terminal
        assertEquals("evil\\u001b]0;title\\u0007\\u000d.txt", SubmitCommand.printable("evil\u001b]0;title\u0007\r.txt"));
        assertEquals("plain/naïve.txt", SubmitCommand.printable("plain/naïve.txt"));
    }

    @Test
    void anInvalidJobIdIsOneLineWithStatus2() {
        Run run = execute("status", "../etc/passwd");
        assertEquals(2, run.status());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("invalid job id"), run.err());
    }
}
