/*
 * The Summary's `digest` field was added after Summaries were already on the topic: the current
 * schema must read a Summary written without it (BACKWARD, as the registry checks), with the digest
 * defaulted to the empty string and every other field unchanged.
 */
package dev.longhaul.schemas;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaValidatorBuilder;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

class SummaryDigestEvolutionTest {
    @Test
    void summaryWrittenBeforeTheDigestReadsWithAnEmptyDigest() throws Exception {
        // given the Summary schema as it was before the digest, and a record written with it
        Schema current = Summary.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : current.getFields()) {
            if (!f.name().equals("digest")) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        Schema before = Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        // digest is the last field, so the other fields keep their positions and the old writer takes them as they are
        new SpecificDatumWriter<Summary>(before).write(SampleRecords.summary(), encoder);
        encoder.flush();
        // when the current schema is validated against it and reads it
        assertDoesNotThrow(() -> new SchemaValidatorBuilder().canReadStrategy().validateLatest().validate(current, List.of(before)));
        GenericRecord read = new GenericDatumReader<GenericRecord>(before, current)
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        // then the digest is the empty default and the summary text is kept
        assertEquals("", read.get("digest").toString());
        assertEquals(SampleRecords.summary().getText(), read.get("text").toString());
    }
}
