/*
 * Sends commands about submitted jobs to the `control` topic, keyed by job id: today CANCEL. Each
 * call waits until the broker has acknowledged the record (idempotent producer, acks=all), so a
 * returned cancel is durable; whether it takes effect is the pipeline's business (a job already in
 * a final state ignores it). Thread-safe (KafkaProducer is).
 */
package dev.longhaul.ingest;

import java.time.Clock;
import java.util.concurrent.ExecutionException;

import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.ControlAction;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.SchemaRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;

public final class JobControl implements AutoCloseable {
    private final Topics topics;
    private final Producer<String, Control> producer;
    private final Clock clock;

    public JobControl(IngestConfig config, SchemaRegistry registry) {
        this(new Topics(config.namespace(), registry), config, Clock.systemUTC());
    }

    private JobControl(Topics topics, IngestConfig config, Clock clock) {
        this.topics = topics;
        this.producer = new KafkaProducer<>(config.kafkaProperties(IngestConfig.Client.CONTROL),
                topics.control.keys().serializer(), topics.control.values().serializer());
        this.clock = clock;
    }

    /** Asks the pipeline to cancel {@code jobId}; returns where the command was written. */
    public RecordMetadata cancel(String jobId) {
        JobIds.requireValid(jobId);
        Control command = Control.newBuilder()
                .setJobId(jobId)
                .setAction(ControlAction.CANCEL)
                .setPriority(null)
                .setRequestedAt(clock.instant())
                .build();
        try {
            return producer.send(new ProducerRecord<>(topics.control.name(), jobId, command)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while cancelling " + jobId, e);
        } catch (ExecutionException e) {
            throw new KafkaException("cannot write the cancel of " + jobId + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
