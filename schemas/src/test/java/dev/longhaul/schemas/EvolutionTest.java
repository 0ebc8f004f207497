/*
 * Schema evolution, checked as the registry will check it (Avro's SchemaValidatorBuilder, BACKWARD:
 * the new schema must read everything written with the latest one). For every topic record the
 * next version, built here from the current one by adding one field with a default, is accepted and
 * fills the default when reading old data; a new field without a default, and a changed field type,
 * are refused.
 */
package dev.longhaul.schemas;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaValidationException;
import org.apache.avro.SchemaValidator;
import org.apache.avro.SchemaValidatorBuilder;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EvolutionTest {
    private static final SchemaValidator BACKWARD = new SchemaValidatorBuilder().canReadStrategy().validateLatest();
    private static final int ADDED_DEFAULT = 7;

    @BeforeAll
    static void trustGeneratedRecords() {
        RecordTrust.install();
    }

    static List<SpecificRecord> records() {
        return SampleRecords.all();
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("records")
    void addingAFieldWithADefaultIsBackwardCompatible(SpecificRecord sample) throws IOException {
        // given the current schema and a next version with one more field that has a default
        Schema v1 = sample.getSchema();
        Schema v2 = withField(v1, new Schema.Field("addedInV2", Schema.create(Schema.Type.INT),
                "A field a later version adds.", ADDED_DEFAULT));
        // when validated as the registry does, then it is accepted, and Avro's own check agrees
        assertDoesNotThrow(() -> BACKWARD.validate(v2, List.of(v1)));
        assertEquals(SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(v2, v1).getType());
        // and data written with v1 reads under v2, old fields unchanged and the new one defaulted
        byte[] written = RoundTripTest.encode(sample);
        GenericRecord asV1 = new GenericDatumReader<GenericRecord>(v1)
                .read(null, DecoderFactory.get().binaryDecoder(written, null));
        GenericRecord asV2 = new GenericDatumReader<GenericRecord>(v1, v2)
                .read(null, DecoderFactory.get().binaryDecoder(written, null));
        for (Schema.Field field : v1.getFields()) {
            assertEquals(asV1.get(field.name()), asV2.get(field.name()), field.name());
        }
        assertEquals(ADDED_DEFAULT, asV2.get("addedInV2"));
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("records")
    void addingANullableFieldDefaultingToNullIsBackwardCompatible(SpecificRecord sample) {
        Schema v1 = sample.getSchema();
        Schema v2 = withField(v1, new Schema.Field("noteInV2",
                Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)),
                "An optional field a later version adds.", Schema.Field.NULL_DEFAULT_VALUE));
        assertDoesNotThrow(() -> BACKWARD.validate(v2, List.of(v1)));
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("records")
    void addingAFieldWithoutADefaultIsRefused(SpecificRecord sample) {
        // given a next version whose new field has no default, old data cannot fill it
        Schema v1 = sample.getSchema();
        Schema v2 = withField(v1, new Schema.Field("requiredInV2", Schema.create(Schema.Type.INT),
                "A field a later version adds without a default."));
        // then the registry's check refuses it, and Avro's own check agrees
        assertThrows(SchemaValidationException.class, () -> BACKWARD.validate(v2, List.of(v1)));
        assertEquals(SchemaCompatibilityType.INCOMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(v2, v1).getType());
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("records")
    void changingAFieldTypeIsRefused(SpecificRecord sample) {
        // given a next version whose first field (an id, or WorkOrder's request) becomes a boolean
        Schema v1 = sample.getSchema();
        Schema.Field first = v1.getFields().get(0);
        assertNotEquals(Schema.Type.BOOLEAN, first.schema().getType());
        List<Schema.Field> fields = copyFields(v1);
        fields.set(0, new Schema.Field(first.name(), Schema.create(Schema.Type.BOOLEAN), first.doc()));
        Schema v2 = Schema.createRecord(v1.getName(), v1.getDoc(), v1.getNamespace(), false, fields);
        // then the registry's check refuses it, and Avro's own check agrees
        assertThrows(SchemaValidationException.class, () -> BACKWARD.validate(v2, List.of(v1)));
        assertEquals(SchemaCompatibilityType.INCOMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(v2, v1).getType());
    }

    /** The next version of a record schema: same name, namespace and fields, plus one. */
    @org.junit.jupiter.api.Test
    void extractionsAnalysisFieldReadsOldRecordsAsEmpty() throws IOException {
        // given Extraction as it was before `analysis` (the current schema without it)
        Schema current = Extraction.getClassSchema();
        List<Schema.Field> fields = copyFields(current);
        fields.removeIf(f -> f.name().equals("analysis"));
        Schema before = new Schema.Parser().parse(
                Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields).toString());
        // then the current schema is a BACKWARD compatible successor
        assertDoesNotThrow(() -> BACKWARD.validate(current, List.of(before)));
        // and a record written before the field reads with analysis "{}"
        Extraction sample = SampleRecords.extraction();
        GenericRecord old = new org.apache.avro.generic.GenericData.Record(before);
        for (Schema.Field f : before.getFields()) {
            old.put(f.name(), sample.get(f.name()));
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        org.apache.avro.io.BinaryEncoder encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.specific.SpecificDatumWriter<GenericRecord>(before).write(old, encoder);
        encoder.flush();
        GenericRecord read = new GenericDatumReader<GenericRecord>(before, current)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        assertEquals("{}", read.get("analysis").toString());
        assertEquals(sample.getJson(), read.get("json").toString());
    }

    private static Schema withField(Schema v1, Schema.Field added) {
        List<Schema.Field> fields = copyFields(v1);
        fields.add(added);
        // Round-trip through JSON so v2 is a schema as a registry would receive it, not shared objects.
        Schema v2 = Schema.createRecord(v1.getName(), v1.getDoc(), v1.getNamespace(), false, fields);
        return new Schema.Parser().parse(v2.toString());
    }

    private static List<Schema.Field> copyFields(Schema record) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : record.getFields()) {
            fields.add(new Schema.Field(field, field.schema()));
        }
        return fields;
    }
}
