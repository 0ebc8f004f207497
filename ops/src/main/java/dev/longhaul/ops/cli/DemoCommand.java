/*
 * `longhaul demo [--once] [--model DIR] ...`: the Kafka demo (KafkaDemo): an embedded broker, the
 * schema registry, the pipeline and one worker in this process, then generated contracts and logs
 * and this checkout as jobs, each result printed as it commits. --once exits when the samples are
 * done (0 when every job has a result for every task, 1 otherwise) and takes free ports, so CI can
 * run it beside anything; without it the stack keeps serving on the usual ports until Ctrl-C.
 * `longhaul demo engine` is the engine demo (golden checks and a generation, no Kafka).
 */
package dev.longhaul.ops.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.longhaul.ops.demo.KafkaDemo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true, subcommands = DemoEngineCommand.class,
        description = "Run the Kafka demo: broker, schema registry, pipeline and a worker in this process, then sample jobs"
                + " (generated contracts and logs, and this repository), printing each result with timings and token counts."
                + " Serves until Ctrl-C unless --once. `demo engine` runs the engine demo (golden checks, generation).")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--once", description = "Process the sample jobs and exit: 0 when every job has a result for every task.")
    boolean once;

    @Option(names = "--model", paramLabel = "DIR",
            description = "HF-format MiniMax model folder for the worker (default: the bundled model, synthesized once into .longhaul/models).")
    Path model;

    @Option(names = "--context-tokens", defaultValue = "2048", paramLabel = "N",
            description = "Most document tokens the model reads per job. Default: ${DEFAULT-VALUE}.")
    int contextTokens;

    @Option(names = "--max-output-tokens", defaultValue = "16", paramLabel = "N",
            description = "Tokens decoded per summary or extracted field. Default: ${DEFAULT-VALUE}.")
    int maxOutputTokens;

    @Option(names = "--kafka-port", paramLabel = "PORT", description = "Broker port (0: a free one). Default: 9092, or a free one with --once.")
    Integer kafkaPort;

    @Option(names = "--registry-port", paramLabel = "PORT",
            description = "Schema registry port (0: a free one). Default: 8081, or a free one with --once.")
    Integer registryPort;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of the generated documents. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS",
            description = "With --once, how long to wait for the results. Default: ${DEFAULT-VALUE}.")
    long timeoutSeconds;

    @Mixin
    EngineOptions engine;

    @Spec
    CommandSpec spec;

    /** The repository root: the launcher passes it; run straight from an IDE, the working folder. */
    static Path home() {
        return Path.of(System.getProperty("longhaul.home", ".")).toAbsolutePath().normalize();
    }

    KafkaDemo.Options options(Path home) {
        int kafka = kafkaPort != null ? kafkaPort : once ? 0 : 9092;
        int registry = registryPort != null ? registryPort : once ? 0 : 8081;
        if (kafka < 0 || kafka > 65535 || registry < 0 || registry > 65535) {
            throw new IllegalArgumentException("ports must be 0..65535");
        }
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("--timeout must be at least 1 second, got " + timeoutSeconds);
        }
        KafkaDemo.Run run = new KafkaDemo.Run(once ? KafkaDemo.Mode.ONCE : KafkaDemo.Mode.SERVE, kafka, registry,
                Duration.ofSeconds(timeoutSeconds));
        KafkaDemo.Engine e = new KafkaDemo.Engine(Optional.ofNullable(model), engine.backendName(), engine.threads(),
                contextTokens, maxOutputTokens);
        KafkaDemo.Samples samples = new KafkaDemo.Samples(home.resolve(".longhaul/demo/samples"), home, seed, 1.0);
        var config = ConfigDefaults.of(spec).config();
        return new KafkaDemo.Options(home, run, e, samples, config.namespace(), config.dashboard().port(), config.dashboard().token().value());
    }

    @Override
    public Integer call() throws Exception {
        KafkaDemo.Options options = options(home());
        if (model != null && !Files.isRegularFile(model.resolve("config.json"))) {
            throw new IllegalArgumentException("--model " + model + ": no config.json there; not a model folder");
        }
        return new KafkaDemo(options, spec.commandLine().getOut()).run();
    }
}
