/*
 * `longhaul submit PATH... [--kind K] [--task T]... [--tenant T | --as-tenant T] [--priority N]
 * [--deadline ISO] [--id ID] [--follow]`: one job per PATH (a file, gzip detected; a directory, a REPO job; `-`,
 * stdin), each written with its chunks in one Kafka transaction; prints one job id per line as
 * each is committed. --follow then reports status until every job is final and prints the
 * results; exit 0 when all SUCCEEDED, 1 otherwise. Arguments, and every document as far as can be
 * seen before reading it whole, are validated before anything is written. Exit 4 when a commit did
 * not finish in time, so the job may or may not be submitted: its id is printed like a committed
 * one's, to submit the same document again under (--id); the ids printed before it are submitted.
 * Other errors exit 2; one met while uploading (gzip that goes bad past its head, a file changed
 * since it was checked) says that the jobs printed before it are submitted.
 */
package dev.longhaul.ops.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.Locale;

import dev.longhaul.ingest.DocumentSource;
import dev.longhaul.ingest.JobFollower;
import dev.longhaul.ingest.IngestConfig;
import dev.longhaul.ingest.Skipped;
import dev.longhaul.ingest.JobSpec;
import dev.longhaul.ingest.Submission;
import dev.longhaul.ingest.Submitter;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.wire.SchemaRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "submit", mixinStandardHelpOptions = true,
        description = "Submit documents as jobs: one job per PATH (a file, a directory as a repository, or - for stdin).")
public final class SubmitCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "PATH", description = "File, directory (a REPO job) or - (stdin).")
    List<String> paths;

    @Option(names = "--kind", paramLabel = "KIND",
            description = "contract, log, repo or text; default: repo for a directory, text otherwise.")
    String kind;

    @Option(names = "--task", paramLabel = "TASK",
            description = "summarize or extract:FIELD,FIELD... (the fields to extract); repeatable, in order (default: summarize).")
    List<String> tasks = new ArrayList<>();

    @Option(names = "--tenant", defaultValue = JobSpec.DEFAULT_TENANT, description = "Tenant (default: ${DEFAULT-VALUE}).")
    String tenant;

    @Option(names = "--priority", defaultValue = "0", description = "Higher runs first (default: ${DEFAULT-VALUE}).")
    int priority;

    @Option(names = "--deadline", paramLabel = "ISO-8601", description = "Instant by which the job must start, e.g. 2026-12-01T12:00:00Z.")
    Instant deadline;

    @Option(names = "--id", paramLabel = "JOB_ID", description = "Job id (one PATH only); default: a generated, time-sortable id.")
    String id;

    @Option(names = "--follow", description = "Show progress until every job is final, then print the results.")
    boolean follow;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = SinkCommand.DurationConverter.class,
            description = "With --follow: stop following after this long (90s, 15m, 2h, ISO-8601), exit status 3 if "
                    + "a job is not final by then; default: follow until every job is final.")
    java.time.Duration timeout;

    @Option(names = "--as-tenant", paramLabel = "TENANT",
            description = "Submit (and follow) as this tenant: through its own topics and transactional ids, which is what a "
                    + "tenant's Kafka ACLs allow; the pipeline stamps the tenant from those topics. Job ids are the tenant's: "
                    + "generated ones begin with TENANT:, an --id must too. --tenant only labels a job written to the shared "
                    + "topics.")
    String asTenant;

    @Option(names = "--max-document-bytes", paramLabel = "BYTES",
            description = "Largest document sent (default: ${DEFAULT-VALUE}, the pipeline's default limit; raise both together).")
    long maxDocumentBytes = IngestConfig.DEFAULT_MAX_DOCUMENT_BYTES;

    @Option(names = "--max-inflation-ratio", paramLabel = "N",
            description = "Most bytes a gzip input may inflate to per compressed byte before it is refused as a decompression "
                    + "bomb (default: ${DEFAULT-VALUE}; a log of one line repeated can compress further).")
    int maxInflationRatio = dev.longhaul.ingest.SourceLimits.DEFAULT_MAX_INFLATION_RATIO;

    @Option(names = "--max-chunks", paramLabel = "N",
            description = "Most 512 KiB chunks one document is sent in; a repository sends at least one a file "
                    + "(default: ${DEFAULT-VALUE}, the pipeline's default limit; raise both together).")
    int maxChunks = IngestConfig.DEFAULT_MAX_CHUNKS;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    /** The job of each PATH, validated before anything is written. */
    List<Map.Entry<JobSpec, DocumentSource>> jobs() {
        if (id != null && paths.size() > 1) {
            throw new IllegalArgumentException("--id names one job, but " + paths.size() + " paths were given");
        }
        if (paths.stream().filter("-"::equals).count() > 1) {
            throw new IllegalArgumentException("stdin (-) can be submitted once");
        }
        if (asTenant != null && !tenant.equals(JobSpec.DEFAULT_TENANT) && !tenant.equals(asTenant)) {
            throw new IllegalArgumentException("--tenant " + tenant + " and --as-tenant " + asTenant + " disagree");
        }
        String jobTenant = asTenant != null ? asTenant : tenant;
        List<Task> parsed = (tasks.isEmpty() ? List.of("summarize") : tasks).stream().map(JobSpec::parseTask).toList();
        DocumentKind given = kind == null ? null : JobSpec.parseKind(kind);
        List<Map.Entry<JobSpec, DocumentSource>> jobs = new ArrayList<>();
        for (String path : paths) {
            if (!"-".equals(path) && !Files.exists(Path.of(path))) {
                // every path is checked before any job is written: a later one missing would
                // otherwise stop the command after the earlier ones were committed
                throw new IllegalArgumentException("no such file or directory: " + path);
            }
        }
        for (String path : paths) {
            boolean directory = !"-".equals(path) && Files.isDirectory(Path.of(path));
            DocumentKind k = given != null ? given : directory ? DocumentKind.REPO : DocumentKind.TEXT;
            if (directory != (k == DocumentKind.REPO)) {
                throw new IllegalArgumentException(directory
                        ? path + " is a directory: it can only be a repo job, not " + k.name().toLowerCase(Locale.ROOT)
                        : path + " is not a directory: a repo job needs one");
            }
            JobSpec job = JobSpec.of(k, parsed).withTenant(jobTenant).withPriority(priority).withDeadline(deadline);
            if (id != null) {
                job = job.withJobId(id);
            }
            jobs.add(Map.entry(job, DocumentSource.forArgument(path, System.in)));
        }
        return jobs;
    }

    /** The client's configuration: the limits given, and a tenant's own topics with --as-tenant. */
    IngestConfig ingestConfig() {
        IngestConfig config = kafka.ingestConfig().withMaxDocumentBytes(maxDocumentBytes).withMaxChunks(maxChunks)
                .withMaxInflationRatio(maxInflationRatio);
        return asTenant == null ? config : config.withTenant(asTenant);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        checkFollowTimeout(follow, timeout);
        List<Map.Entry<JobSpec, DocumentSource>> jobs = jobs();
        SchemaRegistry registry = kafka.registry();
        Map<String, String> ids = new LinkedHashMap<>(); // job id -> its submission
        IngestConfig config = ingestConfig();
        for (Map.Entry<JobSpec, DocumentSource> job : jobs) {
            // every document is checked (empty, too large, binary...) before any is written
            Submitter.check(job.getKey(), job.getValue(), config);
        }
        try (Submitter submitter = new Submitter(config, registry)) {
            // Ctrl-C mid-upload aborts the open transaction now rather than at its timeout
            Thread abandon = new Thread(() -> submitter.abandon().ifPresent(job -> {
                // stopped while its commit was under way: it may well be submitted, unprinted
                err.println("submit: stopped while job " + job + " was being committed; it may be submitted:"
                        + " `longhaul status " + job + "` says (submit again only with `--id " + job + "`)");
                err.flush();
            }), "submit-abandon");
            Runtime.getRuntime().addShutdownHook(abandon);
            try {
                submitAll(submitter, jobs, ids, out, err);
            } catch (dev.longhaul.ingest.SubmissionOutcomeUnknownException e) {
                // not an error like the others (2): submitting again under a new id could run the document twice
                out.println(e.jobId());
                out.flush();
                err.println("submit: " + e.getMessage() + " (`--id " + e.jobId() + "`)"
                        + (ids.isEmpty() ? "" : "; the jobs printed before it are submitted"));
                err.flush();
                return OUTCOME_UNKNOWN;
            } catch (java.io.IOException | RuntimeException e) {
                // a document only streaming could refuse (gzip that goes bad past its head, a file
                // changed since the checks): the error follows, but what went through stands
                if (!ids.isEmpty()) {
                    err.println("submit: the " + ids.size() + " job(s) printed above are submitted and go on (follow each with"
                            + " `longhaul status --follow JOB_ID`); the " + (jobs.size() - ids.size()) + " from the failed one on are not");
                    err.flush();
                }
                throw e;
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(abandon);
                } catch (IllegalStateException exiting) {
                    // the JVM is already shutting down: the hook runs
                }
            }
        }
        if (!follow) {
            return 0;
        }
        try (JobFollower follower = new JobFollower(config, registry)) {
            JobFollower.Outcome outcome = follower.followSubmissions(ids, new ResultPrinter(out), timeout);
            if (!outcome.complete()) {
                err.println("submit: not every job was final within " + timeout + "; they go on: follow each again with"
                        + " `longhaul status --follow JOB_ID` (the ids are printed above)");
                return 3;
            }
            outcome.jobs().forEach((id, j) -> {
                if (j.resultsExpired()) {
                    err.println(id + ": the same document SUCCEEDED at " + j.status().getUpdatedAt()
                            + ", but its results are no longer retained (older than the result topics' retention)");
                }
            });
            boolean allSucceeded = outcome.jobs().values().stream()
                    .allMatch(j -> j.status() != null && j.status().getState() == JobState.SUCCEEDED && !j.resultsExpired());
            return allSucceeded ? 0 : 1;
        }
    }

    /** The exit status when a submission's commit did not finish in time: it may or may not be submitted. */
    static final int OUTCOME_UNKNOWN = 4;

    /** --timeout bounds --follow (submit's and status'): only with it, and positive. */
    static void checkFollowTimeout(boolean follow, java.time.Duration timeout) {
        if (timeout != null && !follow) {
            throw new IllegalArgumentException("--timeout bounds --follow; give both");
        }
        if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
            throw new IllegalArgumentException("--timeout must be positive, is " + timeout);
        }
    }

    /** A path as a terminal can show it: control characters (a BAD_PATH's reason) escaped as \\uXXXX. */
    static String printable(String path) {
        StringBuilder b = new StringBuilder(path.length());
        path.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                b.append(String.format(java.util.Locale.ROOT, "\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }

    private static void submitAll(Submitter submitter, List<Map.Entry<JobSpec, DocumentSource>> jobs, Map<String, String> ids,
                                  PrintWriter out, PrintWriter err) throws java.io.IOException {
        for (Map.Entry<JobSpec, DocumentSource> job : jobs) {
            Submission s = submitter.submit(job.getKey(), job.getValue());
            ids.put(s.jobId(), s.submissionId());
            out.println(s.jobId());
            out.flush();
            if (!s.skipped().isEmpty()) {
                Map<Skipped.Reason, Long> reasons = new java.util.TreeMap<>(s.skipped().stream()
                        .collect(java.util.stream.Collectors.groupingBy(Skipped::reason, java.util.stream.Collectors.counting())));
                err.println(s.jobId() + ": skipped " + s.skipped().size() + " entries " + reasons);
                s.skipped().stream().filter(k -> k.reason() != Skipped.Reason.BINARY && k.reason() != Skipped.Reason.EMPTY)
                        .limit(20).forEach(k -> err.println("  " + k.reason() + ": " + printable(k.path())));
            }
        }
    }
}
