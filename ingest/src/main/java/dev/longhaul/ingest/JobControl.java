/*
 * Sends commands about submitted jobs to the `control` topic, keyed by job id: CANCEL, SET_PRIORITY,
 * PAUSE and RESUME. Each call waits until the broker has acknowledged the record (idempotent
 * producer, acks=all), so a returned command is durable; whether it takes effect is the pipeline's
 * business: a job already in a final state ignores every command; a priority change applies while
 * the job waits for a lane; a pause of a running job stops it, and its worker hands it back to wait,
 * paused, until a resume, after which it runs again from the beginning. A tenant's client
 * refuses a priority above the default, which the pipeline's gate would lower unseen.
 * Thread-safe (KafkaProducer is).
 */
package dev.longhaul.ingest;

import java.time.Clock;
import java.util.concurrent.ExecutionException;

import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.ControlAction;
import dev.longhaul.schemas.RequestLimits;
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
    /** A tenant's client (IngestConfig.tenant()). */
    private final boolean tenant;
    private final IngestConfig config;
    /** Whether the cluster has said the `control` topic exists (asked before the first command, not at construction). */
    private boolean topicSeen;

    public JobControl(IngestConfig config, SchemaRegistry registry) {
        this(new Topics(config.namespace(), registry), config, Clock.systemUTC());
    }

    private JobControl(Topics topics, IngestConfig config, Clock clock) {
        this.topics = topics;
        this.producer = new KafkaProducer<>(config.kafkaProperties(IngestConfig.Client.CONTROL),
                topics.control.keys().serializer(), topics.control.values().serializer());
        this.clock = clock;
        this.tenant = config.tenant() != null;
        this.config = config;
    }

    /** Asks the pipeline to cancel {@code jobId}; returns where the command was written. */
    public RecordMetadata cancel(String jobId) {
        return send(jobId, ControlAction.CANCEL, null);
    }

    /** Asks the pipeline to give {@code jobId} this priority while it waits for a lane (higher goes first). */
    public RecordMetadata setPriority(String jobId, int priority) {
        if (tenant) {
            RequestLimits.requireTenantPriority(priority);
        }
        return send(jobId, ControlAction.SET_PRIORITY, priority);
    }

    /** Asks the pipeline to keep {@code jobId} from starting until resume(); its deadline still runs. */
    public RecordMetadata pause(String jobId) {
        return send(jobId, ControlAction.PAUSE, null);
    }

    /** Asks the pipeline to let a paused {@code jobId} start again. */
    public RecordMetadata resume(String jobId) {
        return send(jobId, ControlAction.RESUME, null);
    }

    private RecordMetadata send(String jobId, ControlAction action, Integer priority) {
        JobIds.requireValid(jobId);
        synchronized (this) {
            if (!topicSeen) {
                // a mistyped namespace on a cluster that creates topics on first use would take the
                // command into a topic nobody reads, and report it sent
                Submitter.requireTopics(config, java.util.List.of(topics.control.name()));
                topicSeen = true;
            }
        }
        Control command = Control.newBuilder()
                .setJobId(jobId)
                .setAction(action)
                .setPriority(priority)
                .setRequestedAt(clock.instant())
                .build();
        try {
            return producer.send(new ProducerRecord<>(topics.control.name(), jobId, command)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while writing " + action + " for " + jobId, e);
        } catch (ExecutionException e) {
            throw new KafkaException("cannot write " + action + " for " + jobId + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
