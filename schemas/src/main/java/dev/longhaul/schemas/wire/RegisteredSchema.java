/* One version of a subject as a registry reports it: its version number, global id and schema. */
package dev.longhaul.schemas.wire;

import org.apache.avro.Schema;

public record RegisteredSchema(String subject, int version, int id, Schema schema) {
}
