/*
 * Machine-readable reasons a record is refused, as written into DeadLetter.reasonCode. One list for
 * the whole pipeline, so consumers of dead-letters can switch on it. Wire-level reasons come from
 * the serdes; the others from validation in the pipeline.
 */
package dev.longhaul.schemas.wire;

public enum DeadLetterReason {
    /** The value is shorter than the 5-byte Confluent header or is not Avro of the schema named. */
    NOT_AVRO,
    /** The first byte is not the Confluent magic byte 0. */
    BAD_MAGIC,
    /** The schema id in the header is not known to the registry. */
    UNKNOWN_SCHEMA_ID,
    /** The schema is not one this consumer can read the record with (no resolution possible). */
    INCOMPATIBLE_SCHEMA,
    /** A request field is invalid: kind, tasks, tenant, sizes. */
    INVALID_REQUEST,
    UNKNOWN_KIND,
    OVERSIZE_DOCUMENT,
    /** Not all chunks arrived before the planner's timeout. */
    MISSING_CHUNKS,
    DIGEST_MISMATCH,
    /** A job id reused with a different document digest. */
    DUPLICATE_JOB_ID,
    TENANT_QUOTA,
    /** A tenant's record about a job id that another tenant owns (or, for a cancel, no job of its own). */
    NOT_TENANTS_JOB,
    /** An extraction task's JSON schema is refused: not JSON, outside the supported subset, too deep, too large, or forcing too long an output. */
    INVALID_SCHEMA,
    /** A record larger than its topic takes (a request, a chunk record, a control record), or a key too long to be a job id. */
    OVERSIZE_RECORD,
    /** The worker could not run the job (engine error, unreadable document). */
    WORKER_ERROR,
    /** A sink's destination refused a result for its content (a value out of the column's range, a constraint). */
    SINK_REFUSED
}
