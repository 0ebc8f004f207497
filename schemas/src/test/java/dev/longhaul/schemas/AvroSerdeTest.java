/*
 * The Confluent wire format as the serdes write and read it: header layout, round trips of every
 * record, one id per subject, reading an older or newer writer schema, and each malformed input
 * refused with its dead-letter reason.
 */
package dev.longhaul.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

import dev.longhaul.schemas.wire.AvroSerde;
import dev.longhaul.schemas.wire.DeadLetterReason;
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
import dev.longhaul.schemas.wire.WireFormatException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @SuppressWarnings("unchecked")
    private <T extends SpecificRecord> AvroSerde<T> serdeFor(T record) {
        return AvroSerde.forValues((Class<T>) record.getClass(), registry);
    }

    @Test
    void everyRecordRoundTripsBehindTheConfluentHeader() {
        for (SpecificRecord record : SampleRecords.all()) {
            AvroSerde<SpecificRecord> serde = serdeFor(record);
            byte[] bytes = serde.serialize("t", record);
            assertEquals(0, bytes[0], "magic byte");
            int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
            assertEquals(serde.schema(), registry.schemaById(id), "header names the writer schema");
            assertEquals(record, serde.deserialize("t", bytes), record.getClass().getSimpleName());
        }
    }

    @Test
    void aReaderSaysWhetherADecodeWouldAskTheRegistry() {
        byte[] bytes = AvroSerde.forValues(JobStatus.class, registry).serialize("t", SampleRecords.jobStatus());
        AvroSerde<JobStatus> reader = AvroSerde.forValues(JobStatus.class, registry);
        assertFalse(reader.needsNoLookup(bytes), "the writer's schema is not known to this reader yet");
        reader.deserialize("t", bytes);
        assertTrue(reader.needsNoLookup(bytes), "known now");
        byte[] otherId = bytes.clone();
        otherId[4]++;
        assertFalse(reader.needsNoLookup(otherId));
        assertTrue(reader.needsNoLookup(new byte[] {1, 0, 0, 0, 1}), "refused for its magic byte before any lookup");
        assertTrue(reader.needsNoLookup(new byte[] {0, 0}), "refused for its length before any lookup");
    }

        @Test
    void sameSchemaKeepsOneIdAcrossTopics() {
        AvroSerde<JobStatus> serde = AvroSerde.forValues(JobStatus.class, registry);
        byte[] a = serde.serialize("a", SampleRecords.jobStatus());
        byte[] b = serde.serialize("b", SampleRecords.jobStatus());
        assertArrayEquals(Arrays.copyOf(a, 5), Arrays.copyOf(b, 5));
        assertEquals("a-value", serde.subject("a"));
        assertEquals("a-key", AvroSerde.forKeys(JobStatus.class, registry).subject("a"));
    }

    @Test
    void newerWriterWithAnAddedFieldIsReadByTheCurrentClass() throws Exception {
        Schema current = JobStatus.getClassSchema();
        Schema next = new Schema.Parser().parse(current.toString().replaceFirst(
                "\"fields\":\\[", "\"fields\":[{\"name\":\"worker\",\"type\":\"string\",\"default\":\"\"},"));
        GenericRecord record = new GenericData.Record(next);
        JobStatus sample = SampleRecords.jobStatus();
        for (Schema.Field f : current.getFields()) {
            record.put(f.name(), GenericData.get().deepCopy(f.schema(), toGeneric(sample, f)));
        }
        record.put("worker", "w-7");
        byte[] bytes = frame(registry.register("t-value", next), next, record);
        assertEquals(sample, AvroSerde.forValues(JobStatus.class, registry).deserialize("t", bytes));
    }

    @Test
    void aRecordUsingAnEnumSymbolThisReaderLacksIsAnIncompatibleSchemaNotGarbage() throws Exception {
        // given a newer Control whose action enum adds ARCHIVE (the registry accepts it as BACKWARD)
        Schema current = Control.getClassSchema();
        Schema next = new Schema.Parser().parse(current.toString().replace("\"SET_PRIORITY\"]", "\"SET_PRIORITY\",\"ARCHIVE\"]"));
        byte[] bytes = frame(registry.register("t-value", next), next, control(next, "ARCHIVE"));
        // then this reader refuses it as a schema it cannot read yet (replay after an upgrade), not as noise
        assertReason(DeadLetterReason.INCOMPATIBLE_SCHEMA, AvroSerde.forValues(Control.class, registry), bytes);
        WireFormatException newer = assertThrows(WireFormatException.class,
                () -> AvroSerde.forValues(Control.class, registry).deserialize("t", bytes));
        assertTrue(newer.newerWriter(), "a valid record of a newer schema: readable after an upgrade");
        // a writer we cannot read that could not read our records either (an enum missing a symbol
        // of ours, and holding one we lack) is no successor: no upgrade of this reader helps
        Schema unrelated = new Schema.Parser().parse(current.toString().replace("\"SET_PRIORITY\"]", "\"ARCHIVE\"]"));
        byte[] otherBytes = frame(registry.register("u-value", unrelated), unrelated, control(unrelated, "ARCHIVE"));
        WireFormatException stranger = assertThrows(WireFormatException.class,
                () -> AvroSerde.forValues(Control.class, registry).deserialize("u", otherBytes));
        assertEquals(DeadLetterReason.INCOMPATIBLE_SCHEMA, stranger.reason());
        assertFalse(stranger.newerWriter(), "not a successor of the reader's schema");
        // while a record of that schema using a symbol it has reads
        byte[] known = frame(registry.register("t-value", next), next, control(next, "CANCEL"));
        assertEquals(ControlAction.CANCEL, AvroSerde.forValues(Control.class, registry).deserialize("t", known).getAction());
    }

    /** A Control of `schema` (a variant of ours) cancelling job-1 with the action named. */
    private static GenericRecord control(Schema schema, String action) {
        GenericRecord record = new GenericData.Record(schema);
        record.put("jobId", "job-1");
        record.put("action", new GenericData.EnumSymbol(schema.getField("action").schema(), action));
        record.put("priority", null);
        record.put("requestedAt", 1L);
        return record;
    }

    @Test
    void aWriterInAnotherNamespaceIsReadAsAvroResolvesIt() throws Exception {
        // given the status record as written by a producer whose schema moved to another namespace
        Schema current = JobStatus.getClassSchema();
        Schema moved = new Schema.Parser().parse(current.toString().replaceFirst(
                "\"namespace\":\"" + current.getNamespace() + "\"", "\"namespace\":\"org.elsewhere\""));
        assertEquals("org.elsewhere.JobStatus", moved.getFullName());
        GenericRecord record = new GenericData.Record(moved);
        JobStatus sample = SampleRecords.jobStatus();
        for (Schema.Field f : current.getFields()) {
            record.put(f.name(), GenericData.get().deepCopy(moved.getField(f.name()).schema(), toGeneric(sample, f)));
        }
        byte[] bytes = frame(registry.register("t-value", moved), moved, record);
        // then this reader reads it (Avro's compatibility check, which the registry applies, calls it compatible)
        assertEquals(sample, AvroSerde.forValues(JobStatus.class, registry).deserialize("t", bytes));
        // and a record of another name stays refused (the test above: Control read as JobStatus)
    }

    private static Object toGeneric(JobStatus sample, Schema.Field f) {
        Object v = sample.get(f.pos());
        if (v instanceof Enum<?> e) {
            return new GenericData.EnumSymbol(f.schema(), e.name());
        }
        if (v instanceof java.time.Instant instant) {
            return instant.toEpochMilli();
        }
        return v;
    }

    @Test
    void malformedValuesAreRefusedWithTheirReason() {
        AvroSerde<JobStatus> serde = AvroSerde.forValues(JobStatus.class, registry);
        byte[] good = serde.serialize("t", SampleRecords.jobStatus());
        assertReason(DeadLetterReason.NOT_AVRO, serde, new byte[] {0, 0, 1});
        byte[] badMagic = good.clone();
        badMagic[0] = 1;
        assertReason(DeadLetterReason.BAD_MAGIC, serde, badMagic);
        byte[] unknownId = good.clone();
        unknownId[4] = 99;
        assertReason(DeadLetterReason.UNKNOWN_SCHEMA_ID, serde, unknownId);
        byte[] truncated = Arrays.copyOf(good, good.length - 3);
        assertReason(DeadLetterReason.NOT_AVRO, serde, truncated);
        byte[] trailing = Arrays.copyOf(good, good.length + 2);
        assertReason(DeadLetterReason.NOT_AVRO, serde, trailing);
        byte[] otherRecord = AvroSerde.forValues(Control.class, registry).serialize("t", SampleRecords.control());
        assertReason(DeadLetterReason.INCOMPATIBLE_SCHEMA, serde, otherRecord);
        assertFalse(assertThrows(WireFormatException.class, () -> serde.deserialize("t", otherRecord)).newerWriter(),
                "a record of another type is not readable after any upgrade");
        assertReason(DeadLetterReason.BAD_MAGIC, serde, "plain text, not avro".getBytes());
        // a valid header, then a string length of 2^40: Avro refuses it with UnsupportedOperationException,
        // which once escaped and stopped the stream thread on every restart
        ByteArrayOutputStream huge = new ByteArrayOutputStream();
        huge.write(good, 0, 5);
        try {
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(huge, null);
            encoder.writeLong(1L << 40);
            encoder.flush();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertEquals(11, huge.size(), "a 5-byte header and a 6-byte length");
        assertReason(DeadLetterReason.NOT_AVRO, serde, huge.toByteArray());
    }

    /**
     * A length or count in the bytes larger than the bytes that follow: refused as NOT_AVRO without
     * allocating for it. The Avro release the build pins checks a string's, bytes' or collection's
     * prefix against the bytes left before it allocates; releases before it sized the value from the
     * prefix alone, so that a 13-byte record asked for an 8 GiB array and the OutOfMemoryError, past
     * every catch, stopped the stream thread on every restart. This holds the build to a release
     * that checks.
     */
    @Test
    void aLengthTheBytesCannotHoldAllocatesNothing() {
        long claimed = Integer.MAX_VALUE - 8; // the most Avro itself lets through
        // JobRequest: jobId "", tenant "", kind 0, then the tasks array's count
        assertRefusedCheaply(JobRequest.class, claimed, 0, 0, 0);
        // JobRequest: the same, the count written as a negative block count with a byte size
        assertRefusedCheaply(JobRequest.class, -claimed, 0, 0, 0);
        // Control: the jobId's length
        assertRefusedCheaply(Control.class, claimed);
        // DocumentChunk: jobId "", index 0, then the data's length
        assertRefusedCheaply(DocumentChunk.class, claimed, 0, 0);
        // WorkerHeartbeat: workerId "", backend "", then the lanes' count
        assertRefusedCheaply(WorkerHeartbeat.class, claimed, 0, 0);
    }

    /** Frames `prefix` bytes then `length` (zig-zag long) as a record of type, and checks its refusal costs little. */
    private <T extends SpecificRecord> void assertRefusedCheaply(Class<T> type, long length, int... prefix) {
        AvroSerde<T> serde = AvroSerde.forValues(type, registry);
        int id = registry.register("t-value", serde.schema());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(5).put((byte) 0).putInt(id).array());
        for (int b : prefix) {
            out.write(b);
        }
        try {
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            encoder.writeLong(length);
            if (length < 0) {
                encoder.writeLong(1L << 40); // the block's byte size
            }
            encoder.writeInt(7); // a few bytes after it, far fewer than it claims
            encoder.flush();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        byte[] bytes = out.toByteArray();
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertReason(DeadLetterReason.NOT_AVRO, serde, bytes);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 16 << 20, type.getSimpleName() + " with a length of " + length + " in " + bytes.length
                + " bytes allocated " + allocated + " bytes");
    }

    private static void assertReason(DeadLetterReason expected, AvroSerde<?> serde, byte[] bytes) {
        WireFormatException e = assertThrows(WireFormatException.class, () -> serde.deserialize("t", bytes));
        assertEquals(expected, e.reason(), e.getMessage());
    }

    private static byte[] frame(int id, Schema schema, GenericRecord record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(5).put((byte) 0).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
