/*
 * The options every Kafka-facing command shares (--bootstrap-servers, --registry-url,
 * --namespace), mapped onto the ingest library's typed config, and the one place the command line
 * chooses a schema registry client. Defaults match the embedded dev stack.
 */
package dev.longhaul.ops.cli;

import java.net.URI;

import dev.longhaul.ingest.IngestConfig;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;
import dev.longhaul.schemas.wire.SchemaRegistry;
import picocli.CommandLine.Option;

public final class KafkaOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", defaultValue = "localhost:9092",
            description = "Kafka brokers (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--registry-url", paramLabel = "URL", defaultValue = "http://localhost:8081",
            description = "Schema registry, Confluent REST API (default: ${DEFAULT-VALUE}).")
    URI registryUrl;

    @Option(names = "--namespace", paramLabel = "PREFIX", defaultValue = "longhaul.",
            description = "Topic name prefix (default: ${DEFAULT-VALUE}).")
    String namespace;

    IngestConfig ingestConfig() {
        return IngestConfig.defaults(bootstrapServers).withNamespace(namespace);
    }

    /** The registry the serdes use: any Confluent-compatible one, by URL. */
    SchemaRegistry registry() {
        return new RestSchemaRegistryClient(registryUrl);
    }
}
