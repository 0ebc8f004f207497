/*
 * Read side of the status table for ops (served over HTTP by ops' StatusServer): the latest
 * JobStatus of a job, from the materialized store STATUS_STORE of a running KafkaStreams.
 * lookup() says where the answer is: here (found, or no such job), at another instance (its
 * application.server, to forward the request to), or nowhere now (the store is restoring or
 * migrating, or the streams are not running). latest() answers from whatever this instance hosts.
 */
package dev.longhaul.pipeline.status;

import java.util.Optional;

import dev.longhaul.schemas.JobStatus;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

public final class JobStatusQuery {
    /** Job id -> latest JobStatus, materialized from `status`. */
    public static final String STATUS_STORE = "status-latest";

    private final KafkaStreams streams;

    public JobStatusQuery(KafkaStreams streams) {
        this.streams = streams;
    }

    /** The job's latest status if this instance hosts its partition and has seen one. */
    public Optional<JobStatus> latest(String jobId) {
        ReadOnlyKeyValueStore<String, JobStatus> store = streams.store(
                StoreQueryParameters.fromNameAndType(STATUS_STORE, QueryableStoreTypes.keyValueStore()));
        return Optional.ofNullable(store.get(jobId));
    }

    /** Which instance hosts the job's status, for forwarding a query. */
    public KeyQueryMetadata metadataFor(String jobId) {
        return streams.queryMetadataForKey(STATUS_STORE, jobId, Serdes.String().serializer());
    }

    /** Where a job's latest status is, as lookup() finds it. */
    public sealed interface Lookup {
        record Found(JobStatus status) implements Lookup {}

        /** This instance hosts the job's partition and has no status of it. */
        record Missing() implements Lookup {}

        /** Another instance hosts it: its application.server. */
        record Elsewhere(org.apache.kafka.streams.state.HostInfo host) implements Lookup {}

        record Unavailable(String why) implements Lookup {}
    }

    /**
     * The job's status from the partition that holds it, when this instance (`self`, its
     * application.server) is that partition's active host; otherwise where to ask.
     */
    public Lookup lookup(String jobId, org.apache.kafka.streams.state.HostInfo self) {
        KeyQueryMetadata meta;
        try {
            meta = metadataFor(jobId);
        } catch (IllegalStateException e) {
            return new Lookup.Unavailable(e.getMessage()); // not running
        }
        // no metadata yet, or a partition no instance holds now (Streams then names host "unavailable", port -1)
        if (meta == null || KeyQueryMetadata.NOT_AVAILABLE.equals(meta) || meta.activeHost().port() < 0) {
            return new Lookup.Unavailable("the status partition of " + jobId + " has no active host now (rebalancing)");
        }
        if (!meta.activeHost().equals(self)) {
            return new Lookup.Elsewhere(meta.activeHost());
        }
        try {
            ReadOnlyKeyValueStore<String, JobStatus> store = streams.store(StoreQueryParameters
                    .fromNameAndType(STATUS_STORE, QueryableStoreTypes.<String, JobStatus>keyValueStore())
                    .withPartition(meta.partition()));
            JobStatus status = store.get(jobId);
            return status == null ? new Lookup.Missing() : new Lookup.Found(status);
        } catch (org.apache.kafka.streams.errors.InvalidStateStoreException | IllegalStateException e) {
            return new Lookup.Unavailable(e.getMessage()); // restoring, migrating, or stopped
        } catch (dev.longhaul.schemas.wire.RegistryException | org.apache.kafka.common.errors.SerializationException e) {
            // the stored status is read through the registry: down, it is unavailable for now (503,
            // Retry-After), not an exception that resets the client's connection
            return new Lookup.Unavailable("the status of " + jobId + " cannot be read now: " + e.getMessage());
        }
    }
}
