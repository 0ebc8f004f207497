/*
 * Consumer lag of the catalog's topics through the Admin API: for each group (the workers'
 * `longhaul-workers` and the pipeline application's id), the read_committed end offsets minus the
 * group's committed offsets, summed per topic. A topic appears for a group once the group has
 * committed on any of its partitions; partitions it has not committed on count from their log start.
 * Under exactly-once each transaction leaves a marker that takes an offset, and an aborted one
 * leaves records no read_committed reader sees, so an idle partition's offsets are one or more
 * apart. A gap of at most CHECKED_GAP offsets is therefore read (read_committed, no group) and
 * counts only the records in it, within GAP_READ_BUDGET for all gaps of one measurement; the
 * answer for a (partition, from, to) never changes, so it is kept until the group or the log
 * moves on. A longer gap counts every offset: an upper bound, off by the markers and aborted
 * records in it. Offsets retention deleted (below the log start) never count. A topic that cannot
 * be described (not created yet, not authorized) or a group whose offsets cannot be read is left
 * out of the measurement rather than failing all of it; a gap that cannot be read in time counts
 * every offset.
 */
package dev.longhaul.ops.dashboard;

import java.time.Duration;
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
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

final class LagProbe implements AutoCloseable {
    private static final long TIMEOUT_SECONDS = 5;
    /** The longest gap between a committed and an end offset that is read to count its records. */
    static final long CHECKED_GAP = 16;
    /** How long one measurement may spend reading gaps, all of them together. */
    private static final Duration GAP_READ_BUDGET = Duration.ofSeconds(2);
    /** When the measurement under way stops reading gaps (System.nanoTime). */
    private long gapDeadline;

    /** Counts the records a read_committed reader would see between two offsets of a partition. */
    @FunctionalInterface
    interface Gaps {
        /** Every offset counts: what the lag is before any gap is read. */
        Gaps OFFSETS = (tp, from, to) -> to - from;

        long records(TopicPartition tp, long from, long to);
    }

    private final Admin admin;
    private final Consumer<byte[], byte[]> reader;
    private final Set<String> topicNames;
    private final List<String> groups;
    /** Per partition: the last gap read, as {from, to, records}. */
    private final Map<TopicPartition, long[]> readGaps = new HashMap<>();

    /** clientOverrides (security, SASL...) are applied over the admin client's own settings. */
    LagProbe(String bootstrapServers, Map<String, String> clientOverrides, Topics topics, List<String> groups) {
        Map<String, Object> props = new HashMap<>(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "longhaul-dashboard-lag"));
        props.putAll(clientOverrides);
        Map<String, Object> readerProps = new HashMap<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, "longhaul-dashboard-lag-gaps",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // retention deleting the head between the offsets lookup and the read: read from what is left
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                // a gap holds a few records at most, and one found is enough to count it: fetch little
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 1));
        readerProps.putAll(clientOverrides);
        this.admin = Admin.create(props);
        try {
            this.reader = new KafkaConsumer<>(readerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        } catch (RuntimeException e) {
            admin.close(Duration.ZERO);
            throw e;
        }
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
            Map<TopicPartition, Long> starts = new HashMap<>();
            if (!latest.isEmpty()) {
                admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
                Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
                latest.keySet().forEach(tp -> earliest.put(tp, OffsetSpec.earliest()));
                admin.listOffsets(earliest).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                        .forEach((tp, info) -> starts.put(tp, info.offset()));
            }
            gapDeadline = System.nanoTime() + GAP_READ_BUDGET.toNanos();
            List<TopicLag> out = new ArrayList<>();
            for (String group : groups) {
                Map<TopicPartition, OffsetAndMetadata> committed;
                try {
                    committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    continue; // a group this principal may not describe
                }
                out.addAll(lagOf(group, starts, ends, committed, this::records));
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while measuring lag", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaException("cannot measure consumer lag: " + e.getMessage(), e);
        }
    }

    /**
     * Per topic: end offsets and the group's committed offsets, summed over its partitions, and the
     * records between them as `gaps` counts them (zero where the committed offset is at the end). A
     * partition the group has not committed on counts from its log start (`starts`, 0 when not
     * given), and so does one whose committed offset retention has since deleted: what retention
     * deleted is not waiting for anyone.
     */
    static List<TopicLag> lagOf(String group, Map<TopicPartition, Long> starts, Map<TopicPartition, Long> ends,
                                Map<TopicPartition, OffsetAndMetadata> committed, Gaps gaps) {
        Set<String> consumed = committed.keySet().stream().map(TopicPartition::topic).collect(Collectors.toSet());
        Map<String, long[]> sums = new TreeMap<>();
        ends.forEach((tp, end) -> {
            if (consumed.contains(tp.topic())) {
                OffsetAndMetadata c = committed.get(tp);
                long start = starts.getOrDefault(tp, 0L);
                long at = c == null ? start : c.offset();
                long from = Math.max(at, start); // what retention deleted waits for no one
                long[] s = sums.computeIfAbsent(tp.topic(), t -> new long[3]);
                s[0] += end;
                s[1] += at;
                s[2] += end > from ? gaps.records(tp, from, end) : 0;
            }
        });
        List<TopicLag> out = new ArrayList<>();
        sums.forEach((topic, s) -> out.add(new TopicLag(topic, group, s[0], s[1], s[2])));
        return out;
    }

    /**
     * The records in [from, to) of tp: counted by reading when the gap is at most CHECKED_GAP
     * offsets (or taken from the last read of the same gap), otherwise every offset.
     */
    private long records(TopicPartition tp, long from, long to) {
        if (to - from > CHECKED_GAP) {
            return to - from;
        }
        long[] known = readGaps.get(tp);
        if (known != null && known[0] == from && known[1] == to) {
            return known[2];
        }
        long counted = 0;
        long deadline = gapDeadline;
        try {
            reader.assign(List.of(tp));
            reader.seek(tp, from);
            // the position passes markers and aborted records without returning them
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return to - from; // not read in time: every offset, and nothing kept
                }
                if (reader.position(tp, Duration.ofNanos(left)) >= to) {
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(100)).records(tp)) {
                    if (r.offset() < to) {
                        counted++;
                    }
                }
            }
        } catch (InterruptException e) {
            throw e;
        } catch (KafkaException e) {
            return to - from; // not ours to read, say: every offset, and nothing kept
        }
        readGaps.put(tp, new long[] {from, to, counted});
        return counted;
    }

    @Override
    public void close() {
        // an unreachable broker must not hold a shutdown for a minute
        try {
            reader.close(Duration.ofSeconds(5));
        } catch (java.util.ConcurrentModificationException stillMeasuring) {
            reader.wakeup(); // its thread did not end in time; the wakeup ends its read, and its client goes with the JVM
        } finally {
            admin.close(Duration.ofSeconds(5));
        }
    }
}
