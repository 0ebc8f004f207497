/*
 * Builds the dead letter of a refused input record: the original key and value bytes, the
 * topic/partition/offset it was read at, and a machine-readable reason. jobId tells whether the key
 * names a job (well-formed, non-empty UTF-8), for which a FAILED status can also be written;
 * otherwise only the dead letter goes out.
 */
package dev.longhaul.pipeline;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import dev.longhaul.schemas.DeadLetter;
import dev.longhaul.schemas.wire.DeadLetterReason;
import dev.longhaul.schemas.wire.WireFormatException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.RecordMetadata;

public final class DeadLetters {
    private static final byte[] EMPTY = new byte[0];

    private DeadLetters() {}

    /** Where a record was read: the source coordinates a dead letter points back to. */
    public record Source(String topic, int partition, long offset) {
        public static Source of(Optional<RecordMetadata> metadata) {
            return metadata.map(m -> new Source(m.topic(), m.partition(), m.offset()))
                    .orElse(new Source("", -1, -1L));
        }
    }

    public static Outcome.DeadLettered letter(Source source, byte[] key, byte[] value,
                                             DeadLetterReason reason, String detail, long now) {
        DeadLetter letter = DeadLetter.newBuilder()
                .setOriginalTopic(source.topic())
                .setPartition(source.partition())
                .setOffset(source.offset())
                .setKey(key == null ? null : ByteBuffer.wrap(key))
                .setValue(ByteBuffer.wrap(value == null ? EMPTY : value))
                .setReasonCode(reason.name())
                .setDetail(detail == null ? "" : detail)
                .setAt(java.time.Instant.ofEpochMilli(now))
                .build();
        return new Outcome.DeadLettered(key, letter);
    }

    /** The key as a job id, if it is a non-empty, well-formed UTF-8 string. */
    public static Optional<String> jobId(byte[] key) {
        if (key == null || key.length == 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(key)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    /** The reason a record could not be decoded: the serde's own, or NOT_AVRO for any other decoding failure. */
    public static DeadLetterReason reasonOf(SerializationException e) {
        return e instanceof WireFormatException wire ? wire.reason() : DeadLetterReason.NOT_AVRO;
    }
}
