/*
 * `longhaul pipeline [--lanes N] [--state-dir DIR] [--application-id ID] [--replication-factor N] [--state-memory-mib M]
 *  [--job-retention-hours H]`
 * plus the Kafka options: the pipeline application (plan, dispatch, status) alone, against a Kafka
 * cluster that runs elsewhere, until interrupted. Unlike `stack` it embeds no broker and no registry.
 * Several instances with one application id share the work (Kafka Streams balances the partitions
 * among them). Creates the catalog's topics if they are missing (work with one partition per lane)
 * and refuses to start if `work` exists with another partition count. Exits 2 if the application
 * fails while running. Without --state-dir the Streams state lives in a temporary folder deleted
 * on exit (it is restored from the changelog topics at the next start).
 */
package dev.longhaul.ops.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.longhaul.ops.stack.PipelineRunner;
import dev.longhaul.ops.stack.StartGuard;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.schemas.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "Run the pipeline (Kafka Streams: plan, dispatch, status) against a Kafka cluster until interrupted.")
public final class PipelineCommand implements Callable<Integer> {
    @Option(names = "--lanes", paramLabel = "N",
            description = "Worker lanes: partitions of work, the most workers that run at once (default: the pipeline's, 4).")
    Integer lanes;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Kafka Streams state folder (default: a temporary folder, deleted on exit).")
    Path stateDir;

    @Option(names = "--application-id", paramLabel = "ID",
            description = "Kafka Streams application id, shared by every instance (default: longhaul-pipeline in the "
                    + "default namespace, else the namespace followed by longhaul-pipeline).")
    String applicationId;

    @Option(names = "--replication-factor", paramLabel = "N",
            description = "Replicas of the topics it creates and of Streams' internal topics (default: the pipeline's, 3).")
    Integer replicationFactor;

    @Option(names = "--state-memory-mib", paramLabel = "MIB",
            description = "RocksDB memory (block cache, index, filters and memtables) shared by all of this instance's state stores;"
                    + " 0: RocksDB's own per-store defaults, which are not bounded in total (default: the pipeline's, 64).")
    Long stateMemoryMib;

    @Option(names = "--status-port", paramLabel = "PORT",
            description = "Serve GET /jobs/{id} (the status table) on this port (0: any free one), forwarding to the instance "
                    + "that hosts a job's status; default: not served.")
    Integer statusPort;

    @Option(names = "--status-host", paramLabel = "HOST", defaultValue = "localhost",
            description = "Address the other instances reach this one's status endpoint at (default: ${DEFAULT-VALUE}).")
    String statusHost;

    @Option(names = "--status-bind", paramLabel = "ADDRESS",
            description = "Address the status endpoint listens on, e.g. 0.0.0.0 (default: --status-host).")
    String statusBind;

    @Option(names = "--status-token", paramLabel = "TOKEN",
            description = "Bearer token the status endpoint requires, the same for every instance (they forward with it); "
                    + "required with --status-port.")
    String statusToken;

    @Option(names = "--job-retention-hours", paramLabel = "H",
            description = "How long the planner remembers a settled job id after its last record (a resubmission is a no-op or a"
                    + " DUPLICATE_JOB_ID until then; the id may be used again after). Must outlast the longest job"
                    + " (default: the pipeline's, 168; at most 336, the status topic's retention).")
    Long jobRetentionHours;

    @Option(names = "--max-document-bytes", paramLabel = "BYTES",
            description = "Largest document the planner accepts (default: 1 GiB). Clients submitting larger ones pass the same"
                    + " to `submit --max-document-bytes`.")
    Long maxDocumentBytes;

    @Option(names = "--max-chunks", paramLabel = "N",
            description = "Most chunks of 512 KiB a job may have (default: 4096; at most 6000, what the planner's state of a job"
                    + " holds). Clients pass the same to `submit --max-chunks`.")
    Integer maxChunks;

    @Option(names = "--tenant", paramLabel = "NAME",
            description = "A tenant with topics of its own (<namespace>tenant.NAME.*): its jobs are admitted from there and its"
                    + " statuses and results delivered back there. Repeat for each tenant. Default: none.")
    List<String> tenants = List.of();

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    /** The pipeline's defaults with the options given; PipelineConfig validates them. */
    PipelineConfig config() {
        PipelineConfig d = PipelineConfig.DEFAULTS;
        PipelineConfig.Kafka k = d.kafka();
        PipelineConfig.Dispatch dispatch = d.dispatch();
        return d.withKafka(new PipelineConfig.Kafka(applicationId != null ? applicationId
                        : PipelineConfig.defaultApplicationId(kafka.namespace), kafka.namespace,
                        replicationFactor != null ? replicationFactor : k.replicationFactor(), k.commitInterval(),
                        stateMemoryMib != null ? stateMemoryMib << 20 : k.stateMemoryBytes()))
                .withDispatch(new PipelineConfig.Dispatch(lanes != null ? lanes : dispatch.lanes(), dispatch.windowTokens(),
                        dispatch.laneTimeout(), dispatch.punctuationInterval()))
                .withLimits(limits(d.limits()))
                .withTenants(Set.copyOf(tenants));
    }

    private PipelineConfig.Limits limits(PipelineConfig.Limits d) {
        return new PipelineConfig.Limits(maxDocumentBytes != null ? maxDocumentBytes : d.maxDocumentBytes(),
                maxChunks != null ? maxChunks : d.maxChunks(), d.allowedKinds(), d.tenants(), d.incompleteJobTimeout(),
                jobRetentionHours != null ? Duration.ofHours(jobRetentionHours) : d.settledJobRetention());
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (statusPort != null && (statusToken == null || statusToken.isBlank())) {
            // a token of each instance's own would make every forwarded request a 401
            throw new IllegalArgumentException("--status-port needs --status-token, the same for every instance");
        }
        PipelineConfig config = config();
        Path state = stateDir != null ? Files.createDirectories(stateDir) : Files.createTempDirectory("longhaul-pipeline-");
        // The hook goes in before the start, which can take a minute (topics, schemas, RUNNING): a
        // Ctrl-C meanwhile waits for the start to end, then closes what started and deletes a
        // temporary state folder, never while the Streams threads being started still use it
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean closing = new AtomicBoolean();
        StartGuard<Started> guard = StartGuard.install("pipeline", StartGuard.WAIT_ON_SHUTDOWN, running -> {
            closing.set(true);
            running.close();
        }, () -> {
            deleteIfTemporary(state);
            stopped.countDown();
        }, Thread.currentThread());
        dev.longhaul.ops.stack.StatusServer statusServer = null;
        PipelineRunner runner = null;
        try {
            if (statusPort != null) {
                statusServer = new dev.longhaul.ops.stack.StatusServer(statusBind != null ? statusBind : statusHost, statusHost,
                        statusPort, dev.longhaul.ops.http.BearerToken.configuredOrGenerated(statusToken));
            }
            runner = PipelineRunner.start(config, new Topics(config.kafka().namespace(), kafka.registry()),
                    kafka.bootstrapServers, state, kafka.clientOverrides(), statusServer == null ? null : statusServer.applicationServer());
            if (statusServer != null) {
                statusServer.attach(new dev.longhaul.pipeline.status.JobStatusQuery(runner.streams()));
            }
            guard.started(new Started(statusServer, runner));
        } catch (RuntimeException | IOException | Error e) {
            try {
                new Started(statusServer, runner).close();
            } catch (RuntimeException closeFailure) {
                e.addSuppressed(closeFailure);
            } finally {
                guard.failed(e); // a hook waiting for the start goes on
            }
            if (guard.remove()) {
                deleteIfTemporary(state);
            } // else shutting down: the hook deletes it
            throw e;
        }
        var out = spec.commandLine().getOut();
        out.printf("pipeline %s: %d lanes on %s (namespace %s, state in %s); Ctrl-C stops%n", config.kafka().applicationId(),
                config.dispatch().lanes(), kafka.bootstrapServers, config.kafka().namespace(), state);
        if (statusServer != null) {
            out.printf("status: GET http://%s/jobs/{id} with Authorization: Bearer <--status-token>%n", statusServer.applicationServer());
        }
        out.flush();
        // Streams stops by itself after a fatal error; the process should then end, not idle. (Its
        // state listener can only be set before start, which PipelineRunner owns, so poll.)
        boolean failed = false;
        while (!stopped.await(1, TimeUnit.SECONDS)) {
            if (!closing.get() && runner.failed()) {
                failed = true;
                break;
            }
        }
        if (failed) {
            spec.commandLine().getErr().println("longhaul pipeline: the Streams application failed (state "
                    + runner.streams().state() + ")");
            spec.commandLine().getErr().flush();
            return Longhaul.ERROR;
        }
        return 0;
    }

    /** What a start got up: the status server (null without --status-port) and the pipeline (null until it started). */
    private record Started(dev.longhaul.ops.stack.StatusServer status, PipelineRunner runner) {
        void close() {
            try {
                if (status != null) {
                    status.close();
                }
            } finally {
                if (runner != null) {
                    runner.close();
                }
            }
        }
    }

    private void deleteIfTemporary(Path state) {
        if (stateDir != null) {
            return;
        }
        try (var paths = Files.walk(state)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            spec.commandLine().getErr().println("longhaul pipeline: could not delete " + state + ": " + e.getMessage());
        }
    }
}
