/*
 * The timestamp a record without a valid one (-1, which a client other than Java's can write) is
 * processed at: its partition's time, or the wall clock when the partition has none yet (nothing
 * processed or committed there). Kafka's UsePartitionTimeOnInvalidTimestamp throws in that second
 * case, which stops the stream client on the record at every restart: one record on a tenant's
 * fresh partition would stop every instance, for every tenant.
 */
package dev.longhaul.pipeline;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

public final class InvalidTimestamps implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        long stamped = record.timestamp();
        if (stamped >= 0) {
            return stamped;
        }
        return partitionTime >= 0 ? partitionTime : System.currentTimeMillis();
    }
}
