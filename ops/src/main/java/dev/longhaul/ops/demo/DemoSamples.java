/*
 * The demo's jobs: documents the project generates itself (two contracts, two service logs, from
 * ContractGenerator and LogGenerator with one seed) written as files into a folder the user can
 * open, plus a repository (Longhaul's own checkout in the demo) as a REPO job. Each sample carries
 * the tasks the demo asks of its kind: a summary, and for contracts and logs an extraction of a
 * few fields.
 *
 * Contract: write() is deterministic per seed and scale (same files, byte for byte); scale 1 gives
 * realistic sizes (contracts of about 120 and 320 KB, logs of about 1 and 3 MB), a smaller scale
 * proportionally smaller documents (at least 4 KB each) for tests.
 */
package dev.longhaul.ops.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.longhaul.ingest.DocumentSource;
import dev.longhaul.ingest.JobSpec;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.Task;

public final class DemoSamples {
    /** One demo job: its id (also the file's stem), what it is, the tasks asked, and where its bytes are. */
    public record Sample(String jobId, DocumentKind kind, List<Task> tasks, DocumentSource source) {
        public Sample {
            tasks = List.copyOf(tasks);
        }

        public JobSpec spec() {
            return JobSpec.of(kind, tasks).withJobId(jobId);
        }
    }

    /** A generated document: job id, kind and size at scale 1. */
    private record Planned(String jobId, DocumentKind kind, int bytes) {}

    private static final List<Planned> PLANNED = List.of(
            new Planned("contract-services", DocumentKind.CONTRACT, 120_000),
            new Planned("contract-license", DocumentKind.CONTRACT, 320_000),
            new Planned("log-checkout", DocumentKind.LOG, 1_000_000),
            new Planned("log-fleet", DocumentKind.LOG, 3_000_000));
    private static final int MIN_BYTES = 4_096;
    /** Log time starts here, so the same seed gives the same timestamps whenever it runs. */
    private static final Instant LOG_START = Instant.parse("2025-03-14T12:00:00Z");

    static final List<Task> CONTRACT_TASKS = List.of(JobSpec.parseTask("summarize"),
            JobSpec.parseTask("extract:parties,effective date,governing law,termination notice"));
    static final List<Task> LOG_TASKS = List.of(JobSpec.parseTask("summarize"),
            JobSpec.parseTask("extract:first error,failing service"));
    static final List<Task> REPO_TASKS = List.of(JobSpec.parseTask("summarize"));

    private DemoSamples() {}

    /** Generates the contracts and logs into {@code folder} (created if needed; files replaced whole). */
    public static List<Sample> write(Path folder, long seed, double scale) throws IOException {
        if (!(scale > 0 && scale <= 1)) {
            throw new IllegalArgumentException("scale must be in (0, 1], got " + scale);
        }
        Files.createDirectories(folder);
        ContractGenerator contracts = new ContractGenerator(seed);
        LogGenerator logs = new LogGenerator(seed);
        List<Sample> samples = new ArrayList<>();
        for (Planned p : PLANNED) {
            int bytes = Math.max(MIN_BYTES, (int) (p.bytes() * scale));
            String text = p.kind() == DocumentKind.CONTRACT ? contracts.next(bytes).text() : logs.next(LOG_START, bytes);
            Path file = folder.resolve(p.jobId() + (p.kind() == DocumentKind.LOG ? ".log" : ".txt"));
            // written beside and moved in whole: another demo run may be reading the file (same seed,
            // same text), and must never see it truncated
            Path part = Files.createTempFile(folder, p.jobId(), ".part");
            try {
                Files.writeString(part, text, StandardCharsets.UTF_8);
                Files.move(part, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(part);
            }
            samples.add(new Sample(p.jobId(), p.kind(), p.kind() == DocumentKind.CONTRACT ? CONTRACT_TASKS : LOG_TASKS,
                    DocumentSource.file(file)));
        }
        return samples;
    }

    /** The repository at {@code root} as a REPO job (its .gitignore honoured by the ingest walker). */
    public static Sample repository(String jobId, Path root) {
        return new Sample(jobId, DocumentKind.REPO, REPO_TASKS, DocumentSource.repository(root));
    }

    /** "summarize" or "extract parties, governing law" as the demo prints a task. */
    public static String describe(Task task) {
        String type = task.getType().name().toLowerCase(Locale.ROOT);
        return task.getFields().isEmpty() ? type : type + " " + String.join(", ", task.getFields());
    }
}
