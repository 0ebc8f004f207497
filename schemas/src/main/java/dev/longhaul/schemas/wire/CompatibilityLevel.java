/*
 * The compatibility levels of the Confluent Schema Registry, as its REST API spells them. A level
 * says which earlier versions of a subject a new schema is checked against (the latest only, or
 * all of them: TRANSITIVE) and in which direction (BACKWARD: the new schema reads data written
 * with the old; FORWARD: the old reads the new; FULL: both). NONE checks nothing.
 */
package dev.longhaul.schemas.wire;

import java.util.Locale;

public enum CompatibilityLevel {
    NONE,
    BACKWARD,
    BACKWARD_TRANSITIVE,
    FORWARD,
    FORWARD_TRANSITIVE,
    FULL,
    FULL_TRANSITIVE;

    /** The registry's default when neither the subject nor the registry sets a level. */
    public static final CompatibilityLevel DEFAULT = BACKWARD;

    /** True when a new schema is checked against every earlier version, not only the latest. */
    public boolean transitive() {
        return name().endsWith("_TRANSITIVE");
    }

    /** True when the new schema must be able to read data written with earlier versions. */
    public boolean newReadsOld() {
        return this != NONE && !name().startsWith("FORWARD");
    }

    /** True when earlier versions must be able to read data written with the new schema. */
    public boolean oldReadsNew() {
        return this != NONE && !name().startsWith("BACKWARD");
    }

    /** Parses a level as the REST API writes it (case-insensitive); IllegalArgumentException otherwise. */
    public static CompatibilityLevel parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no compatibility level given");
        }
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown compatibility level '" + text + "'", e);
        }
    }
}
