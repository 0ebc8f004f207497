/*
 * A record that cannot be decoded from Kafka, with the machine-readable reason the dead-letter
 * topic records. Extends Kafka's SerializationException so that clients' deserialization-error
 * handlers see it as what it is.
 */
package dev.longhaul.schemas.wire;

import org.apache.kafka.common.errors.SerializationException;

public final class WireFormatException extends SerializationException {
    private final DeadLetterReason reason;

    public WireFormatException(DeadLetterReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public WireFormatException(DeadLetterReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public DeadLetterReason reason() {
        return reason;
    }
}
