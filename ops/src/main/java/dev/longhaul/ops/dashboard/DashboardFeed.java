/*
 * The dashboard's Kafka reader: one consumer with no group (nothing is committed and no worker's
 * or pipeline's group is disturbed), read_committed, assigned every partition of `status`,
 * `summaries`, `extractions`, `workers`, `dead-letters` and `work`, and read from the beginning.
 * From the beginning because `status` and `workers` are compacted tables: replaying them gives
 * the full job table and every worker's latest heartbeat at start-up; the model's rates use event
 * time, so history does not show up as current throughput. Partitions of topics not created yet
 * are picked up when they appear. Records that cannot be decoded are skipped and counted; a record
 * the registry could not be asked about (unreachable, or a server error) is read again after a
 * pause instead, since skipping it would lose it until the next start (a compacted status is not
 * written again). A failed poll or partition scan is counted, logged and retried: the thread never
 * ends but on close().
 */
package dev.longhaul.ops.dashboard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import dev.longhaul.schemas.Extraction;
import dev.longhaul.schemas.Summary;
import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkOrder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

final class DashboardFeed implements AutoCloseable {
    /** How often partitions of topics missing or grown since the last look are searched for. */
    private static final long RESCAN_MILLIS = 5_000;
    /** How often topics the broker refused are asked for again. */
    private static final long REFUSED_RETRY_MILLIS = 60_000;
    private long lastRefusedRetry;

    private final Topics topics;
    private final Throughput model;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<Topic<?, ?>> read;
    private final Set<TopicPartition> assigned = new HashSet<>();
    private final Set<String> refused = new HashSet<>(); // topics the broker would not let us read
    /** Where reading stopped in the partitions of a refused topic, to go on from when it is readable again. */
    private final Map<TopicPartition, Long> stoppedAt = new HashMap<>();
    private final AtomicLong scans = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong undecodable = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    /** clientOverrides (security, SASL...) are applied over the consumer's own settings. */
    DashboardFeed(String bootstrapServers, Map<String, String> clientOverrides, Topics topics, Throughput model) {
        this.topics = topics;
        this.model = model;
        this.read = List.of(topics.status, topics.summaries, topics.extractions, topics.workers, topics.deadLetters, topics.work);
        Map<String, Object> props = new HashMap<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, "longhaul-dashboard",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                // the feed looks for topics that may not exist yet: asking must not create them
                // (with the broker's defaults: one partition, not compacted)
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false));
        props.putAll(clientOverrides);
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::loop, "longhaul-dashboard-feed");
        thread.setDaemon(true);
        thread.start();
    }

    /** Records applied to the model so far. */
    long records() {
        return records.get();
    }

    /** Records skipped because they could not be decoded. */
    long undecodable() {
        return undecodable.get();
    }

    /** Scans for the topics' partitions done so far. */
    long scans() {
        return scans.get();
    }

    /** Polls that failed (and were retried after a pause). */
    long failures() {
        return failures.get();
    }

    /** Logs a failed poll, scan or registry lookup, at most once a minute. */
    private void warn(RuntimeException e) {
        long now = System.currentTimeMillis();
        if (now - lastWarning >= 60_000) {
            lastWarning = now;
            LOG.log(System.Logger.Level.WARNING, "dashboard feed: reading failed (retrying): " + e);
        }
    }

    private static final System.Logger LOG = System.getLogger(DashboardFeed.class.getName());
    private static final long FAILURE_BACKOFF_MILLIS = 1_000;
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    private long lastWarning = Long.MIN_VALUE / 2;

    private void loop() {
        long lastScan = 0;
        try {
            while (running) {
                long now = System.currentTimeMillis();
                try {
                    if (now - lastScan >= RESCAN_MILLIS) {
                        lastScan = now;
                        if (now - lastRefusedRetry >= REFUSED_RETRY_MILLIS) {
                            lastRefusedRetry = now;
                            refused.clear(); // ACLs change, credentials rotate: ask again now and then
                        }
                        assignNewPartitions();
                        scans.incrementAndGet();
                    }
                    if (assigned.isEmpty()) {
                        Thread.sleep(200);
                        continue;
                    }
                    if (!applyAll(consumer.poll(Duration.ofMillis(200)))) {
                        Thread.sleep(FAILURE_BACKOFF_MILLIS); // the registry did not answer: read those records again
                    }
                } catch (WakeupException e) {
                    throw e;
                } catch (org.apache.kafka.common.errors.TopicAuthorizationException e) {
                    // A topic this principal may not read (now): show the others rather than none.
                    failures.incrementAndGet();
                    warn(e);
                    refuse(e.unauthorizedTopics());
                    Thread.sleep(FAILURE_BACKOFF_MILLIS);
                } catch (RuntimeException e) {
                    // Not authorized for a topic, a broker that went away...: say so and try again,
                    // rather than end the thread and leave a page that looks live but never moves.
                    failures.incrementAndGet();
                    warn(e);
                    Thread.sleep(FAILURE_BACKOFF_MILLIS);
                }
            }
        } catch (WakeupException | InterruptedException e) {
            // close() asked the loop to stop.
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Stops reading topics the broker refused, and leaves them out of later scans. */
    private void refuse(Set<String> names) {
        refused.addAll(names);
        List<TopicPartition> dropped = assigned.stream().filter(tp -> names.contains(tp.topic())).toList();
        for (TopicPartition tp : dropped) {
            try {
                stoppedAt.put(tp, consumer.position(tp, Duration.ofSeconds(1)));
            } catch (RuntimeException e) {
                // no position known (never read, or not answerable now): read it from the start again
            }
        }
        if (assigned.removeAll(dropped)) {
            consumer.assign(assigned);
        }
    }

    private void assignNewPartitions() {
        List<TopicPartition> fresh = new ArrayList<>();
        for (Topic<?, ?> t : read) {
            if (refused.contains(t.name())) {
                continue;
            }
            List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(t.name(), Duration.ofSeconds(5));
            } catch (WakeupException e) {
                throw e;
            } catch (org.apache.kafka.common.errors.TopicAuthorizationException e) {
                failures.incrementAndGet();
                warn(e);
                refused.add(t.name());
                continue;
            } catch (RuntimeException e) {
                // A busy or restarting broker did not answer in time, credentials being rotated...:
                // try this topic again at the next scan, and the others now (the feed thread must
                // not die of it, or the dashboard stops moving).
                failures.incrementAndGet();
                warn(e);
                continue;
            }
            for (PartitionInfo p : infos == null ? List.<PartitionInfo>of() : infos) {
                TopicPartition tp = new TopicPartition(p.topic(), p.partition());
                if (!assigned.contains(tp)) {
                    fresh.add(tp);
                }
            }
        }
        if (!fresh.isEmpty()) {
            assigned.addAll(fresh);
            consumer.assign(assigned);
            placeFresh(consumer, fresh, stoppedAt);
        }
    }

    /**
     * Places partitions just assigned: one read before its topic was refused goes on where it
     * stopped (read again from the start, its results and dead letters would be counted twice),
     * the others start at the beginning. When every one of them goes on, no seek to the beginning
     * is asked at all: the consumer takes an empty list there as every partition it is assigned,
     * and would read all history again.
     */
    static void placeFresh(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer, List<TopicPartition> fresh,
                           Map<TopicPartition, Long> stoppedAt) {
        List<TopicPartition> unread = new ArrayList<>();
        for (TopicPartition tp : fresh) {
            Long at = stoppedAt.remove(tp);
            if (at == null) {
                unread.add(tp);
            } else {
                consumer.seek(tp, at);
            }
        }
        if (!unread.isEmpty()) {
            consumer.seekToBeginning(unread);
        }
    }

    /**
     * Applies a poll's records in order; false when the registry could not be asked about one, in
     * which case its partition is set back to it (the rest of that partition waits with it).
     */
    private boolean applyAll(org.apache.kafka.clients.consumer.ConsumerRecords<byte[], byte[]> polled) {
        boolean all = true;
        for (TopicPartition tp : polled.partitions()) {
            for (ConsumerRecord<byte[], byte[]> r : polled.records(tp)) {
                if (!apply(r)) {
                    failures.incrementAndGet();
                    consumer.seek(tp, r.offset());
                    all = false;
                    break;
                }
            }
        }
        return all;
    }

    /** Whether a registry error is worth a retry: no answer, or a server error. */
    static boolean transientRegistryError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof dev.longhaul.schemas.wire.RegistryException r) {
                return r.status() == 0 || r.status() >= 500;
            }
        }
        return false;
    }

    /** Applies one record; false (not applied) when the registry could not be asked about it. */
    private boolean apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return true; // a tombstone on a compacted topic: nothing to show
        }
        String name = r.topic();
        try {
            if (name.equals(topics.status.name())) {
                model.onStatus(decode(topics.status, r));
            } else if (name.equals(topics.summaries.name())) {
                Summary s = decode(topics.summaries, r);
                model.onResult(s.getJobId(), s.getUsage(), s.getTimings(), r.timestamp());
            } else if (name.equals(topics.extractions.name())) {
                Extraction e = decode(topics.extractions, r);
                model.onResult(e.getJobId(), e.getUsage(), e.getTimings(), r.timestamp());
            } else if (name.equals(topics.workers.name())) {
                model.onHeartbeat(decode(topics.workers, r));
            } else if (name.equals(topics.deadLetters.name())) {
                model.onDeadLetter(decode(topics.deadLetters, r));
            } else if (name.equals(topics.work.name())) {
                WorkOrder order = decode(topics.work, r);
                model.onLane(order.getRequest().getJobId(), order.getLane());
            }
            records.incrementAndGet();
        } catch (RuntimeException e) {
            if (transientRegistryError(e)) {
                warn(e);
                return false;
            }
            // A record the registry or schema cannot decode is the dead-letter topic's concern, not
            // the dashboard's: skip it and keep showing everything else.
            undecodable.incrementAndGet();
        }
        return true;
    }

    private static <V> V decode(Topic<?, V> topic, ConsumerRecord<byte[], byte[]> r) {
        return topic.values().deserializer().deserialize(r.topic(), r.value());
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
