/*
 * The pure parts of the registry, without a broker: which earlier versions each compatibility
 * level checks and in which direction, and the topic records' bytes (one logical key is always the
 * same bytes, so compaction keeps exactly its latest value).
 */
package dev.longhaul.ops.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import dev.longhaul.schemas.wire.CompatibilityCheck;
import dev.longhaul.schemas.wire.CompatibilityLevel;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

class RegistryRulesTest {
    // v1 {a: string}; v2 {} drops a; v3 {a: int = 0} brings a back as another type. v3 reads v2's
    // data (a takes its default) but not v1's (a string is no int): only transitive levels see v1.
    private static final Schema V1 = SchemaBuilder.record("R").fields().requiredString("a").endRecord();
    private static final Schema V2 = SchemaBuilder.record("R").fields().endRecord();
    private static final Schema V3 = SchemaBuilder.record("R").fields().name("a").type().intType().intDefault(0).endRecord();
    private static final List<Schema> NEWEST_FIRST = List.of(V2, V1);

    @Test
    void aRemovedEnumSymbolAndARenamedRecordAreRefusedAsConfluentRefusesThem() {
        // an old record holding DONE cannot be read with the new enum: Confluent says MISSING_ENUM_SYMBOLS
        Schema three = SchemaBuilder.enumeration("State").symbols("QUEUED", "RUNNING", "DONE");
        Schema two = SchemaBuilder.enumeration("State").symbols("QUEUED", "RUNNING");
        CompatibilityCheck enums = CompatibilityRules.check(CompatibilityLevel.BACKWARD, two, List.of(three));
        assertFalse(enums.compatible());
        assertTrue(enums.messages().stream().anyMatch(m -> m.contains("MISSING_ENUM_SYMBOLS")), enums.messages().toString());
        assertTrue(CompatibilityRules.check(CompatibilityLevel.BACKWARD, three, List.of(two)).compatible(), "a symbol added reads old data");
        // the same fields under another record name: NAME_MISMATCH
        Schema renamed = SchemaBuilder.record("B").fields().requiredString("a").endRecord();
        CompatibilityCheck names = CompatibilityRules.check(CompatibilityLevel.BACKWARD, renamed, List.of(V1));
        assertFalse(names.compatible());
        assertTrue(names.messages().stream().anyMatch(m -> m.contains("NAME_MISMATCH")), names.messages().toString());
    }

    @Test
    void onlyTransitiveLevelsLookPastTheLatestVersion() {
        assertTrue(CompatibilityRules.check(CompatibilityLevel.BACKWARD, V3, NEWEST_FIRST).compatible());
        CompatibilityCheck transitive = CompatibilityRules.check(CompatibilityLevel.BACKWARD_TRANSITIVE, V3, NEWEST_FIRST);
        assertFalse(transitive.compatible());
        assertTrue(transitive.messages().stream().anyMatch(m -> m.contains("TYPE_MISMATCH")), transitive.messages().toString());
    }

    @Test
    void forwardAsksWhetherTheOldSchemaReadsTheNew() {
        // v2 -> v1 adds a required field: new readers cannot read old data, old readers ignore it.
        assertFalse(CompatibilityRules.check(CompatibilityLevel.BACKWARD, V1, List.of(V2)).compatible());
        assertTrue(CompatibilityRules.check(CompatibilityLevel.FORWARD, V1, List.of(V2)).compatible());
        assertFalse(CompatibilityRules.check(CompatibilityLevel.FULL, V1, List.of(V2)).compatible());
        assertTrue(CompatibilityRules.check(CompatibilityLevel.NONE, V1, List.of(V2)).compatible());
        assertTrue(CompatibilityRules.check(CompatibilityLevel.FULL_TRANSITIVE, V1, List.of()).compatible(), "nothing to break");
    }

    @Test
    void aKeyIsAlwaysTheSameBytesAndValuesRoundTrip() {
        SchemaVersion live = new SchemaVersion("jobs-value", 3, 7, V1.toString(), false);
        assertArrayEquals(StoredRecord.key(live), StoredRecord.key(live.asDeleted()), "a soft delete overwrites the same key");
        assertEquals("{\"keytype\":\"SCHEMA\",\"subject\":\"jobs-value\",\"version\":3,\"magic\":1}",
                new String(StoredRecord.key(live), StandardCharsets.UTF_8));
        assertEquals(Optional.of(live.asDeleted()), StoredRecord.decode(StoredRecord.key(live), StoredRecord.value(live.asDeleted())));

        SubjectConfig global = new SubjectConfig(null, CompatibilityLevel.FULL);
        assertEquals(Optional.of(global), StoredRecord.decode(StoredRecord.key(global), StoredRecord.value(global)));
        SubjectConfig cleared = new SubjectConfig("jobs-value", null);
        assertNull(StoredRecord.value(cleared), "a cleared level is a tombstone");
        assertEquals(Optional.of(cleared), StoredRecord.decode(StoredRecord.key(cleared), null));
        assertEquals(Optional.empty(), StoredRecord.decode("{\"keytype\":\"NOOP\"}".getBytes(StandardCharsets.UTF_8), null));
    }
}
