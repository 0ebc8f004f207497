/*
 * A record that cannot be decoded from Kafka, with the machine-readable reason the dead-letter
 * topic records. Extends Kafka's SerializationException so that clients' deserialization-error
 * handlers see it as what it is.
 */
package dev.longhaul.schemas.wire;

import org.apache.kafka.common.errors.SerializationException;

public final class WireFormatException extends SerializationException {
    private final DeadLetterReason reason;
    private final boolean newerWriter;

    public WireFormatException(DeadLetterReason reason, String message) {
        this(reason, message, null, false);
    }

    public WireFormatException(DeadLetterReason reason, String message, Throwable cause) {
        this(reason, message, cause, false);
    }

    private WireFormatException(DeadLetterReason reason, String message, Throwable cause, boolean newerWriter) {
        super(message, cause);
        this.reason = reason;
        this.newerWriter = newerWriter;
    }

    /**
     * A valid record of this consumer's own record type, written with a schema newer than the one it
     * reads with (an enum symbol it lacks, a type it cannot promote): INCOMPATIBLE_SCHEMA, but the
     * record is not bad. A consumer that must not lose it waits for an upgrade (newerWriter()).
     */
    public static WireFormatException ofNewerWriter(String message, Throwable cause) {
        return new WireFormatException(DeadLetterReason.INCOMPATIBLE_SCHEMA, message, cause, true);
    }

    /** Whether the record is readable by a newer version of this consumer (see ofNewerWriter). */
    public boolean newerWriter() {
        return newerWriter;
    }

    public DeadLetterReason reason() {
        return reason;
    }
}
