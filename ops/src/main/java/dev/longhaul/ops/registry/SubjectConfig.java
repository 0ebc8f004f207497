/*
 * A compatibility level set on one subject, or on the whole registry when subject is null. A null
 * level clears the setting (written as a tombstone: the key's latest value is what counts).
 */
package dev.longhaul.ops.registry;

import dev.longhaul.schemas.wire.CompatibilityLevel;

record SubjectConfig(String subject, CompatibilityLevel level) implements StoredRecord {
}
