package dev.longhaul.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaTest {

    /** Transactions work end to end: an aborted batch is invisible to read_committed, a committed one is read once. */
    @Test
    void transactionalWritesAreReadCommitted() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("t", 2, Map.of());
            Map<String, Object> pc = new HashMap<>(kafka.clientConfig());
            pc.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-test");
            try (var producer = new KafkaProducer<>(pc, new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t", "a", "aborted"));
                producer.abortTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t", "b", "committed"));
                producer.commitTransaction();
            }
            Map<String, Object> cc = new HashMap<>(kafka.clientConfig());
            cc.put(ConsumerConfig.GROUP_ID_CONFIG, "g");
            cc.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            cc.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            List<String> seen = new ArrayList<>();
            try (var consumer = new KafkaConsumer<>(cc, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("t"));
                long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (seen.isEmpty() && System.nanoTime() < end) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        seen.add(r.value());
                    }
                }
                // Drain a little longer: the aborted record must never show up.
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    seen.add(r.value());
                }
            }
            assertEquals(List.of("committed"), seen);
        }
    }

    /** A broker over a kept data directory restarts with its topics and records. */
    @Test
    void keptDataDirectorySurvivesRestart(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).start()) {
            kafka.createTopic("kept", 1, Map.of("cleanup.policy", "compact"));
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).start();
             var admin = org.apache.kafka.clients.admin.Admin.create(kafka.clientConfig())) {
            assertEquals(true, admin.listTopics().names().get().contains("kept"));
        }
    }

    @Test
    void aBrokerThatCannotStartLeavesNoTemporaryFolder(@org.junit.jupiter.api.io.TempDir java.nio.file.Path parent) throws Exception {
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("localhost"))) {
            java.util.concurrent.atomic.AtomicInteger picks = new java.util.concurrent.atomic.AtomicInteger();
            org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> EmbeddedKafka.builder().port(busy.getLocalPort()).temporaryParent(parent)
                            .portPicker(() -> {
                                picks.incrementAndGet();
                                return EmbeddedKafka.freePort();
                            }).start().close());
            // a fixed port that is taken stays taken: one start, not one per try
            org.junit.jupiter.api.Assertions.assertEquals(3, picks.get(), "ports picked for one start only");
        }
        try (var left = java.nio.file.Files.list(parent)) {
            org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(), left.toList(), "the failed start's folder is gone");
        }
        // a setting Kafka refuses, before any port is bound
        org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> EmbeddedKafka.builder().temporaryParent(parent).brokerConfig("num.network.threads", "none").start().close());
        try (var left = java.nio.file.Files.list(parent)) {
            org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(), left.toList(), "a refused setting leaves no folder");
        }
    }
    @Test
    void aPickedPortTakenBeforeTheBrokerBindsItIsReplacedByAnother() throws Exception {
        // another process takes the client port between the pick and the broker's bind
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("localhost"))) {
            java.util.concurrent.atomic.AtomicInteger picks = new java.util.concurrent.atomic.AtomicInteger();
            java.util.function.IntSupplier picker = () -> picks.getAndIncrement() == 0 ? busy.getLocalPort() : EmbeddedKafka.freePort();
            try (EmbeddedKafka kafka = EmbeddedKafka.builder().portPicker(picker).start()) {
                kafka.createTopic("after-retry", 1, java.util.Map.of());
                org.junit.jupiter.api.Assertions.assertFalse(kafka.bootstrapServers().endsWith(":" + busy.getLocalPort()), kafka.bootstrapServers());
            }
        }
    }
}
