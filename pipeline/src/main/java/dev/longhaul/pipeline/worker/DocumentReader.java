/*
 * Reads one job's document back out of the `documents` topic by the positions its WorkOrder
 * carries, chunk by chunk in index order, with a group-less read_committed consumer (assign + seek:
 * no offsets are committed for documents, they are only ever re-read). One chunk is in memory at a
 * time. Between two chunks of one partition it seeks past other jobs' records rather than reading
 * through them. A chunk that does not arrive within STALL is looked up: gone from the partition
 * (deleted by retention, below the log start, or past its end: a broken order or a truncated log),
 * or in a partition the topic does not have (a broken order, or a topic made again smaller),
 * fails the read at once; still there (a broker restarting, a leader moving) it is waited for, up to
 * GIVE_UP in all, so that an outage of a few minutes does not fail the read, nor hang the worker.
 * A read given up on that way fails with Stalled, which the worker counts as a failure that may
 * pass: the order runs again after a pause, within its tries, rather than failing its job for good.
 */
package dev.longhaul.pipeline.worker;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import dev.longhaul.schemas.ChunkPosition;
import dev.longhaul.schemas.DocumentChunk;
import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.WorkOrder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

final class DocumentReader implements ChunkSource, AutoCloseable {
    private static final Duration STALL = Duration.ofSeconds(30);
    private static final Duration GIVE_UP = Duration.ofMinutes(10);
    private static final Duration LOOKUP = Duration.ofSeconds(10);

    /** A chunk still in its partition that did not arrive within the time given up after: an outage, not the order's fault. */
    static final class Stalled extends IllegalStateException {
        Stalled(String message) {
            super(message);
        }
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Topic<String, DocumentChunk> topic;
    private final Duration stall;
    private final Duration giveUp;
    private final Duration lookup;

    DocumentReader(Map<String, Object> props, Topic<String, DocumentChunk> topic) {
        this(props, topic, STALL, GIVE_UP, LOOKUP);
    }

    /** With other waits than a worker's (tests): a lookup after `stall` without progress, each taking up to `lookup`. */
    DocumentReader(Map<String, Object> props, Topic<String, DocumentChunk> topic, Duration stall, Duration giveUp, Duration lookup) {
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topic = topic;
        this.stall = stall;
        this.giveUp = giveUp;
        this.lookup = lookup;
    }

    @Override
    public boolean read(WorkOrder order, ChunkSink sink) {
        return read(order, sink, () -> false);
    }

    /** Checks {@code stop} at every poll: a cancel or a revoked lane must not wait out a stalled chunk (minutes). */
    @Override
    public boolean read(WorkOrder order, ChunkSink sink, java.util.function.BooleanSupplier stop) {
        Deque<ChunkPosition> wanted = new ArrayDeque<>(positions(order));
        String jobId = order.getRequest().getJobId();
        int expectedIndex = 0;
        while (!wanted.isEmpty()) {
            ChunkPosition next = wanted.peekFirst();
            TopicPartition tp = new TopicPartition(topic.name(), next.getPartition());
            consumer.assign(List.of(tp));
            consumer.seek(tp, next.getOffset());
            long stalledSince = System.nanoTime();
            long lookedUpAt = stalledSince;
            boolean progressed = false;
            while (!progressed) {
                if (stop.getAsBoolean()) {
                    return false;
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    ChunkPosition head = wanted.peekFirst();
                    if (head == null || r.partition() != head.getPartition() || r.offset() < head.getOffset()) {
                        continue;
                    }
                    if (r.offset() > head.getOffset()) {
                        throw new IllegalStateException("chunk " + expectedIndex + " of job " + jobId + " at offset "
                                + head.getOffset() + " of " + tp + " is gone (compacted, deleted or aborted)");
                    }
                    DocumentChunk chunk = topic.values().deserializer().deserialize(topic.name(), r.value());
                    if (!chunk.getJobId().equals(jobId) || chunk.getIndex() != expectedIndex) {
                        throw new IllegalStateException("offset " + r.offset() + " of " + tp + " holds chunk "
                                + chunk.getIndex() + " of job " + chunk.getJobId() + ", expected chunk " + expectedIndex + " of " + jobId);
                    }
                    wanted.pollFirst();
                    expectedIndex++;
                    progressed = true;
                    if (!sink.accept(chunk)) {
                        return false;
                    }
                    ChunkPosition following = wanted.peekFirst();
                    if (following != null && following.getPartition() == tp.partition() && following.getOffset() > r.offset() + 1) {
                        consumer.seek(tp, following.getOffset()); // records of this poll before it are passed over above
                    }
                }
                long now = System.nanoTime();
                if (!progressed && now - lookedUpAt > stall.toNanos()) {
                    lookedUpAt = now;
                    ChunkPosition head = wanted.peekFirst();
                    String where = "chunk " + expectedIndex + " of job " + jobId + " at offset " + head.getOffset() + " of " + tp;
                    String gone = gone(tp, head.getOffset());
                    if (gone != null) {
                        throw new IllegalStateException(where + " is gone: " + gone);
                    }
                    if (now - stalledSince > giveUp.toNanos()) {
                        throw new Stalled(where + " did not arrive within " + giveUp.toSeconds() + " s (Kafka out of reach?)");
                    }
                }
                if (progressed && !wanted.isEmpty() && wanted.peekFirst().getPartition() == tp.partition()) {
                    // Keep reading the same partition without re-seeking: chunks sit close together.
                    progressed = false;
                    stalledSince = System.nanoTime();
                }
            }
        }
        return true;
    }

    /**
     * Why the chunk at offset of tp can never be read (the topic has no such partition, or its log
     * no longer spans offset), or null when it may still be or the broker cannot say now (keep waiting).
     */
    private String gone(TopicPartition tp, long offset) {
        try {
            List<org.apache.kafka.common.PartitionInfo> partitions = consumer.partitionsFor(tp.topic(), lookup);
            // offsets of a partition the metadata does not know would be waited for until the lookup timed out
            if (!partitions.isEmpty() && partitions.stream().noneMatch(p -> p.partition() == tp.partition())) {
                return "the topic has " + partitions.size() + " partitions, none numbered " + tp.partition();
            }
            Long start = consumer.beginningOffsets(List.of(tp), lookup).get(tp);
            Long end = consumer.endOffsets(List.of(tp), lookup).get(tp);
            return start != null && end != null && (offset < start || offset >= end)
                    ? "the partition no longer holds that offset" : null;
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            return null;
        }
    }

    private static List<ChunkPosition> positions(WorkOrder order) {
        List<ChunkPosition> positions = order.getChunks().getPositions();
        if (positions.size() != order.getRequest().getDocument().getChunkCount()) {
            throw new IllegalStateException("work order for " + order.getRequest().getJobId() + " locates "
                    + positions.size() + " chunks, the document has " + order.getRequest().getDocument().getChunkCount());
        }
        return positions;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
