/*
 * Test helpers over a real (embedded) broker: create a namespace's topics with several partitions
 * and read a topic back the way downstream does, read_committed, from the beginning to its last
 * stable offset. Test-only code.
 */
package dev.longhaul.ingest;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

final class Topics4Test {
    static final int PARTITIONS = 3;

    private Topics4Test() {}

    static void createAll(EmbeddedKafka kafka, Topics topics) {
        for (var entry : topics.all()) {
            kafka.createTopic(entry.getKey().name(), PARTITIONS, entry.getValue());
        }
    }

    /** Every committed record of {@code topic}, partition by partition, each in offset order. */
    static <V> List<ConsumerRecord<String, V>> readCommitted(EmbeddedKafka kafka, Topic<String, V> topic) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, V>> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(config, topic.keys().deserializer(), topic.values().deserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Instant giveUp = Instant.now().plusSeconds(30);
            Map<TopicPartition, Long> ends = settledEnds(kafka, consumer, parts, giveUp);
            while (parts.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (Instant.now().isAfter(giveUp)) {
                    throw new IllegalStateException("could not read " + topic.name() + " to its end " + ends);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /**
     * The last stable offsets once no transaction is pending: commitTransaction returns before the
     * broker has written the commit markers into every partition, and until then the stable
     * offset lags the high watermark and a reader would stop short.
     */
    private static Map<TopicPartition, Long> settledEnds(EmbeddedKafka kafka, KafkaConsumer<?, ?> committed,
            List<TopicPartition> parts, Instant giveUp) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        try (var uncommitted = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            while (true) {
                Map<TopicPartition, Long> stable = committed.endOffsets(parts);
                if (stable.equals(uncommitted.endOffsets(parts))) {
                    return stable;
                }
                if (Instant.now().isAfter(giveUp)) {
                    throw new IllegalStateException("a transaction stays open on " + parts);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }
}
