/*
 * The DeadLetter of a record some stage could not process: its original key and value bytes, the
 * topic/partition/offset it was read at, and a machine-readable reason. Shared by the pipeline's
 * stages and the sinks, so every dead letter has one shape.
 *
 * A dead letter must itself fit in a Kafka record (1 MiB by default), or writing it would stop the
 * stage that refused the original: the copies of key and value and the detail are cut at
 * MAX_KEPT_KEY_BYTES, MAX_KEPT_VALUE_BYTES and MAX_DETAIL_CHARS (the detail then says how long the
 * value was). Every record this system accepts (a chunk of 512 KiB, a request within its limit, a
 * result) is kept whole.
 */
package dev.longhaul.schemas.wire;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;

import dev.longhaul.schemas.DeadLetter;

public final class DeadLetterRecords {
    private static final byte[] EMPTY = new byte[0];
    public static final int MAX_KEPT_KEY_BYTES = 1024;
    public static final int MAX_KEPT_VALUE_BYTES = 640 * 1024;
    public static final int MAX_DETAIL_CHARS = 4096;

    private DeadLetterRecords() {}

    /** The dead letter; key may be null (no key), value null (a tombstone: kept as empty bytes). */
    public static DeadLetter of(String topic, int partition, long offset, byte[] key, byte[] value,
                                DeadLetterReason reason, String detail, long atMillis) {
        byte[] v = value == null ? EMPTY : value;
        String text = detail == null ? "" : detail;
        if (v.length > MAX_KEPT_VALUE_BYTES) {
            text = "value cut to its first " + MAX_KEPT_VALUE_BYTES + " of " + v.length + " bytes; " + text;
            v = Arrays.copyOf(v, MAX_KEPT_VALUE_BYTES);
        }
        byte[] k = keptKey(key);
        if (text.length() > MAX_DETAIL_CHARS) {
            text = text.substring(0, MAX_DETAIL_CHARS) + "...";
        }
        return DeadLetter.newBuilder()
                .setOriginalTopic(topic)
                .setPartition(partition)
                .setOffset(offset)
                .setKey(k == null ? null : ByteBuffer.wrap(k))
                .setValue(ByteBuffer.wrap(v))
                .setReasonCode(reason.name())
                .setDetail(text)
                .setAt(Instant.ofEpochMilli(atMillis))
                .build();
    }

    /** The key as a dead letter keeps it (and as its record's key): cut at MAX_KEPT_KEY_BYTES. */
    public static byte[] keptKey(byte[] key) {
        return key == null || key.length <= MAX_KEPT_KEY_BYTES ? key : Arrays.copyOf(key, MAX_KEPT_KEY_BYTES);
    }
}
