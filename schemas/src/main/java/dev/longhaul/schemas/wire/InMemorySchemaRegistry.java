/*
 * A schema registry held in this process: ids are assigned 1, 2, 3... in registration order and the
 * same schema (by canonical form) keeps its id across subjects, as the Confluent registry does. For
 * unit tests without a network (TopologyTestDriver); real processes use RestSchemaRegistryClient.
 */
package dev.longhaul.schemas.wire;

import java.util.HashMap;
import java.util.Map;

import org.apache.avro.Schema;

public final class InMemorySchemaRegistry implements SchemaRegistry {
    private final Map<String, Integer> idsByCanonical = new HashMap<>();
    private final Map<Integer, Schema> schemasById = new HashMap<>();

    @Override
    public synchronized int register(String subject, Schema schema) {
        return idsByCanonical.computeIfAbsent(schema.toString(), canonical -> {
            int id = schemasById.size() + 1;
            schemasById.put(id, schema);
            return id;
        });
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw new WireFormatException(DeadLetterReason.UNKNOWN_SCHEMA_ID, "unknown schema id " + id);
        }
        return schema;
    }
}
