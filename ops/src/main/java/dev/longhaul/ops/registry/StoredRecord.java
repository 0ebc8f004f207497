/*
 * The records of the schemas topic and their bytes. Keys and values are JSON, shaped like the
 * Confluent registry's own _schemas topic so that the log is readable with any console consumer:
 *   {"keytype":"SCHEMA","subject":S,"version":V,"magic":1} -> {"subject","version","id","schema","deleted"[,"permanent":true]}
 *   {"keytype":"CONFIG","subject":S|null,"magic":0}        -> {"compatibilityLevel":L} or a tombstone
 * Keys are written field by field in a fixed order, so one logical key is always the same bytes
 * and compaction keeps exactly its latest value. Records of other key types are skipped, so that
 * a later registry can add some without breaking this one.
 */
package dev.longhaul.ops.registry;

import java.io.IOException;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longhaul.schemas.wire.CompatibilityLevel;

sealed interface StoredRecord permits SchemaVersion, SubjectConfig {
    ObjectMapper JSON = new ObjectMapper();

    static byte[] key(StoredRecord record) {
        ObjectNode key = JSON.createObjectNode();
        switch (record) {
            case SchemaVersion v -> key.put("keytype", "SCHEMA").put("subject", v.subject()).put("version", v.version()).put("magic", 1);
            case SubjectConfig c -> key.put("keytype", "CONFIG").put("subject", c.subject()).put("magic", 0);
        }
        return bytes(key);
    }

    /** The value's bytes; null (a tombstone) for a cleared config. */
    static byte[] value(StoredRecord record) {
        return switch (record) {
            case SchemaVersion v -> {
                ObjectNode value = JSON.createObjectNode()
                        .put("subject", v.subject())
                        .put("version", v.version())
                        .put("id", v.id())
                        .put("schema", v.schema())
                        .put("deleted", v.deleted());
                if (v.gone()) {
                    value.put("permanent", true); // a registry of before this field reads it as soft-deleted
                }
                yield bytes(value);
            }
            case SubjectConfig c -> c.level() == null ? null
                    : bytes(JSON.createObjectNode().put("compatibilityLevel", c.level().name()));
        };
    }

    /**
     * Whether these key bytes name a schema version (the only records that hold ids); false for
     * any other key, unreadable ones included.
     */
    static boolean isSchemaKey(byte[] keyBytes) {
        try {
            return "SCHEMA".equals(tree(keyBytes).path("keytype").asText());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The record these bytes hold; empty for a key type this registry does not know, or for a
     * schema tombstone, which this registry never writes (a version's record must outlive
     * compaction, or its id could be handed out again) and so ignores.
     */
    static Optional<StoredRecord> decode(byte[] keyBytes, byte[] valueBytes) {
        JsonNode key = tree(keyBytes);
        String subject = key.path("subject").isNull() ? null : key.path("subject").asText(null);
        switch (key.path("keytype").asText()) {
            case "SCHEMA" -> {
                if (valueBytes == null) {
                    return Optional.empty();
                }
                JsonNode v = tree(valueBytes);
                return Optional.of(new SchemaVersion(v.path("subject").asText(), v.path("version").asInt(),
                        v.path("id").asInt(), v.path("schema").asText(), v.path("deleted").asBoolean(false),
                        v.path("permanent").asBoolean(false)));
            }
            case "CONFIG" -> {
                CompatibilityLevel level = valueBytes == null ? null
                        : CompatibilityLevel.parse(tree(valueBytes).path("compatibilityLevel").asText());
                return Optional.of(new SubjectConfig(subject, level));
            }
            default -> {
                return Optional.empty();
            }
        }
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a registry record as JSON", e);
        }
    }

    private static JsonNode tree(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("a record of the schemas topic is not JSON: " + e.getMessage(), e);
        }
    }
}
