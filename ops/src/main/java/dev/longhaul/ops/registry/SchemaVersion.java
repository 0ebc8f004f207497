/*
 * One version of a subject as the registry stores it: written once under the key (subject,
 * version); a soft delete writes the same key again with deleted set, a permanent delete with gone
 * set too. The schema text is the canonical form (Avro's Schema.toString) that identifies "the
 * same schema" across subjects. A gone version is invisible to every request, but its record stays
 * in the log (no tombstone): it keeps the subject's highest version and the highest id from being
 * handed out again after compaction.
 */
package dev.longhaul.ops.registry;

record SchemaVersion(String subject, int version, int id, String schema, boolean deleted, boolean gone) implements StoredRecord {

    SchemaVersion(String subject, int version, int id, String schema, boolean deleted) {
        this(subject, version, id, schema, deleted, false);
    }

    SchemaVersion asDeleted() {
        return new SchemaVersion(subject, version, id, schema, true, false);
    }

    SchemaVersion asGone() {
        return new SchemaVersion(subject, version, id, schema, true, true);
    }
}
