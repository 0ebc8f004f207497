/*
 * Every topic record survives Avro binary (the payload of Confluent's wire format) unchanged, the
 * defaults let producers leave optional fields out, and the largest chunk stays under Kafka's
 * default 1 MiB message limit.
 */
package dev.longhaul.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RoundTripTest {
    /** Kafka's default max.message.bytes (1 MiB plus record overhead allowance). */
    private static final int KAFKA_DEFAULT_MESSAGE_LIMIT = 1_048_588;

    @BeforeAll
    static void trustGeneratedRecords() {
        RecordTrust.install();
    }

    static List<SpecificRecord> records() {
        return SampleRecords.all();
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("records")
    void binaryRoundTripGivesAnEqualRecord(SpecificRecord original) throws IOException {
        // given a builder-made record, when written and read back as Avro binary
        byte[] encoded = encode(original);
        SpecificRecord decoded = decode(encoded, original.getClass());
        // then it is equal, field by field and as a whole
        assertEquals(original.getSchema(), decoded.getSchema());
        for (int i = 0; i < original.getSchema().getFields().size(); i++) {
            assertEquals(original.get(i), decoded.get(i), original.getSchema().getFields().get(i).name());
        }
        assertEquals(original, decoded);
    }

    @Test
    void optionalFieldsTakeTheirDefaults() {
        // given only the required fields, when built
        JobRequest request = JobRequest.newBuilder()
                .setJobId("job-min")
                .setTenant("t")
                .setKind(DocumentKind.TEXT)
                .setTasks(List.of(Task.newBuilder().setType(TaskType.SUMMARIZE).build()))
                .setDocument(DocumentDescriptor.newBuilder()
                        .setChunkCount(1).setBytes(3).setSha256("00").setMediaType("text/plain").build())
                .setSubmittedAt(SampleRecords.T0)
                .build();
        // then the optional ones hold the schema's defaults
        assertEquals(0, request.getPriority());
        assertNull(request.getDeadline());
        assertEquals(Map.of(), request.getMetadata());
        assertNull(request.getDocument().getEncoding());
        assertEquals(List.of(), request.getTasks().get(0).getFields());
        assertNull(request.getTasks().get(0).getJsonSchema());
        JobStatus status = JobStatus.newBuilder()
                .setJobId("job-min").setTenant("t").setState(JobState.ACCEPTED).setUpdatedAt(SampleRecords.T0).build();
        assertEquals(0.0, status.getProgress());
        assertEquals(0L, status.getTokensProcessed());
        assertNull(status.getReason());
    }

    @Test
    void aFullChunkFitsInOneKafkaMessage() throws IOException {
        // given a chunk of the maximum 512 KiB of incompressible data
        byte[] data = new byte[512 * 1024];
        new Random(42).nextBytes(data);
        DocumentChunk chunk = DocumentChunk.newBuilder()
                .setJobId("j".repeat(128)).setIndex(Integer.MAX_VALUE).setData(ByteBuffer.wrap(data))
                .setIsLast(false).setPath("p/".repeat(512)).build();
        // when encoded, then it stays well under the limit and reads back intact
        byte[] encoded = encode(chunk);
        assertTrue(encoded.length < KAFKA_DEFAULT_MESSAGE_LIMIT / 2 + 4096, "encoded " + encoded.length + " bytes");
        assertEquals(chunk, decode(encoded, DocumentChunk.class));
    }

    static byte[] encode(SpecificRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<SpecificRecord>(record.getSchema()).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    static <T extends SpecificRecord> T decode(byte[] bytes, Class<T> type) throws IOException {
        return new SpecificDatumReader<>(type).read(null, DecoderFactory.get().binaryDecoder(bytes, null));
    }
}
