/*
 * `longhaul dashboard [--port 8080] [--host localhost] [--pipeline-app-id ID]` plus the Kafka
 * options: the ops dashboard (page, JSON API, server-sent events, Prometheus /metrics) against a
 * running broker and registry, until interrupted. Prints the page's URL once it listens, with the
 * API's bearer token in its fragment (dashboard.token, or one generated at start). It runs
 * no pipeline of its own, so job lookups come from the status topic it replays.
 */
package dev.longhaul.ops.cli;

import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import dev.longhaul.ops.dashboard.Dashboard;
import dev.longhaul.ops.dashboard.DashboardConfig;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.SchemaRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = "Serve the ops dashboard (throughput, lanes, latency, lag, jobs, cancel) and Prometheus /metrics.")
public final class DashboardCommand implements Callable<Integer> {
    @Option(names = "--port", paramLabel = "PORT",
            description = "HTTP port (0: a free one). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--host", defaultValue = "localhost", paramLabel = "HOST",
            description = "Address to listen on (0.0.0.0 for every interface). Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--pipeline-app-id", paramLabel = "ID",
            description = "The pipeline's Kafka Streams application id, whose lag is shown (default: the pipeline's "
                    + "default in this namespace).")
    String pipelineAppId;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    DashboardConfig config() {
        DashboardConfig c = DashboardConfig.DEFAULTS.withHost(host).withPort(port).withKafkaClientOverrides(kafka.clientOverrides())
                .withToken(ConfigDefaults.of(spec).config().dashboard().token().value());
        return c.withPipelineApplicationId(pipelineAppId != null ? pipelineAppId
                : dev.longhaul.pipeline.PipelineConfig.defaultApplicationId(kafka.namespace));
    }

    @Override
    public Integer call() throws InterruptedException {
        SchemaRegistry registry = kafka.registry();
        Dashboard dashboard = Dashboard.start(config(), kafka.bootstrapServers, new Topics(kafka.namespace, registry),
                registry, Optional.empty());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dashboard.close();
            stopped.countDown();
        }, "longhaul-dashboard-shutdown"));
        var out = spec.commandLine().getOut();
        // the page's address carries the token; a configured one is a secret the operator already
        // has (and stdout goes to logs), so only a generated one is shown
        boolean configured = !ConfigDefaults.of(spec).config().dashboard().token().value().isBlank();
        out.println("dashboard: " + (configured ? dashboard.url() + " (with the configured dashboard.token)" : dashboard.pageUrl()));
        out.flush();
        stopped.await();
        return 0;
    }
}
