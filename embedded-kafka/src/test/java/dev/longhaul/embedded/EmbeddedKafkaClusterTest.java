package dev.longhaul.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaClusterTest {

    /**
     * Three nodes, replication factor 3, min.insync.replicas 2: with one node stopped, transactions
     * still commit (acks=all needs two in-sync replicas); the node restarts over its log and every
     * committed record is read once, the aborted one never.
     */
    @Test
    void transactionsCommitWhileOneOfThreeNodesIsDownAndItRejoins() throws Exception {
        try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(3, 2)) {
            cluster.createTopic("t", 2, Map.of());
            try (Admin admin = Admin.create(cluster.clientConfig())) {
                int replicas = admin.describeTopics(List.of("t")).allTopicNames().get().get("t").partitions().get(0).replicas().size();
                assertEquals(3, replicas, "replicas of t");
            }
            Map<String, Object> pc = new HashMap<>(cluster.clientConfig());
            pc.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-cluster");
            try (var producer = new KafkaProducer<>(pc, new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                commit(producer, "before");
                cluster.stop(1);
                commit(producer, "during");
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t", "k", "aborted"));
                producer.abortTransaction();
                cluster.start(1);
                commit(producer, "after");
            }
            assertEquals(List.of("after", "before", "during"), readCommitted(cluster).stream().sorted().toList());
        }
    }

    private static void commit(KafkaProducer<String, String> producer, String value) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>("t", value, value));
        producer.commitTransaction();
    }

    private static List<String> readCommitted(EmbeddedKafkaCluster cluster) {
        Map<String, Object> cc = new HashMap<>(cluster.clientConfig());
        cc.put(ConsumerConfig.GROUP_ID_CONFIG, "g");
        cc.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cc.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> seen = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(cc, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("t"));
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (seen.size() < 3 && System.nanoTime() < end) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(r.value());
                }
            }
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                seen.add(r.value());
            }
        }
        return seen;
    }
}
