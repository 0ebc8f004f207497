/*
 * A schema registry answered with an error, or could not be reached. Carries the HTTP status and
 * the Confluent error_code (40401 subject not found, 409 incompatible, 42201 invalid schema...;
 * 0 when the registry sent none or was not reached) so that callers can tell a refusal from an
 * outage. Deliberately not a SerializationException: an unreachable registry is no reason to
 * dead-letter a record.
 */
package dev.longhaul.schemas.wire;

public final class RegistryException extends RuntimeException {
    /** The Confluent error_code of an incompatible schema (the same number as its HTTP status). */
    public static final int INCOMPATIBLE = 409;
    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int VERSION_NOT_FOUND = 40402;
    public static final int SCHEMA_NOT_FOUND = 40403;
    public static final int SUBJECT_SOFT_DELETED = 40404;
    public static final int SUBJECT_NOT_SOFT_DELETED = 40405;
    public static final int VERSION_SOFT_DELETED = 40406;
    public static final int VERSION_NOT_SOFT_DELETED = 40407;
    public static final int SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408;
    public static final int INVALID_SCHEMA = 42201;
    public static final int INVALID_VERSION = 42202;
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    public static final int STORE_ERROR = 50001;
    public static final int STORE_TIMEOUT = 50002;

    private final int status;
    private final int errorCode;

    public RegistryException(int status, int errorCode, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    public RegistryException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
        this.errorCode = 0;
    }

    /** The HTTP status; 0 when no answer came back. */
    public int status() {
        return status;
    }

    /** The Confluent error_code; 0 when the answer carried none. */
    public int errorCode() {
        return errorCode;
    }
}
