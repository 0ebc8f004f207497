/*
 * Materializes the latest JobStatus of each job in JobStatusQuery.STATUS_STORE, from the decoded
 * records of `status` (keyed by job id, in the order each job's statuses were written). A processor
 * rather than KStream#toTable: the status records are decoded by a processor first, and toTable
 * after it would add a repartition topic that re-keys nothing.
 */
package dev.longhaul.pipeline.status;

import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

public final class StatusTable implements Processor<String, JobStatus, Void, Void> {
    private KeyValueStore<String, JobStatus> latest;

    public static StoreBuilder<KeyValueStore<String, JobStatus>> storeBuilder(Topics topics) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JobStatusQuery.STATUS_STORE),
                Serdes.String(), topics.status.values());
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        latest = context.getStateStore(JobStatusQuery.STATUS_STORE);
    }

    @Override
    public void process(Record<String, JobStatus> record) {
        latest.put(record.key(), record.value());
    }
}
