/*
 * `longhaul worker --model DIR`: one worker process (one engine) joining the worker group on
 * `work`; runs until interrupted (Ctrl-C or SIGTERM close it cleanly: the job in progress is
 * abandoned uncommitted and redone by another worker). Prints its context budget at start, because
 * that decides which documents the model reads whole. With `--backend remote:http://HOST:PORT/v1`
 * the orders run on an OpenAI-compatible server (vLLM, SGLang, `longhaul serve`) and --model only
 * needs the served model's tokenizer.json. For fault tests only, the LONGHAUL_FAULT environment
 * variable turns on a fault-injection hook (Faults.parse: "halt:decode:3" halts the process when
 * its third order decodes; unset, as everywhere outside tests, there is none).
 */
package dev.longhaul.ops.cli;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import dev.longhaul.pipeline.worker.Faults;
import dev.longhaul.pipeline.worker.LaneAssignment;
import dev.longhaul.pipeline.worker.Worker;
import dev.longhaul.pipeline.worker.WorkerConfig;
import dev.longhaul.schemas.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run a worker: take work orders from Kafka, stream documents through the model, commit results exactly once.")
public final class WorkerCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "HF-format MiniMax model folder (default: the configuration's model, if set; with a remote backend, only its tokenizer.json is read).")
    Path model;

    @Option(names = "--id", paramLabel = "ID", description = "Worker id (its transactional id is NAMESPACE + worker-ID; with --lanes, the lanes' instead)."
            + " Default: host name and process id.")
    String id;

    @Option(names = "--context-tokens", defaultValue = "4096", paramLabel = "N",
            description = "Most document tokens the model reads per job. Default: ${DEFAULT-VALUE}.")
    int contextTokens;

    @Option(names = "--time-budget", defaultValue = "120", paramLabel = "SECONDS",
            description = "Most prefill seconds per job; caps the context budget on slow engines. Default: ${DEFAULT-VALUE}.")
    long timeBudgetSeconds;

    @Option(names = "--max-output-tokens", defaultValue = "48", paramLabel = "N",
            description = "Tokens decoded per summary or extracted field. Default: ${DEFAULT-VALUE}.")
    int maxOutputTokens;

    @Option(names = "--batch-sequences", defaultValue = "" + WorkerConfig.DEFAULT_BATCH_SEQUENCES, paramLabel = "N",
            description = "Sequences in the engine's batch: the task branches and document feeds of the orders in progress "
                    + "(1: one after another). Default: ${DEFAULT-VALUE}.")
    int batchSequences;

    @Option(names = "--concurrent-orders", defaultValue = "" + WorkerConfig.DEFAULT_CONCURRENT_ORDERS, paramLabel = "N",
            description = "Orders in progress at once, never two of one lane, sharing the engine's batched steps "
                    + "(1: one at a time). Default: ${DEFAULT-VALUE}.")
    int concurrentOrders;

    @Option(names = "--session-timeout", defaultValue = "15", paramLabel = "SECONDS",
            description = "How long the group waits for a worker that went silent before its lanes move "
                    + "(6 to 300 with the broker's defaults). Default: ${DEFAULT-VALUE}.")
    long sessionTimeoutSeconds;

    @Option(names = "--lanes", split = ",", paramLabel = "N[,N...]",
            description = "Pin this worker to these lanes (partitions of work) instead of joining the worker group; "
                    + "pinned lanes are not taken over when the worker is down.")
    java.util.List<Integer> lanes;

    @Mixin
    EngineOptions engine;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String workerId = id != null ? id : defaultId();
        WorkerConfig config = WorkerConfig.defaults(workerId, kafka.bootstrapServers, model)
                .withNamespace(kafka.namespace)
                .withEngine(engine.backendName(), engine.threads())
                .withContext(contextTokens, Duration.ofSeconds(timeBudgetSeconds))
                .withOutput(maxOutputTokens)
                .withBatch(batchSequences)
                .withConcurrentOrders(concurrentOrders)
                .withSessionTimeout(Duration.ofSeconds(sessionTimeoutSeconds))
                .withClientOverrides(kafka.clientOverrides());
        LaneAssignment assignment = lanes == null || lanes.isEmpty() ? LaneAssignment.group() : new LaneAssignment.Pinned(lanes);
        Faults faults = Faults.parse(System.getenv("LONGHAUL_FAULT"));
        Worker worker = new Worker(config, new Topics(kafka.namespace, kafka.registry()), assignment, faults);
        Runtime.getRuntime().addShutdownHook(new Thread(worker::close, "longhaul-worker-shutdown"));
        var out = spec.commandLine().getOut();
        out.printf("worker %s: backend %s, context budget %d document tokens per job (prefill %.0f tokens/s)%n",
                workerId, engine.backendName(), worker.budgetTokens(), worker.prefillTokensPerSecond());
        out.flush();
        worker.awaitStop();
        if (worker.failure().isPresent()) {
            // the poll loop failed on its own (logged with its stack trace): exit with an error, so
            // whatever runs this process notices and restarts it instead of leaving it idle
            spec.commandLine().getErr().println("worker " + workerId + " stopped: " + worker.failure().get());
            worker.close();
            return 1;
        }
        return 0;
    }

    private static String defaultId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "-");
        } catch (java.io.IOException e) {
            host = "worker";
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}
