/*
 * The Kafka demo behind `longhaul demo`: the whole system in this one process, with no setup.
 * Start-up, each phase reported with its time: an embedded KRaft broker, the schema registry, the
 * pipeline (Kafka Streams), the model (the bundled `s` model, synthesized once into
 * .longhaul/models and reused; or --model DIR) and one worker on it. Then it generates sample
 * documents (DemoSamples: contracts and service logs, seeded), submits them and a repository (the
 * checkout itself) as jobs through the ingest client, and prints each job's results as they commit,
 * with timings and token counts.
 *
 * Contract: in Mode.ONCE run() returns 0 when every job has a result for every task, 1 otherwise
 * (after listing what is missing), and everything is closed before it returns. In Mode.SERVE it
 * then keeps serving (broker, registry, pipeline, worker) until the JVM is asked to stop (Ctrl-C,
 * SIGTERM). Either way a shutdown hook closes the worker and the stack, whose temporary data folder
 * goes with it, so an interrupted demo leaves nothing running and nothing behind.
 */
package dev.longhaul.ops.demo;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

import dev.longhaul.engine.backend.BackendProvider;
import dev.longhaul.ingest.IngestConfig;
import dev.longhaul.ingest.JobFollower;
import dev.longhaul.ingest.Submission;
import dev.longhaul.ingest.Submitter;
import dev.longhaul.ops.engine.BundledModel;
import dev.longhaul.ops.dashboard.Dashboard;
import dev.longhaul.ops.dashboard.DashboardConfig;
import dev.longhaul.ops.stack.DevStack;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.pipeline.worker.Worker;
import dev.longhaul.pipeline.worker.WorkerConfig;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;

public final class KafkaDemo {
    public enum Mode { ONCE, SERVE }

    /** How to run: the mode, the ports (0: free ones), and how long ONCE waits for the results. */
    public record Run(Mode mode, int kafkaPort, int registryPort, Duration timeout) {}

    /**
     * The worker's engine: model folder (empty: the bundled one), backend, threads, tokens read and
     * written per job. Checked when made, as the worker will take them, so that a bad value is
     * refused before the broker, registry and pipeline start and the bundled model is synthesized.
     */
    public record Engine(Optional<Path> model, String backend, int threads, int contextTokens, int maxOutputTokens) {
        public Engine {
            if (!backend.startsWith(WorkerConfig.REMOTE)) {
                BackendProvider.check(backend);
            }
            // (the fields are not assigned yet: the parameters, through the static form)
            workerConfig(WORKER_ID, "localhost:9092", Path.of("model"), backend, threads, contextTokens, maxOutputTokens);
        }

        /** The demo worker's configuration with these engine options. */
        WorkerConfig workerConfig(String workerId, String bootstrapServers, Path modelDir) {
            return workerConfig(workerId, bootstrapServers, modelDir, backend, threads, contextTokens, maxOutputTokens);
        }

        private static WorkerConfig workerConfig(String workerId, String bootstrapServers, Path modelDir, String backend,
                                                 int threads, int contextTokens, int maxOutputTokens) {
            return WorkerConfig.defaults(workerId, bootstrapServers, modelDir)
                    .withEngine(backend, threads)
                    .withContext(contextTokens, TIME_BUDGET)
                    .withOutput(maxOutputTokens);
        }
    }

    /** The jobs: where generated documents are written, the repository to submit, the seed and size scale. */
    public record Samples(Path folder, Path repository, long seed, double scale) {}

    /** home: the repository root, which the bundled model's path starts from. */
    /**
     * What the demo runs: the configured topic namespace (the one `submit` and the other commands
     * use, so the submit line the demo prints works) and the dashboard's configured port and token
     * (blank: generated at start).
     */
    public record Options(Path home, Run run, Engine engine, Samples samples, String namespace, int dashboardPort, String dashboardToken) {
        /** The defaults: namespace longhaul., dashboard on 8080 with a generated token. */
        public Options(Path home, Run run, Engine engine, Samples samples) {
            this(home, run, engine, samples, PipelineConfig.DEFAULTS.kafka().namespace(), DashboardConfig.DEFAULTS.port(), "");
        }
    }

    static final List<String> PHASES = List.of("broker", "registry", "pipeline", "model", "worker");
    static final String WORKER_ID = "demo-worker";
    static final String REPO_JOB = "repo-longhaul";
    /** The worker's per-job prefill time budget; the context tokens are the tighter cap on the demo. */
    private static final Duration TIME_BUDGET = Duration.ofMinutes(2);

    private final Options options;
    private final PrintWriter out;

    public KafkaDemo(Options options, PrintWriter out) {
        this.options = options;
        this.out = out;
    }

    public int run() throws IOException, InterruptedException {
        Engine engine = options.engine();
        say("Longhaul Kafka demo: broker, registry, pipeline and one %s worker (%d threads) in this process",
                engine.backend(), engine.threads());
        Running running = new Running();
        Thread hook = new Thread(running::stop, "longhaul-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Phases phases = new Phases(PHASES, out);
            DevStack stack = running.add(DevStack.start(stackOptions(), part -> phases.done(part, describe(part))));
            Path model = model(phases);
            Worker worker = running.add(new Worker(workerConfig(stack, model), stack.topics()));
            phases.done("worker", String.format(Locale.ROOT, "%s, context budget %,d document tokens per job, %,d output tokens"
                    + " per task (prefill %,.0f tokens/s)", worker.id(), worker.budgetTokens(), engine.maxOutputTokens(),
                    worker.prefillTokensPerSecond()));
            Optional<URI> dashboard = startDashboard(stack, running);
            printEndpoints(stack, dashboard);
            if (engine.model().isEmpty()) {
                randomWeightsNote();
            }
            int status = runSamples(stack, worker, running);
            if (options.run().mode() == Mode.SERVE && !running.stopping()) {
                Optional<String> broken = stopped(stack, worker, running);
                if (broken.isPresent()) {
                    // serving a stack that can run no job would only hide the failure until Ctrl-C
                    say("not serving: %s", broken.get());
                    return 1;
                }
                return serve(stack, worker, running) ? status : 1;
            }
            return status;
        } finally {
            running.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or has run: nothing to remove.
            }
        }
    }

    /**
     * Starts the dashboard on the stack (the configured port, 8080 by default, when serving on the usual ports and it is free, a
     * free one with --once or when 8080 is taken: the dashboard is the demo's window, not a reason
     * to stop it), registered with {@code running} so it closes before the stack it reads.
     */
    Optional<URI> startDashboard(DevStack stack, Running running) {
        int port = options.run().kafkaPort() == 0 ? 0 : options.dashboardPort();
        if (port != 0 && !free(DashboardConfig.DEFAULTS.host(), port)) {
            System.err.println("port " + port + " is taken; the dashboard listens on a free port instead (printed below)");
            port = 0;
        }
        Dashboard dashboard = running.add(Dashboard.start(DashboardConfig.DEFAULTS.withPort(port).withToken(options.dashboardToken())
                        .withPipelineApplicationId(PipelineConfig.defaultApplicationId(options.namespace())),
                stack.bootstrapServers(), stack.topics(), new RestSchemaRegistryClient(stack.registryUrl()),
                Optional.of(stack.pipeline().streams())));
        // a configured token is a secret the operator has already (and stdout goes to logs): only a generated one is shown
        return Optional.of(options.dashboardToken().isBlank() ? dashboard.pageUrl() : dashboard.url());
    }

    /** Wakes the follower up when the worker's poll loop or the pipeline's streams have stopped, saying which. */
    private void watch(DevStack stack, Worker worker, Running running, JobFollower follower,
                       java.util.concurrent.atomic.AtomicReference<String> stopped) {
        try {
            while (true) {
                Thread.sleep(1000);
                Optional<String> why = stopped(stack, worker, running);
                if (why.isPresent()) {
                    System.err.println(why.get());
                    stopped.set(why.get());
                    follower.wakeup();
                    return;
                }
            }
        } catch (InterruptedException done) {
            // the follow ended
        }
    }

    /**
     * Why the stack can run no more jobs: the user stopped the demo (Ctrl-C: its parts then stop
     * without having failed), or its worker or its pipeline stopped; empty while both run.
     */
    private static Optional<String> stopped(DevStack stack, Worker worker, Running running) {
        if (running.stopping()) {
            return Optional.of("interrupted: the demo is stopping");
        }
        if (worker.failure().isPresent()) {
            return Optional.of("the worker stopped: " + worker.failure().get());
        }
        if (stack.pipeline().failed()) {
            return Optional.of("the pipeline stopped (Kafka Streams " + stack.pipeline().streams().state() + "); see its log above");
        }
        return Optional.empty();
    }

    private static boolean free(String host, int port) {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(host, port));
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    DevStack.Options stackOptions() {
        // One broker holds one replica; everything else is the pipeline's defaults.
        PipelineConfig d = PipelineConfig.DEFAULTS;
        PipelineConfig pipeline = d.withKafka(new PipelineConfig.Kafka(PipelineConfig.defaultApplicationId(options.namespace()),
                options.namespace(), 1,
                d.kafka().commitInterval()));
        return new DevStack.Options(null, options.run().kafkaPort(), options.run().registryPort(), pipeline);
    }

    private static String describe(String part) {
        return switch (part) {
            case "broker" -> "embedded KRaft node (no Docker, data in a temporary folder)";
            case "registry" -> "Longhaul's schema registry (Confluent REST API), schemas in a compacted topic";
            default -> "Kafka Streams plan, dispatch and status, RUNNING";
        };
    }

    /** The model folder: --model as given, or the bundled model, synthesized on the first run. */
    private Path model(Phases phases) {
        Optional<Path> given = options.engine().model();
        if (given.isPresent()) {
            Path dir = given.get();
            if (!BundledModel.complete(dir)) {
                throw new IllegalArgumentException("--model " + dir + " is not a model folder (config.json and safetensors weights)");
            }
            phases.done("model", dir + " (--model)");
            return dir;
        }
        if (!BundledModel.complete(options.home().resolve(BundledModel.MODEL_DIR))) {
            phases.note("synthesizing the bundled model (first run only; reused afterwards)");
        }
        BundledModel.Ready ready = BundledModel.ensure(options.home(), phases::note);
        phases.done("model", String.format(Locale.ROOT, "%s %s (bundled: size %s, seed %d, random weights)",
                ready.synthesized() ? "synthesized" : "cached", BundledModel.MODEL_DIR, BundledModel.SPEC.size(),
                BundledModel.SPEC.seed()));
        return ready.dir();
    }

    private WorkerConfig workerConfig(DevStack stack, Path model) {
        return options.engine().workerConfig(WORKER_ID, stack.bootstrapServers(), model).withNamespace(stack.topics().namespace());
    }

    private void printEndpoints(DevStack stack, Optional<URI> dashboard) {
        say("");
        say("  Kafka bootstrap servers  %s", stack.bootstrapServers());
        say("  schema registry          %s", stack.registryUrl());
        dashboard.ifPresent(url -> say("  dashboard                %s", url));
    }

    private void randomWeightsNote() {
        say("");
        say("Note: the bundled model has seeded random weights. The path is real (Kafka, chunked streaming, the");
        say("tokenizer, prefill, lightning attention, MoE, decoding, exactly-once commits); the prose is noise.");
        say("To use a real checkpoint, point the worker at a Hugging Face MiniMax folder (config.json,");
        say("*.safetensors, tokenizer.json):  ./longhaul demo --model PATH/TO/MINIMAX");
    }

    /** Generates and submits the samples, prints results as they commit; 0 when every task of every job has its result. */
    private int runSamples(DevStack stack, Worker worker, Running running) throws IOException {
        Samples s = options.samples();
        long generating = System.nanoTime();
        List<DemoSamples.Sample> samples = new ArrayList<>(DemoSamples.write(s.folder(), s.seed(), s.scale()));
        samples.add(DemoSamples.repository(REPO_JOB, s.repository()));
        say("");
        say("samples: %d documents generated (seed %d) in %s (%.1f s), and the repository %s", samples.size() - 1, s.seed(),
                display(s.folder()), seconds(generating), display(s.repository()));
        IngestConfig ingest = IngestConfig.defaults(stack.bootstrapServers()).withNamespace(stack.topics().namespace());
        RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.registryUrl());
        DemoResults results = new DemoResults(out);
        long start = System.nanoTime();
        try (Submitter submitter = new Submitter(ingest, registry)) {
            for (DemoSamples.Sample sample : samples) {
                Submission submission = submitter.submit(sample.spec(), sample.source());
                results.submitted(sample, submission.document().getBytes());
                say("submitted %-18s %-8s %9s in %,4d chunks, tasks: %s", sample.jobId(), sample.kind(),
                        DemoResults.size(submission.document().getBytes()), submission.document().getChunkCount(),
                        String.join("; ", sample.tasks().stream().map(DemoSamples::describe).toList()));
            }
        }
        say("");
        JobFollower.Outcome outcome;
        java.util.concurrent.atomic.AtomicReference<String> stopped = new java.util.concurrent.atomic.AtomicReference<>();
        try (JobFollower follower = new JobFollower(ingest, registry)) {
            Duration timeout = options.run().mode() == Mode.ONCE ? options.run().timeout() : null;
            // a worker or pipeline that stopped ends the wait at once, with its reason, not at the timeout (or never)
            Thread watchdog = Thread.ofVirtual().name("longhaul-demo-watchdog").start(() -> watch(stack, worker, running, follower, stopped));
            try {
                outcome = follower.follow(results.jobIds(), results, timeout);
            } finally {
                watchdog.interrupt();
            }
        }
        List<String> missing = results.missing(outcome);
        say("");
        if (missing.isEmpty()) {
            say("done: %d jobs, %d results, every task of every job has its result (%.1f s from the first submission)",
                    samples.size(), results.resultCount(), seconds(start));
            return 0;
        }
        String why = outcome.complete() ? ""
                : stopped.get() != null ? " (" + stopped.get() + ")"
                : options.run().mode() == Mode.ONCE ? " (timed out after " + options.run().timeout().toSeconds() + " s)" : "";
        say("incomplete: %d tasks of the %d jobs have no result%s:", missing.size(), samples.size(), why);
        missing.forEach(line -> say("  %s", line));
        return 1;
    }

    /**
     * Serves until Ctrl-C, watching the worker and the pipeline as stack does: false when one of
     * them stopped meanwhile (said), since a stack that can run no job would leave every job
     * submitted to it queued for ever, unseen.
     */
    private boolean serve(DevStack stack, Worker worker, Running running) throws InterruptedException {
        say("");
        say("Serving until Ctrl-C. Submit more against this stack, e.g.:");
        say("  ./longhaul submit FILE --kind log --task summarize --follow --bootstrap-servers %s --registry-url %s",
                stack.bootstrapServers(), stack.registryUrl());
        while (!running.awaitClosed(SERVE_WATCH)) {
            Optional<String> broken = stopped(stack, worker, running);
            if (broken.isPresent() && !running.stopping()) {
                say("stopped serving: %s", broken.get());
                return false;
            }
        }
        return true;
    }

    /** How often serving checks that the worker and the pipeline still run. */
    private static final Duration SERVE_WATCH = Duration.ofSeconds(2);

    private String display(Path path) {
        Path home = options.home().toAbsolutePath().normalize();
        Path p = path.toAbsolutePath().normalize();
        return p.equals(home) ? "(this checkout)" : p.startsWith(home) ? home.relativize(p).toString() : p.toString();
    }

    private void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /**
     * What the demo started, closed once, newest first (the worker before the stack it uses), from
     * the main thread or the shutdown hook, whichever comes first. Something added after close is
     * closed at once, so a Ctrl-C during start-up leaves nothing running either.
     */
    static final class Running {
        private final Deque<AutoCloseable> started = new ArrayDeque<>();
        private final CountDownLatch closed = new CountDownLatch(1);
        private boolean isClosed;
        /** Set as the shutdown hook begins to stop the parts (Ctrl-C): what stops then has not failed. */
        private volatile boolean stopping;

        boolean stopping() {
            return stopping;
        }

        synchronized <T extends AutoCloseable> T add(T resource) {
            if (isClosed) {
                closeQuietly(resource);
                throw new IllegalStateException("the demo is shutting down");
            }
            started.push(resource);
            return resource;
        }

        /** The shutdown hook's close: says what it stops, since the user is waiting on it. */
        void stop() {
            stopping = true;
            synchronized (this) {
                if (isClosed) {
                    return;
                }
                System.out.println("\nstopping: worker, pipeline, registry, broker ...");
            }
            long start = System.nanoTime();
            close();
            System.out.printf(Locale.ROOT, "stopped in %.1f s%n", seconds(start));
        }

        void close() {
            synchronized (this) {
                if (isClosed) {
                    return;
                }
                isClosed = true;
                while (!started.isEmpty()) {
                    closeQuietly(started.pop());
                }
            }
            closed.countDown();
        }

        /** Whether it closed within `wait`. */
        boolean awaitClosed(Duration wait) throws InterruptedException {
            return closed.await(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        private static void closeQuietly(AutoCloseable resource) {
            try {
                resource.close();
            } catch (Exception e) {
                System.err.println("demo: closing " + resource.getClass().getSimpleName() + " failed: " + e.getMessage());
            }
        }
    }
}
