/*
 * Whether a new schema may join a subject under a compatibility level, decided as Confluent's
 * registry decides it: by Avro's SchemaCompatibility reader/writer check on each pair the level
 * covers (the new schema reading an earlier one's data for BACKWARD, an earlier one reading the
 * new one's for FORWARD, both for FULL; the latest version, or every live one for the TRANSITIVE
 * levels). Not by SchemaValidatorBuilder, whose resolving grammar accepts what that check refuses:
 * a removed enum symbol (an old record holding it cannot be read) and a renamed record.
 */
package dev.longhaul.ops.registry;

import java.util.ArrayList;
import java.util.List;

import dev.longhaul.schemas.wire.CompatibilityCheck;
import dev.longhaul.schemas.wire.CompatibilityLevel;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

final class CompatibilityRules {
    private CompatibilityRules() {
    }

    /**
     * Checks {@code candidate} against the earlier schemas, given newest first; a non-transitive
     * level looks only at the first.
     */
    static CompatibilityCheck check(CompatibilityLevel level, Schema candidate, List<Schema> newestFirst) {
        if (level == CompatibilityLevel.NONE || newestFirst.isEmpty()) {
            return new CompatibilityCheck(true, List.of());
        }
        List<Schema> earlier = level.transitive() ? newestFirst : newestFirst.subList(0, 1);
        List<String> messages = new ArrayList<>();
        boolean compatible = true;
        for (Schema old : earlier) {
            if (level.newReadsOld()) {
                compatible &= describe(SchemaCompatibility.checkReaderWriterCompatibility(candidate, old),
                        "the new schema cannot read data written with an earlier one", messages);
            }
            if (level.oldReadsNew()) {
                compatible &= describe(SchemaCompatibility.checkReaderWriterCompatibility(old, candidate),
                        "an earlier schema cannot read data written with the new one", messages);
            }
        }
        return new CompatibilityCheck(compatible, messages);
    }

    /** Adds the pair's incompatibilities to `messages`; whether it is compatible. */
    private static boolean describe(SchemaCompatibility.SchemaPairCompatibility pair, String direction, List<String> messages) {
        if (pair.getType() != SchemaCompatibility.SchemaCompatibilityType.INCOMPATIBLE) {
            return true;
        }
        List<SchemaCompatibility.Incompatibility> found = pair.getResult().getIncompatibilities();
        for (SchemaCompatibility.Incompatibility i : found) {
            messages.add(direction + ": " + i.getType() + " at " + i.getLocation() + ": " + i.getMessage());
        }
        if (found.isEmpty()) {
            messages.add(direction + ": " + pair.getDescription());
        }
        return false;
    }
}
