/*
 * Reads the `control` topic from its beginning on every partition (no consumer group: every worker
 * must see every cancel) on a virtual thread, remembers cancelled job ids, and tells the worker as
 * each arrives so a running job stops at its next chunk or decode step. A job cancelled before a
 * worker takes it is found by isCancelled() when its order comes up.
 */
package dev.longhaul.pipeline.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.ControlAction;
import dev.longhaul.schemas.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

final class ControlListener implements AutoCloseable {
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Topics topics;
    private final Consumer<String> onCancel;
    private final Thread thread;
    private volatile boolean running = true;

    ControlListener(WorkerConfig config, Topics topics, Consumer<String> onCancel) {
        this.consumer = new KafkaConsumer<>(config.assignedConsumer("control"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topics = topics;
        this.onCancel = onCancel;
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(topics.control.name(), Duration.ofSeconds(30))) {
            partitions.add(new TopicPartition(p.topic(), p.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = Thread.ofVirtual().name("longhaul-control-" + config.workerId()).start(this::loop);
    }

    boolean isCancelled(String jobId) {
        return cancelled.contains(jobId);
    }

    private void loop() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Control c;
                    try {
                        c = topics.control.values().deserializer().deserialize(r.topic(), r.value());
                    } catch (RuntimeException e) {
                        continue; // not ours to dead-letter: the pipeline validates control records
                    }
                    // The key is the job id the pipeline cancels; a value naming another job is refused there, and ignored here.
                    boolean keyMatches = r.key() != null && c != null
                            && java.util.Arrays.equals(r.key(), c.getJobId().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    if (keyMatches && c.getAction() == ControlAction.CANCEL) {
                        cancelled.add(c.getJobId());
                        onCancel.accept(c.getJobId());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
