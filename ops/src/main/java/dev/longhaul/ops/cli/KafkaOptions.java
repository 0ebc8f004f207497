/*
 * The options every Kafka-facing command shares (--bootstrap-servers, --registry-url,
 * --namespace), mapped onto the ingest library's typed config, and the one place the command line
 * chooses a schema registry client. Their defaults come from the effective configuration
 * (ConfigDefaults; the dev stack's addresses unless a file or the environment says otherwise), and
 * so do the Kafka security settings, which have no options: clientOverrides() is what every Kafka
 * client a command creates must be handed.
 */
package dev.longhaul.ops.cli;

import java.net.URI;
import java.util.Map;

import dev.longhaul.ingest.IngestConfig;
import dev.longhaul.sinks.SinkConfig;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;
import dev.longhaul.schemas.wire.SchemaRegistry;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

public final class KafkaOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "Kafka brokers (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--registry-url", paramLabel = "URL",
            description = "Schema registry, Confluent REST API (default: ${DEFAULT-VALUE}).")
    URI registryUrl;

    @Option(names = "--namespace", paramLabel = "PREFIX",
            description = "Topic name prefix (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    IngestConfig ingestConfig() {
        return IngestConfig.defaults(bootstrapServers).withNamespace(namespace).withClientOverrides(clientOverrides());
    }

    /** The same in `group`, or when it is null in `defaultGroup` of this namespace (Topics.scopedId). */
    SinkConfig sinkConfig(String group, String defaultGroup) {
        return sinkConfig(group != null ? group : dev.longhaul.schemas.Topics.scopedId(namespace, defaultGroup));
    }

    /** A sink's configuration on these brokers, namespace and client settings, in consumer group `group`. */
    SinkConfig sinkConfig(String group) {
        return SinkConfig.defaults(bootstrapServers, group).withNamespace(namespace).withClientOverrides(clientOverrides());
    }

    /** The registry the serdes use: any Confluent-compatible one, by URL. */
    SchemaRegistry registry() {
        return new RestSchemaRegistryClient(registryUrl);
    }

    /** Kafka client settings from the configuration (security.protocol, SASL, TLS stores). */
    Map<String, String> clientOverrides() {
        return ConfigDefaults.of(mixee).config().kafkaClientOverrides();
    }
}
