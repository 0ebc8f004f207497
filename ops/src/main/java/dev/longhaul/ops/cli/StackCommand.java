/*
 * `longhaul stack [--kafka-port 9092] [--registry-port 8081] [--data DIR] [--tenant-quota-tokens N] [--no-pipeline]`:
 * the embedded dev stack (DevStack: one KRaft broker, the schema registry, the pipeline
 * application; with --no-pipeline only the first two, for a `longhaul pipeline` of its own, as
 * the soak benchmark runs it to see each process's memory) as a process of its own, until interrupted, so workers and submitters can run in
 * other processes against it (the pipeline suite measures a worker's memory that way). Prints the
 * bootstrap servers and the registry URL once everything is up. Without --data all state lives in
 * a temporary folder deleted on exit.
 */
package dev.longhaul.ops.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.longhaul.ops.stack.DevStack;
import dev.longhaul.pipeline.PipelineConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "stack", mixinStandardHelpOptions = true,
        description = "Run the embedded dev stack (Kafka broker, schema registry, pipeline) until interrupted.")
public final class StackCommand implements Callable<Integer> {
    @Option(names = "--kafka-port", defaultValue = "9092", paramLabel = "PORT", description = "Broker port (0: a free one). Default: ${DEFAULT-VALUE}.")
    int kafkaPort;

    @Option(names = "--registry-port", defaultValue = "8081", paramLabel = "PORT",
            description = "Schema registry port (0: a free one). Default: ${DEFAULT-VALUE}.")
    int registryPort;

    @Option(names = "--data", paramLabel = "DIR", description = "Keep the broker's log and the pipeline's state here (default: a temporary folder).")
    Path data;

    @Option(names = "--tenant-quota-tokens", paramLabel = "N",
            description = "Estimated tokens a tenant may have outstanding; a job estimated above it is refused (default: the pipeline's).")
    Long tenantQuotaTokens;

    @Option(names = "--no-pipeline", description = "Run only the broker and the registry; the pipeline runs elsewhere (`longhaul pipeline`).")
    boolean noPipeline;

    @Spec
    CommandSpec spec;

    /**
     * The pipeline defaults on one broker: one replica, the configured topic namespace (what the
     * worker and the clients started beside it use: LONGHAUL_NAMESPACE, the config file), and the
     * quota when given.
     */
    PipelineConfig pipelineConfig() {
        PipelineConfig d = PipelineConfig.DEFAULTS;
        String namespace = ConfigDefaults.of(spec).config().namespace();
        PipelineConfig c = d.withKafka(new PipelineConfig.Kafka(PipelineConfig.defaultApplicationId(namespace), namespace, 1,
                d.kafka().commitInterval()));
        if (tenantQuotaTokens != null) {
            PipelineConfig.Limits l = d.limits();
            c = c.withLimits(new PipelineConfig.Limits(l.maxDocumentBytes(), l.maxChunks(), l.allowedKinds(),
                    new PipelineConfig.TenantQuotas(Map.of(), tenantQuotaTokens), l.incompleteJobTimeout(), l.settledJobRetention()));
        }
        return c;
    }

    @Override
    public Integer call() throws InterruptedException {
        if (kafkaPort < 0 || kafkaPort > 65535 || registryPort < 0 || registryPort > 65535) {
            throw new IllegalArgumentException("ports must be 0..65535");
        }
        DevStack stack = DevStack.start(new DevStack.Options(data, kafkaPort, registryPort, pipelineConfig(), !noPipeline));
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean closing = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            closing.set(true);
            stack.close();
            stopped.countDown();
        }, "longhaul-stack-shutdown"));
        var out = spec.commandLine().getOut();
        out.println("bootstrap servers: " + stack.bootstrapServers());
        out.println("registry url: " + stack.registryUrl());
        out.flush();
        // As `longhaul pipeline` does: Streams stops by itself after a fatal error, and a stack whose
        // pipeline is gone would otherwise go on serving a broker where no job is ever planned.
        while (!stopped.await(1, TimeUnit.SECONDS)) {
            if (noPipeline || closing.get()) {
                continue;
            }
            if (stack.pipeline().failed()) {
                spec.commandLine().getErr().println("longhaul stack: the pipeline's Streams application failed (state "
                        + stack.pipeline().streams().state()
                        + "); stopping the stack");
                spec.commandLine().getErr().flush();
                return Longhaul.ERROR; // the shutdown hook closes the stack as the process exits
            }
        }
        return 0;
    }
}
