/*
 * The WorkerHeartbeat's batch fill fields were added after heartbeats were already on the compacted
 * `workers` topic: the current schema must read a heartbeat written without them (BACKWARD, as the
 * registry checks) with every batch figure 0, and a reader of the old schema (a dispatcher not yet
 * upgraded) must read a current heartbeat (FORWARD), keeping its lanes and load.
 */
package dev.longhaul.schemas;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaValidatorBuilder;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

class HeartbeatBatchFillEvolutionTest {
    private static final List<String> ADDED = List.of("batchSteps", "batchSequencesPerStep", "batchMaxSequences",
            "batchTokensPerStep", "batchTokenBudget");

    @Test
    void aHeartbeatWrittenBeforeTheBatchFieldsReadsWithZeroes() throws Exception {
        // given the schema as it was before the batch fields, and a heartbeat written with it
        Schema current = WorkerHeartbeat.getClassSchema();
        Schema before = withoutAdded(current);
        byte[] old = write(before, SampleRecords.workerHeartbeat());
        // when the current schema is validated against it and reads it
        assertDoesNotThrow(() -> new SchemaValidatorBuilder().canReadStrategy().validateLatest().validate(current, List.of(before)));
        GenericRecord read = read(old, before, current);
        // then every batch figure is its default and the load is kept
        assertEquals(0L, read.get("batchSteps"));
        assertEquals(0.0, read.get("batchSequencesPerStep"));
        assertEquals(0, read.get("batchMaxSequences"));
        assertEquals(0.0, read.get("batchTokensPerStep"));
        assertEquals(0, read.get("batchTokenBudget"));
        assertEquals(620_000L, read.get("outstandingCostTokens"));
    }

    @Test
    void aReaderOfTheOldSchemaReadsACurrentHeartbeat() throws Exception {
        // given a current heartbeat with batch figures
        Schema current = WorkerHeartbeat.getClassSchema();
        Schema before = withoutAdded(current);
        WorkerHeartbeat now = WorkerHeartbeat.newBuilder(SampleRecords.workerHeartbeat()).setBatchSteps(12)
                .setBatchSequencesPerStep(2.5).setBatchMaxSequences(8).setBatchTokensPerStep(40).setBatchTokenBudget(263).build();
        // when the old schema is validated against the current one and reads the record
        assertDoesNotThrow(() -> new SchemaValidatorBuilder().canReadStrategy().validateLatest().validate(before, List.of(current)));
        GenericRecord read = read(write(current, now), current, before);
        // then the fields it knows are there
        assertEquals(List.of(0, 3), read.get("lanes"));
        assertEquals(12_500.5, read.get("capacityTokensPerSecond"));
    }

    private static Schema withoutAdded(Schema current) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : current.getFields()) {
            if (!ADDED.contains(f.name())) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        return Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
    }

    /** The heartbeat's fields that `writer` has, written with it (generically: the old schema has no class). */
    private static byte[] write(Schema writer, WorkerHeartbeat heartbeat) throws IOException {
        GenericData data = new GenericData();
        data.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
        GenericData.Record record = new GenericData.Record(writer);
        for (Schema.Field f : writer.getFields()) {
            record.put(f.name(), heartbeat.get(f.name()));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(writer, data).write(record, encoder);
        encoder.flush();
        return bytes.toByteArray();
    }

    private static GenericRecord read(byte[] bytes, Schema writer, Schema reader) throws IOException {
        return new GenericDatumReader<GenericRecord>(writer, reader).read(null, DecoderFactory.get().binaryDecoder(bytes, null));
    }
}
