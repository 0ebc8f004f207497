/*
 * The registry server's settings: where Kafka is, which topic holds the schemas, where to listen,
 * and how long one request may wait on Kafka. Immutable and validated; defaults in defaults().
 * The Kafka client properties of the store are derived here, in one place, clientOverrides
 * (security, SASL, TLS stores) last.
 */
package dev.longhaul.ops.registry;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * @param bootstrapServers Kafka's bootstrap.servers
 * @param topic the compacted, single-partition topic the schemas live in (created if missing)
 * @param host the interface to listen on
 * @param port the HTTP port; 0 picks a free one (tests)
 * @param timeout how long one request may wait on Kafka before it fails with 50002
 * @param clientOverrides extra Kafka client settings applied last to every client (security, SASL...)
 */
public record RegistryConfig(String bootstrapServers, String topic, String host, int port, Duration timeout,
                             Map<String, String> clientOverrides) {
    public static final String DEFAULT_TOPIC = "_longhaul-schemas";
    /** Confluent's port, so that tools find the registry where they expect one. */
    public static final int DEFAULT_PORT = 8081;

    public RegistryConfig {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrap servers are required");
        }
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("the schemas topic needs a name");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not a TCP port");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, not " + timeout);
        }
        clientOverrides = Map.copyOf(clientOverrides == null ? Map.of() : clientOverrides);
    }

    /** The default topic and timeout, on localhost at port 8081 (the registry has no authentication). */
    public static RegistryConfig defaults(String bootstrapServers) {
        return new RegistryConfig(bootstrapServers, DEFAULT_TOPIC, "localhost", DEFAULT_PORT, Duration.ofSeconds(30), Map.of());
    }

    public RegistryConfig withTopic(String name) {
        return new RegistryConfig(bootstrapServers, name, host, port, timeout, clientOverrides);
    }

    public RegistryConfig withListener(String listenHost, int listenPort) {
        return new RegistryConfig(bootstrapServers, topic, listenHost, listenPort, timeout, clientOverrides);
    }

    public RegistryConfig withClientOverrides(Map<String, String> overrides) {
        return new RegistryConfig(bootstrapServers, topic, host, port, timeout, overrides);
    }

    /**
     * The one transactional.id every instance's writer shares: initializing it fences every other
     * instance's writer, which is what makes it the registry's write lock.
     */
    public String writerTransactionalId() {
        return topic + "-writer";
    }

    Map<String, Object> adminProperties() {
        Map<String, Object> p = new HashMap<>();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.putAll(clientOverrides);
        return p;
    }

    /** The materializer: no group (it assigns the one partition and reads from the start), committed data only. */
    Map<String, Object> consumerProperties() {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // the log creates its topic itself, compacted
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.putAll(clientOverrides);
        return p;
    }

    Map<String, Object> producerProperties() {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, writerTransactionalId());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(timeout.toMillis(), 1_000L));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000L));
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.putAll(clientOverrides);
        return p;
    }
}
