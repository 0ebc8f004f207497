/*
 * Read side of the status table for ops (to be served over HTTP): the latest JobStatus of a job,
 * from the local materialized store STATUS_STORE of a running KafkaStreams. Contract: answers for
 * job ids whose status partition this instance hosts; metadataFor tells which instance hosts the
 * others, so the HTTP layer can forward the request there.
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
}
