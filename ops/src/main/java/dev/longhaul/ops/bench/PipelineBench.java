/*
 * The pipeline benchmark: the same documents through the engine alone (EngineAlone over chunks held
 * in memory) and through the whole pipeline (ingest Submitter, then the DevStack's planner and
 * dispatcher, then one in-process Worker, until every job's final status reads back
 * read_committed), alternately in one run (warm-up, then engine, pipeline, engine, pipeline...),
 * so each round's pipeline/engine throughput ratio is what Kafka, planning and transactions cost
 * on this machine at that moment. Rounds are paired because the machine is noisy: a ratio of two
 * runs minutes apart would measure the neighbours.
 *
 * Contract: both sides use one WorkerConfig (model, backend, threads, context budget, output
 * tokens, orders at once: the engine alone runs as many at a time as the worker can, one per
 * lane), the same bytes, kind and tasks, and chunks of the ingest default size. Equal work is
 * checked, not assumed: the two engines must have the same context budget, and every round's
 * document tokens and result counts must match between the sides, or the run fails.
 */
package dev.longhaul.ops.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import dev.longhaul.ingest.DocumentSource;
import dev.longhaul.ingest.IngestConfig;
import dev.longhaul.ingest.JobFollower;
import dev.longhaul.ingest.JobSpec;
import dev.longhaul.ingest.Submitter;
import dev.longhaul.ops.stack.DevStack;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.pipeline.worker.EngineAlone;
import dev.longhaul.pipeline.worker.Worker;
import dev.longhaul.pipeline.worker.WorkerConfig;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.WorkOrder;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;

public final class PipelineBench {
    /**
     * What to run. The time budget is generous on purpose: the worker caps its context budget by
     * a prefill speed it measures at start, and two measurements on a noisy machine would give the
     * two sides different budgets, so different work.
     */
    public record Options(Path model, String backend, int threads, int contextTokens, int maxOutputTokens, int rounds) {
        public Options {
            if (rounds < 1) {
                throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
            }
        }

        WorkerConfig workerConfig(String bootstrapServers, String namespace) {
            return WorkerConfig.defaults("bench-worker", bootstrapServers, model)
                    .withNamespace(namespace)
                    .withEngine(backend, threads)
                    .withContext(contextTokens, Duration.ofHours(1))
                    .withOutput(maxOutputTokens);
        }
    }

    /** One side of one round: documents done, seconds, document tokens and results the model produced. */
    public record Side(int documents, double seconds, long documentTokens, int results) {
        public double documentsPerSecond() {
            return documents / seconds;
        }
    }

    /** One round: the engine alone, then the pipeline, on the same documents. */
    public record Round(int index, Side engine, Side pipeline) {
        public double ratio() {
            return pipeline.documentsPerSecond() / engine.documentsPerSecond();
        }
    }

    public record Report(int budgetTokens, List<Round> rounds) {
        public double medianRatio() {
            double[] r = rounds.stream().mapToDouble(Round::ratio).sorted().toArray();
            return r.length % 2 == 1 ? r[r.length / 2] : (r[r.length / 2 - 1] + r[r.length / 2]) / 2;
        }
    }

    /** Every job asks for the same two tasks: a summary and one extracted field (two decodes per document). */
    static final List<Task> TASKS = List.of(
            Task.newBuilder().setType(TaskType.SUMMARIZE).build(),
            Task.newBuilder().setType(TaskType.EXTRACT).setFields(List.of("first error")).build());
    static final String TENANT = "bench";
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(60);

    private final Options options;
    private final BenchDocuments documents;
    private final Consumer<String> log;

    public PipelineBench(Options options, BenchDocuments documents, Consumer<String> log) {
        this.options = options;
        this.documents = documents;
        this.log = log;
    }

    /**
     * Closes the stack (its broker, and the temporary folder it lives in) should the bench be
     * stopped (Ctrl-C) while it runs; taken off when the bench ends, which closes the stack itself.
     */
    private static final class OnShutdown implements AutoCloseable {
        private final dev.longhaul.ops.stack.StartGuard<DevStack> guard;

        OnShutdown(DevStack stack) {
            guard = dev.longhaul.ops.stack.StartGuard.install("bench stack", java.time.Duration.ZERO, DevStack::close, () -> { });
            guard.started(stack);
        }

        @Override
        public void close() {
            guard.remove();
        }
    }

    public Report run() throws IOException {
        // The benchmark's one broker cannot hold three replicas; everything else stays at the defaults.
        PipelineConfig.Kafka k = PipelineConfig.DEFAULTS.kafka();
        PipelineConfig pipeline = PipelineConfig.DEFAULTS.withKafka(
                new PipelineConfig.Kafka("longhaul-bench", k.namespace(), 1, k.commitInterval()));
        log.accept("starting the dev stack");
        try (DevStack stack = DevStack.start(DevStack.Options.temporary(pipeline));
             OnShutdown closing = new OnShutdown(stack)) {
            String namespace = stack.topics().namespace();
            WorkerConfig config = options.workerConfig(stack.bootstrapServers(), namespace);
            IngestConfig ingest = IngestConfig.defaults(stack.bootstrapServers()).withNamespace(namespace);
            var registry = new RestSchemaRegistryClient(stack.registryUrl());
            log.accept("loading the model twice: the engine alone and the worker");
            try (EngineAlone engine = new EngineAlone(config);
                 Worker worker = new Worker(config, stack.topics());
                 Submitter submitter = new Submitter(ingest, registry);
                 JobFollower follower = new JobFollower(ingest, registry)) {
                if (engine.budgetTokens() != worker.budgetTokens()) {
                    throw new IllegalStateException("the engine alone reads " + engine.budgetTokens() + " document tokens per job,"
                            + " the worker " + worker.budgetTokens() + ": the sides would do different work");
                }
                MemoryChunks chunks = new MemoryChunks(ingest.chunkBytes());
                PipelineSide pipelineSide = new PipelineSide(submitter, follower);
                List<byte[]> warmup = documents.texts().subList(0, Math.min(2, documents.texts().size()));
                log.accept("warm-up");
                int parallel = Math.min(config.concurrentOrders(), pipeline.dispatch().lanes());
                compare(engineAlone(engine, chunks, "warm-e", warmup, parallel), pipelineSide.run("warm-p", warmup), "warm-up");
                List<Round> rounds = new ArrayList<>();
                for (int r = 1; r <= options.rounds(); r++) {
                    // the sides take turns going first, so a machine that speeds up or slows down
                    // over the run (caches, clocks, neighbours) does not favour one of them
                    Side e;
                    Side p;
                    if (r % 2 == 1) {
                        e = engineAlone(engine, chunks, "r" + r + "-e", documents.texts(), parallel);
                        p = pipelineSide.run("r" + r + "-p", documents.texts());
                    } else {
                        p = pipelineSide.run("r" + r + "-p", documents.texts());
                        e = engineAlone(engine, chunks, "r" + r + "-e", documents.texts(), parallel);
                    }
                    log.accept(String.format("round %d engine alone: %.3f documents/s", r, e.documentsPerSecond()));
                    log.accept(String.format("round %d pipeline:     %.3f documents/s", r, p.documentsPerSecond()));
                    compare(e, p, "round " + r);
                    rounds.add(new Round(r, e, p));
                }
                return new Report(engine.budgetTokens(), rounds);
            }
        }
    }

    private static void compare(Side engine, Side pipeline, String what) {
        if (engine.documentTokens() != pipeline.documentTokens() || engine.results() != pipeline.results()) {
            throw new IllegalStateException(what + ": the engine alone read " + engine.documentTokens() + " document tokens into "
                    + engine.results() + " results, the pipeline " + pipeline.documentTokens() + " into " + pipeline.results());
        }
    }

    /** The documents through the engine alone, `parallel` at a time, as the worker runs its lanes' orders. */
    private Side engineAlone(EngineAlone engine, MemoryChunks chunks, String prefix, List<byte[]> texts, int parallel) {
        List<WorkOrder> orders = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            orders.add(chunks.put(prefix + "-" + i, documents.kind(), texts.get(i), TASKS));
        }
        long tokens = 0;
        int results = 0;
        long t0 = System.nanoTime();
        for (EngineAlone.Result r : engine.runAll(orders, chunks, parallel)) {
            tokens += r.documentTokens();
            results += r.summaries() + r.extractions();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        chunks.clear();
        return new Side(orders.size(), seconds, tokens, results);
    }

    /** Submits documents through ingest and waits for every final status, read_committed. */
    private final class PipelineSide {
        private final Submitter submitter;
        private final JobFollower follower;

        PipelineSide(Submitter submitter, JobFollower follower) {
            this.submitter = submitter;
            this.follower = follower;
        }

        Side run(String prefix, List<byte[]> texts) throws IOException {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                ids.add(prefix + "-" + i);
            }
            Map<String, JobState> finals = new ConcurrentHashMap<>();
            long[] lastFinal = {0};
            JobFollower.Listener listener = new JobFollower.Listener() {
                @Override
                public void onStatus(JobStatus status) {
                    // The clock stops when the last job's final status is read, not when its results are.
                    if (JobFollower.isFinal(status.getState()) && finals.put(status.getJobId(), status.getState()) == null
                            && finals.size() == ids.size()) {
                        lastFinal[0] = System.nanoTime();
                    }
                }
            };
            long t0 = System.nanoTime();
            for (int i = 0; i < texts.size(); i++) {
                submitter.submit(JobSpec.of(documents.kind(), TASKS).withJobId(ids.get(i)).withTenant(TENANT),
                        DocumentSource.stream(new ByteArrayInputStream(texts.get(i)), ids.get(i)));
            }
            JobFollower.Outcome outcome = follower.follow(ids, listener, JOB_TIMEOUT);
            if (!outcome.complete()) {
                throw new IllegalStateException("jobs " + prefix + "-* not final within " + JOB_TIMEOUT);
            }
            long tokens = 0;
            int results = 0;
            for (var job : outcome.jobs().entrySet()) {
                JobFollower.JobOutcome o = job.getValue();
                if (o.status().getState() != JobState.SUCCEEDED) {
                    throw new IllegalStateException("job " + job.getKey() + " ended " + o.status().getState()
                            + ": " + o.status().getReason());
                }
                results += o.summaries().size() + o.extractions().size();
                // Every result of a job carries the same document tokens: the document was read once.
                tokens += o.summaries().values().stream().findFirst().map(s -> s.getUsage().getDocumentTokens())
                        .orElseGet(() -> o.extractions().values().iterator().next().getUsage().getDocumentTokens());
            }
            double seconds = (lastFinal[0] - t0) / 1e9;
            return new Side(ids.size(), seconds, tokens, results);
        }
    }
}
