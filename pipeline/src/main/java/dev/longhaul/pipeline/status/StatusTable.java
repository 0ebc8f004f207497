/*
 * Materializes the latest JobStatus of each job in JobStatusQuery.STATUS_STORE, from the decoded
 * records of `status` (keyed by job id, in the order each job's statuses were written). A processor
 * rather than KStream#toTable: the status records are decoded by a processor first, and toTable
 * after it would add a repartition topic that re-keys nothing. A job whose latest status is final
 * is forgotten `retention` after that status's updatedAt (the planner's settled-job retention), by
 * a wall-clock sweep of StoreSweep.SLICE entries per punctuation, so the table does not grow with
 * every job ever run. A stale status (JobStates.staleAfter: a late progress tick after a final
 * status, or a leftover of an earlier life of the job id) is not only ignored: the latest status
 * is written to `status` again, after it, because `status` is compacted and compaction keeps a
 * key's last record: left alone, the tick would outlive the final status, and a follower reading
 * the topic later would see a finished job RUNNING for ever.
 */
package dev.longhaul.pipeline.status;

import java.time.Duration;

import dev.longhaul.pipeline.state.StoreSweep;
import dev.longhaul.schemas.JobStates;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

public final class StatusTable implements Processor<String, JobStatus, String, JobStatus> {
    private final Duration retention;
    private final Duration interval;
    private final StoreSweep<JobStatus> retentionSweep = new StoreSweep<>();
    private KeyValueStore<String, JobStatus> latest;
    private ProcessorContext<String, JobStatus> context;

    /** Final statuses kept for `retention`, swept every `interval`. */
    public StatusTable(Duration retention, Duration interval) {
        this.retention = retention;
        this.interval = interval;
    }

    public static StoreBuilder<KeyValueStore<String, JobStatus>> storeBuilder(Topics topics) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JobStatusQuery.STATUS_STORE),
                Serdes.String(), topics.status.values());
    }

    @Override
    public void init(ProcessorContext<String, JobStatus> context) {
        this.context = context;
        latest = context.getStateStore(JobStatusQuery.STATUS_STORE);
        context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::sweep);
    }

    /**
     * Keeps the record as the job's latest, unless it is stale: a progress tick sent outside the
     * transactions (by a worker that has lost its lane and not yet noticed) may land after the
     * committed SUCCEEDED, and must not make a finished job look as if it ran for ever (nor keep it
     * from the sweep). The latest status is forwarded, to be written after the stale one (see
     * above). Reading it back changes nothing, and writes nothing again: a status that is stale
     * after itself (the planner's cancel of an id it knows nothing of, stale after any final
     * status) would otherwise be written back and read again for ever.
     */
    @Override
    public void process(Record<String, JobStatus> record) {
        JobStatus before = latest.get(record.key());
        if (record.value().equals(before)) {
            return; // the latest, read again: the topic already ends with it
        }
        if (JobStates.staleAfter(before, record.value())) {
            context.forward(record.withValue(before));
            return;
        }
        latest.put(record.key(), record.value());
    }

    private void sweep(long now) {
        for (KeyValue<String, JobStatus> kv : retentionSweep.next(latest)) {
            JobStatus status = kv.value;
            if (JobStates.isFinal(status.getState()) && now - status.getUpdatedAt().toEpochMilli() >= retention.toMillis()) {
                latest.delete(kv.key);
            }
        }
    }
}
