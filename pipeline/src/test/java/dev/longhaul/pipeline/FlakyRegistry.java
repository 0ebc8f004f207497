/*
 * A schema registry for tests that cannot answer the first lookups of chosen record types (by
 * full name), as a registry restarting would: the lookup fails with a RegistryException (503),
 * which is an outage, not a refusal, so the records it concerns are not bad records.
 */
package dev.longhaul.pipeline;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.longhaul.schemas.wire.RegistryException;
import dev.longhaul.schemas.wire.SchemaRegistry;
import org.apache.avro.Schema;

public final class FlakyRegistry implements SchemaRegistry {
    private final SchemaRegistry inner;
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();

    public FlakyRegistry(SchemaRegistry inner) {
        this.inner = inner;
    }

    /** The next `times` lookups of `type`'s schema fail; the ones after succeed. */
    public void failFirst(Class<?> type, int times) {
        failures.put(type.getName(), new AtomicInteger(times));
    }

    /** How many of the lookups failFirst chose for `type` have not failed yet. */
    public int failuresLeft(Class<?> type) {
        AtomicInteger left = failures.get(type.getName());
        return left == null ? 0 : Math.max(0, left.get());
    }

    private final java.util.Set<String> refused = ConcurrentHashMap.newKeySet();

    /** Registrations under `subject` are refused from now on (409), as a registry refuses an incompatible schema. */
    public void refuse(String subject) {
        refused.add(subject);
    }

    @Override
    public int register(String subject, Schema schema) {
        if (refused.contains(subject)) {
            throw new RegistryException(409, 409, "Schema being registered is incompatible with an earlier schema (test)");
        }
        return inner.register(subject, schema);
    }

    @Override
    public Schema schemaById(int id) {
        Schema schema = inner.schemaById(id);
        AtomicInteger left = failures.get(schema.getFullName());
        if (left != null && left.getAndDecrement() > 0) {
            throw new RegistryException(503, 0, "the registry is down (test)");
        }
        return schema;
    }
}
