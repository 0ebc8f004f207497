/*
 * Consumer lag of the catalog's topics through the Admin API: for each group (the workers'
 * `longhaul-workers` and the pipeline application's id), the read_committed end offsets minus the
 * group's committed offsets, summed per topic. A topic appears for a group once the group has
 * committed on any of its partitions; partitions it has not committed on count from offset 0.
 * Under exactly-once each transaction leaves a marker that takes an offset, so an idle partition
 * may show a lag of one or two; that is Kafka's bookkeeping, not a waiting record. A topic that
 * cannot be described (not created yet, not authorized) or a group whose offsets cannot be read is
 * left out of the measurement rather than failing all of it.
 */
package dev.longhaul.ops.dashboard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import dev.longhaul.ops.dashboard.ThroughputSnapshot.TopicLag;
import dev.longhaul.schemas.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

final class LagProbe implements AutoCloseable {
    private static final long TIMEOUT_SECONDS = 5;

    private final Admin admin;
    private final Set<String> topicNames;
    private final List<String> groups;

    /** clientOverrides (security, SASL...) are applied over the admin client's own settings. */
    LagProbe(String bootstrapServers, Map<String, String> clientOverrides, Topics topics, List<String> groups) {
        Map<String, Object> props = new HashMap<>(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "longhaul-dashboard-lag"));
        props.putAll(clientOverrides);
        this.admin = Admin.create(props);
        this.topicNames = topics.all().stream().map(e -> e.getKey().name()).collect(Collectors.toSet());
        this.groups = List.copyOf(groups);
    }

    /** One measurement: a TopicLag per (group, catalog topic) the group has committed on. */
    List<TopicLag> measure() {
        try {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (var described : admin.describeTopics(topicNames).topicNameValues().values()) {
                TopicDescription d;
                try {
                    d = described.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    continue; // not created yet, or not ours to read: the others are measured
                }
                d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
            }
            Map<TopicPartition, Long> ends = new HashMap<>();
            if (!latest.isEmpty()) {
                admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
            }
            List<TopicLag> out = new ArrayList<>();
            for (String group : groups) {
                Map<TopicPartition, OffsetAndMetadata> committed;
                try {
                    committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    continue; // a group this principal may not describe
                }
                out.addAll(lagOf(group, ends, committed));
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while measuring lag", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaException("cannot measure consumer lag: " + e.getMessage(), e);
        }
    }

    /** Per topic: end offsets and the group's committed offsets, summed over its partitions. */
    static List<TopicLag> lagOf(String group, Map<TopicPartition, Long> ends, Map<TopicPartition, OffsetAndMetadata> committed) {
        Set<String> consumed = committed.keySet().stream().map(TopicPartition::topic).collect(Collectors.toSet());
        Map<String, long[]> sums = new TreeMap<>();
        ends.forEach((tp, end) -> {
            if (consumed.contains(tp.topic())) {
                OffsetAndMetadata c = committed.get(tp);
                long at = c == null ? 0 : c.offset();
                long[] s = sums.computeIfAbsent(tp.topic(), t -> new long[3]);
                s[0] += end;
                s[1] += at;
                s[2] += Math.max(0, end - at);
            }
        });
        List<TopicLag> out = new ArrayList<>();
        sums.forEach((topic, s) -> out.add(new TopicLag(topic, group, s[0], s[1], s[2])));
        return out;
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(5)); // an unreachable broker must not hold a shutdown for a minute
    }
}
