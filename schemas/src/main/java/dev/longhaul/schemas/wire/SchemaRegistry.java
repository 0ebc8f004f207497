/*
 * What a serde needs from a schema registry: register a schema under a subject (idempotent: the
 * same schema gets the same id) and find a schema by id. Implementations: RestSchemaRegistryClient
 * (the Confluent REST API, for real use) and InMemorySchemaRegistry (unit tests that run without
 * a network, such as TopologyTestDriver tests). Both are thread-safe.
 */
package dev.longhaul.schemas.wire;

import org.apache.avro.Schema;

public interface SchemaRegistry {

    /** Registers {@code schema} under {@code subject} (or finds it there) and returns its global id. */
    int register(String subject, Schema schema);

    /** The schema with this id; throws {@link WireFormatException} with {@link DeadLetterReason#UNKNOWN_SCHEMA_ID} if none. */
    Schema schemaById(int id);
}
