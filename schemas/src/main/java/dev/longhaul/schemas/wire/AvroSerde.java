/*
 * Kafka serde for the generated Avro records in the Confluent wire format: magic byte 0, the
 * writer schema's 4-byte big-endian registry id, then Avro binary. Subjects follow Confluent's
 * TopicNameStrategy ({topic}-value or {topic}-key). Serializing registers the record's schema once
 * per subject (cached); deserializing looks the writer schema up by id (cached) and resolves it to
 * this reader's class, so older and newer writers are read as long as the schemas are compatible.
 * Decoding failures are WireFormatExceptions carrying a DeadLetterReason.
 */
package dev.longhaul.schemas.wire;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.longhaul.schemas.RecordTrust;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

public final class AvroSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
    public static final byte MAGIC = 0;
    public static final int HEADER_BYTES = 5;

    private final Class<T> type;
    private final Schema readerSchema;
    private final SchemaRegistry registry;
    private final boolean forKeys;
    private final SpecificDatumWriter<T> writer;
    private final Map<String, Integer> idsBySubject = new ConcurrentHashMap<>();
    /** A reader for one writer schema, and whether every value of that schema resolves to ours. */
    private record Reader<T>(SpecificDatumReader<T> reader, boolean resolvesAll, boolean newer) {}

    /** Whether every value written with `writer` resolves to `reader` (Avro's schema resolution). */
    private static boolean compatible(Schema reader, Schema writer) {
        return org.apache.avro.SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType()
                == org.apache.avro.SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
    }

    private final Map<Integer, Reader<T>> readersById = new ConcurrentHashMap<>();

    private AvroSerde(Class<T> type, SchemaRegistry registry, boolean forKeys) {
        RecordTrust.install();
        this.type = type;
        this.readerSchema = SpecificData.get().getSchema(type);
        this.registry = registry;
        this.forKeys = forKeys;
        this.writer = new SpecificDatumWriter<>(readerSchema);
    }

    /** A serde for record values of {@code type}. */
    public static <T extends SpecificRecord> AvroSerde<T> forValues(Class<T> type, SchemaRegistry registry) {
        return new AvroSerde<>(type, registry, false);
    }

    /** A serde for record keys of {@code type}. */
    public static <T extends SpecificRecord> AvroSerde<T> forKeys(Class<T> type, SchemaRegistry registry) {
        return new AvroSerde<>(type, registry, true);
    }

    public Schema schema() {
        return readerSchema;
    }

    public String subject(String topic) {
        return topic + (forKeys ? "-key" : "-value");
    }

    /**
     * Registers this serde's schema under `topic`'s subject now, as the first record serialized
     * there would, and returns its id (cached: the registry is asked once per subject). A writer
     * calls it before work whose records must not meet an unreachable registry when they are built.
     */
    public int register(String topic) {
        return idsBySubject.computeIfAbsent(subject(topic), s -> registry.register(s, readerSchema));
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        int id = register(topic);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(MAGIC);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new org.apache.kafka.common.errors.SerializationException(
                    "cannot write " + type.getSimpleName() + " to " + topic + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    @Override
    public T deserialize(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        int id = schemaId(bytes);
        Reader<T> reader = readersById.computeIfAbsent(id, this::readerFor);
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES, null);
        try {
            T record = reader.reader().read(null, decoder);
            if (!decoder.isEnd()) {
                throw new WireFormatException(DeadLetterReason.NOT_AVRO,
                        "trailing bytes after a " + type.getSimpleName() + " on " + topic);
            }
            return record;
        } catch (org.apache.avro.AvroTypeException e) {
            // a writer schema newer than ours (an enum symbol we lack, a type we cannot promote) is
            // a valid record this consumer cannot read yet, to be read after an upgrade; from a
            // writer whose every value resolves, it can only be bytes that are not that schema's
            String message = "a record of schema id " + id + " on " + topic + " cannot be read as this " + type.getSimpleName() + ": " + e;
            throw reader.resolvesAll() ? new WireFormatException(DeadLetterReason.NOT_AVRO, message, e)
                    : reader.newer() ? WireFormatException.ofNewerWriter(message, e)
                    : new WireFormatException(DeadLetterReason.INCOMPATIBLE_SCHEMA, message, e);
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException
                 | UnsupportedOperationException e) {
            // UnsupportedOperationException: Avro's answer to a length prefix past 2^31 - 9 ("cannot read
            // strings longer than..."), which a 14-byte record can carry; left to escape, it stopped the
            // stream thread on every restart instead of dead-lettering the record
            throw new WireFormatException(DeadLetterReason.NOT_AVRO,
                    "bytes on " + topic + " are not a " + type.getSimpleName() + " of schema id " + id + ": " + e, e);
        }
    }

    /**
     * Whether deserialize(bytes) would not ask the registry: the writer's schema is known here
     * already, or the bytes are refused before any lookup (not Confluent-framed).
     */
    public boolean needsNoLookup(byte[] bytes) {
        if (bytes == null) {
            return true;
        }
        try {
            return readersById.containsKey(schemaId(bytes));
        } catch (WireFormatException e) {
            return true; // refused for its header, before any lookup
        }
    }

    /** The registry id in a Confluent-framed value; refuses anything else with its reason. */
    public static int schemaId(byte[] bytes) {
        if (bytes.length < HEADER_BYTES) {
            throw new WireFormatException(DeadLetterReason.NOT_AVRO,
                    "a " + bytes.length + "-byte value is shorter than the 5-byte Confluent header");
        }
        if (bytes[0] != MAGIC) {
            throw new WireFormatException(DeadLetterReason.BAD_MAGIC,
                    "magic byte is " + (bytes[0] & 0xff) + ", expected 0 (Confluent wire format)");
        }
        return ByteBuffer.wrap(bytes, 1, 4).getInt();
    }

    private Reader<T> readerFor(int id) {
        Schema writerSchema = registry.schemaById(id);
        // Avro's own name rule (SchemaCompatibility's, the one the registry checks changes with):
        // the same name, namespace aside, or a reader alias naming the writer. A namespace move or
        // an alias-based rename the registry accepted must not dead-letter every record across it.
        boolean sameRecord = writerSchema.getType() == readerSchema.getType()
                && (writerSchema.getName().equals(readerSchema.getName()) || readerSchema.getAliases().contains(writerSchema.getFullName()));
        if (!sameRecord) {
            throw new WireFormatException(DeadLetterReason.INCOMPATIBLE_SCHEMA,
                    "schema id " + id + " is " + writerSchema.getFullName() + ", not " + readerSchema.getFullName());
        }
        boolean resolvesAll = compatible(readerSchema, writerSchema);
        // a successor of our schema (the registry's BACKWARD rule: it reads what we write) is newer;
        // a writer we cannot read that could not read us either is not (an old version across a
        // chain of changes that were each compatible, a schema from elsewhere): no upgrade helps
        boolean newer = !resolvesAll && compatible(writerSchema, readerSchema);
        return new Reader<>(new SpecificDatumReader<>(writerSchema, readerSchema), resolvesAll, newer);
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        // Configured by its factory methods; Kafka's reflective configuration is not used.
    }

    @Override
    public void close() {
        // Nothing held: the registry's lifetime belongs to its owner.
    }
}
