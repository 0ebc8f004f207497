/*
 * One version of a subject as the registry stores it: written once under the key (subject,
 * version); a soft delete writes the same key again with deleted set. The schema text is the
 * canonical form (Avro's Schema.toString) that identifies "the same schema" across subjects.
 */
package dev.longhaul.ops.registry;

record SchemaVersion(String subject, int version, int id, String schema, boolean deleted) implements StoredRecord {

    SchemaVersion asDeleted() {
        return new SchemaVersion(subject, version, id, schema, true);
    }
}
