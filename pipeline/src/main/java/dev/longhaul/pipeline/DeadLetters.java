/*
 * Builds the dead letter of a refused input record: the original key and value bytes, the
 * topic/partition/offset it was read at, and a machine-readable reason. jobId tells whether the key
 * names a job (well-formed, non-empty UTF-8), for which a FAILED status can also be written;
 * otherwise only the dead letter goes out.
 *
 * A dead letter must itself fit in a Kafka record (1 MiB by default), or writing it would stop the
 * stage that refused the original: so a key longer than MAX_JOB_ID_BYTES is never a job id, and
 * the copies are cut as DeadLetterRecords (shared with the sinks) says.
 */
package dev.longhaul.pipeline;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import dev.longhaul.schemas.DeadLetter;
import dev.longhaul.schemas.wire.DeadLetterReason;
import dev.longhaul.schemas.wire.DeadLetterRecords;
import dev.longhaul.schemas.wire.WireFormatException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.RecordMetadata;

public final class DeadLetters {
    /** Longest key read as a job id (JobIds allows 128 characters). */
    public static final int MAX_JOB_ID_BYTES = 256;
    static final int MAX_KEPT_KEY_BYTES = DeadLetterRecords.MAX_KEPT_KEY_BYTES;
    static final int MAX_KEPT_VALUE_BYTES = DeadLetterRecords.MAX_KEPT_VALUE_BYTES;
    static final int MAX_DETAIL_CHARS = DeadLetterRecords.MAX_DETAIL_CHARS;

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
        DeadLetter letter = DeadLetterRecords.of(source.topic(), source.partition(), source.offset(), key, value, reason, detail, now);
        return new Outcome.DeadLettered(DeadLetterRecords.keptKey(key), letter);
    }

    /** The key as a job id, if it is a non-empty, well-formed UTF-8 string of at most MAX_JOB_ID_BYTES. */
    public static Optional<String> jobId(byte[] key) {
        if (key == null || key.length == 0 || key.length > MAX_JOB_ID_BYTES) {
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

    /** Why a key is not a job id: too long (OVERSIZE_RECORD) or empty or not UTF-8 (INVALID_REQUEST). */
    public static WireFormatException badKey(byte[] key) {
        if (key != null && key.length > MAX_JOB_ID_BYTES) {
            return new WireFormatException(DeadLetterReason.OVERSIZE_RECORD,
                    "a " + key.length + "-byte key is longer than a job id may be (" + MAX_JOB_ID_BYTES + " bytes)");
        }
        return new WireFormatException(DeadLetterReason.INVALID_REQUEST, "the key is not a job id (empty or not UTF-8)");
    }

    /** The reason a record could not be decoded: the serde's own, or NOT_AVRO for any other decoding failure. */
    public static DeadLetterReason reasonOf(SerializationException e) {
        return e instanceof WireFormatException wire ? wire.reason() : DeadLetterReason.NOT_AVRO;
    }
}
