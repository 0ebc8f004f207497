/*
 * Everything a sink is configured with, validated once, defaults in one place (defaults()): the
 * broker and topic namespace, the consumer group (one per sink, so each destination keeps its own
 * committed offsets), how much one poll may hand the sink, and when the file sink rotates. Kafka
 * consumer properties are derived here and nowhere else; clientOverrides (security, SASL..., handed in
 * by ops) are applied last.
 */
package dev.longhaul.sinks;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

import org.apache.kafka.clients.consumer.ConsumerConfig;

public record SinkConfig(
        String bootstrapServers,
        String namespace,
        String groupId,
        Duration pollTimeout,
        int maxPollRecords,
        long maxFileBytes,
        Duration maxFileAge,
        Map<String, String> clientOverrides) {

    /** The group of the JSON Lines sink; its committed offsets say what the files hold. */
    public static final String FILES_GROUP = "longhaul-sink-files";
    /** The group of the Parquet file sink (its own, so that both formats can run side by side). */
    public static final String PARQUET_FILES_GROUP = "longhaul-sink-parquet";
    /** The group of the PostgreSQL sink. */
    public static final String POSTGRES_GROUP = "longhaul-sink-postgres";

    public SinkConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(pollTimeout, "pollTimeout");
        Objects.requireNonNull(maxFileAge, "maxFileAge");
        if (groupId.isBlank()) {
            throw new IllegalArgumentException("group id must not be blank");
        }
        if (pollTimeout.isNegative() || pollTimeout.isZero() || maxPollRecords < 1) {
            throw new IllegalArgumentException("poll timeout > 0 and max poll records ≥ 1; got " + pollTimeout + ", " + maxPollRecords);
        }
        // A rotation limit of a few bytes would still work (one record a file) but is surely a typo.
        if (maxFileBytes < 1024 || maxFileAge.toMillis() < 1) {
            throw new IllegalArgumentException("max file bytes ≥ 1024 and max file age ≥ 1 ms; got " + maxFileBytes + ", " + maxFileAge);
        }
        clientOverrides = Map.copyOf(clientOverrides == null ? Map.of() : clientOverrides);
    }

    /**
     * Defaults: the dev stack's namespace; batches of up to 500 results (one fsync or one database
     * transaction each); files closed at 64 MiB or after an hour, whichever comes first.
     */
    public static SinkConfig defaults(String bootstrapServers, String groupId) {
        return new SinkConfig(bootstrapServers, "longhaul.", groupId, Duration.ofMillis(500), 500,
                64L << 20, Duration.ofHours(1), Map.of());
    }

    public SinkConfig withNamespace(String ns) {
        return new SinkConfig(bootstrapServers, ns, groupId, pollTimeout, maxPollRecords, maxFileBytes, maxFileAge, clientOverrides);
    }

    public SinkConfig withBatch(int records, Duration timeout) {
        return new SinkConfig(bootstrapServers, namespace, groupId, timeout, records, maxFileBytes, maxFileAge, clientOverrides);
    }

    public SinkConfig withRotation(long bytes, Duration age) {
        return new SinkConfig(bootstrapServers, namespace, groupId, pollTimeout, maxPollRecords, bytes, age, clientOverrides);
    }

    /** Extra consumer settings (security, SASL, TLS stores) applied last. */
    public SinkConfig withClientOverrides(Map<String, String> overrides) {
        return new SinkConfig(bootstrapServers, namespace, groupId, pollTimeout, maxPollRecords, maxFileBytes, maxFileAge, overrides);
    }

    /**
     * The results consumer: in this sink's group, read_committed (an aborted worker transaction
     * never reaches a destination), offsets committed by hand only after the sink's write is durable,
     * and from the beginning of the topics when the group has no offsets yet.
     */
    /** The producer of dead letters (records of the result topics that do not decode): acks=all, idempotent. */
    Map<String, Object> deadLetterProducerProperties() {
        Map<String, Object> p = new HashMap<>();
        p.put(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(org.apache.kafka.clients.producer.ProducerConfig.CLIENT_ID_CONFIG, groupId + "-dead-letters-" + ProcessHandle.current().pid());
        p.put(org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG, "all");
        p.put(org.apache.kafka.clients.producer.ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.putAll(clientOverrides);
        return p;
    }

    Map<String, Object> consumerProperties() {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, groupId + "-" + ProcessHandle.current().pid());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // a sink started before the pipeline must not create its topics with the broker's defaults
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        p.putAll(clientOverrides);
        return p;
    }
}
