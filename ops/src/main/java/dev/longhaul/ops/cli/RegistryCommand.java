/*
 * `longhaul registry [--port 8081] [--bootstrap-servers host:port] [--topic _longhaul-schemas]`:
 * runs the schema registry server (Confluent REST API, schemas kept in a Kafka topic) until the
 * process is interrupted. Several may run on one topic; each serves the same schemas. Its Kafka
 * clients get the configuration's security settings.
 */
package dev.longhaul.ops.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import dev.longhaul.ops.registry.RegistryConfig;
import dev.longhaul.ops.registry.RegistryServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "registry", mixinStandardHelpOptions = true,
        description = "Run the schema registry (Confluent REST API, schemas stored in a compacted Kafka topic) until interrupted.")
public final class RegistryCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "" + RegistryConfig.DEFAULT_PORT, description = "HTTP port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", defaultValue = "localhost",
            description = "Interface to listen on (default: ${DEFAULT-VALUE}; the registry has no authentication, so 0.0.0.0 "
                    + "only where the network is trusted, as in a cluster).")
    String host;

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--topic", defaultValue = RegistryConfig.DEFAULT_TOPIC, description = "Topic holding the schemas (default: ${DEFAULT-VALUE}).")
    String topic;

    @Spec
    CommandSpec spec;

    RegistryConfig config() {
        return RegistryConfig.defaults(bootstrapServers).withTopic(topic).withListener(host, port)
                .withClientOverrides(ConfigDefaults.of(spec).config().kafkaClientOverrides());
    }

    @Override
    public Integer call() throws InterruptedException {
        RegistryServer server = RegistryServer.start(config());
        CountDownLatch closed = new CountDownLatch(1);
        // Ctrl-C runs the shutdown hooks: stop serving and reading Kafka before the JVM goes.
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("registry-shutdown").unstarted(() -> {
            server.close();
            closed.countDown();
        }));
        spec.commandLine().getOut().printf("schema registry on port %d, schemas in topic %s at %s; Ctrl-C stops it%n",
                server.port(), topic, bootstrapServers);
        spec.commandLine().getOut().flush();
        closed.await();
        return 0;
    }
}
