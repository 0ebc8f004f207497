/*
 * Whether a new schema may join a subject under a compatibility level. The verdict is Avro's own
 * SchemaValidatorBuilder (canRead for BACKWARD, canBeRead for FORWARD, mutualRead for FULL;
 * validateLatest, or validateAll for the TRANSITIVE levels); the messages, which only explain a
 * refusal, come from Avro's SchemaCompatibility on each pair the level covers.
 */
package dev.longhaul.ops.registry;

import java.util.ArrayList;
import java.util.List;

import dev.longhaul.schemas.wire.CompatibilityCheck;
import dev.longhaul.schemas.wire.CompatibilityLevel;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaValidationException;
import org.apache.avro.SchemaValidator;
import org.apache.avro.SchemaValidatorBuilder;

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
        SchemaValidatorBuilder builder = new SchemaValidatorBuilder();
        if (level.newReadsOld() && level.oldReadsNew()) {
            builder.mutualReadStrategy();
        } else if (level.newReadsOld()) {
            builder.canReadStrategy();
        } else {
            builder.canBeReadStrategy();
        }
        SchemaValidator validator = level.transitive() ? builder.validateAll() : builder.validateLatest();
        try {
            validator.validate(candidate, newestFirst);
            return new CompatibilityCheck(true, List.of());
        } catch (SchemaValidationException e) {
            List<String> messages = explain(level, candidate, level.transitive() ? newestFirst : newestFirst.subList(0, 1));
            if (messages.isEmpty()) {
                messages.add(e.getMessage());
            }
            return new CompatibilityCheck(false, messages);
        }
    }

    private static List<String> explain(CompatibilityLevel level, Schema candidate, List<Schema> earlier) {
        List<String> messages = new ArrayList<>();
        for (Schema old : earlier) {
            if (level.newReadsOld()) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(candidate, old),
                        "the new schema cannot read data written with an earlier one", messages);
            }
            if (level.oldReadsNew()) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(old, candidate),
                        "an earlier schema cannot read data written with the new one", messages);
            }
        }
        return messages;
    }

    private static void describe(SchemaCompatibility.SchemaPairCompatibility pair, String direction, List<String> messages) {
        for (SchemaCompatibility.Incompatibility i : pair.getResult().getIncompatibilities()) {
            messages.add(direction + ": " + i.getType() + " at " + i.getLocation() + ": " + i.getMessage());
        }
    }
}
