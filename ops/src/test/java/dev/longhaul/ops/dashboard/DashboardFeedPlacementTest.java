/*
 * Where the dashboard's feed reads partitions it assigns again after their topic was refused
 * (an ACL that denied reading, lifted): each goes on where it stopped, and no other partition is
 * moved. On a real broker, since the consumer's handling of an empty seek list is the point.
 */
package dev.longhaul.ops.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.longhaul.embedded.EmbeddedKafka;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class DashboardFeedPlacementTest {
    @Test
    void partitionsGoingOnWhereTheyStoppedLeaveTheOthersWhereTheyAre() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            TopicPartition results = new TopicPartition("results", 0);
            TopicPartition letters = new TopicPartition("letters", 0);
            TopicPartition grown = new TopicPartition("grown", 0);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
                for (TopicPartition tp : List.of(results, letters, grown)) {
                    for (int i = 0; i < 3; i++) {
                        producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, new byte[] {(byte) i})).get();
                    }
                }
            }
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.assign(List.of(results));
                int read = 0;
                long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (read < 3 && System.nanoTime() < end) {
                    read += consumer.poll(Duration.ofMillis(200)).count();
                }
                assertEquals(3, read);
                assertEquals(3, consumer.position(results));

                // letters was read up to 2 before it was refused; now it is readable again
                Map<TopicPartition, Long> stoppedAt = new HashMap<>(Map.of(letters, 2L));
                consumer.assign(List.of(results, letters));
                DashboardFeed.placeFresh(consumer, List.of(letters), stoppedAt);
                assertEquals(2, consumer.position(letters), "goes on where it stopped");
                assertEquals(3, consumer.position(results), "a partition not placed is not read again from the start");
                assertEquals(Map.of(), stoppedAt);

                // a partition never read starts at the beginning, beside one that goes on
                stoppedAt.put(letters, 1L);
                consumer.assign(List.of(results, letters, grown));
                DashboardFeed.placeFresh(consumer, List.of(letters, grown), stoppedAt);
                assertEquals(1, consumer.position(letters));
                assertEquals(0, consumer.position(grown));
                assertEquals(3, consumer.position(results));
            }
        }
    }
}
