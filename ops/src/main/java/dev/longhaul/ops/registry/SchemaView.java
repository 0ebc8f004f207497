/*
 * The registry's state as materialized from the schemas topic: subjects and their versions, the
 * global ids of schemas, and compatibility levels. Pure (no Kafka): SchemaLog applies each record
 * in log order and the API reads. Thread-safe: one thread applies while request threads read; every
 * answer is a copy.
 *
 * Invariants the writers rely on: an id names one schema text forever (the same text in another
 * subject reuses it); ids and versions only grow, deleted ones included (also permanently deleted
 * ones), so neither is reused. Permanently deleted (gone) versions are seen by none of the reads
 * below except maxVersion and maxId; a schema whose every version is gone is not found by its id.
 */
package dev.longhaul.ops.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

import dev.longhaul.schemas.wire.CompatibilityLevel;

final class SchemaView {
    private final NavigableMap<String, NavigableMap<Integer, SchemaVersion>> subjects = new TreeMap<>();
    private final Map<Integer, String> schemasById = new HashMap<>();
    private final Map<String, Integer> idsBySchema = new HashMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel;
    private int maxId;

    synchronized void apply(StoredRecord record) {
        switch (record) {
            case SchemaVersion v -> {
                subjects.computeIfAbsent(v.subject(), s -> new TreeMap<>()).put(v.version(), v);
                schemasById.putIfAbsent(v.id(), v.schema());
                idsBySchema.putIfAbsent(v.schema(), v.id());
                maxId = Math.max(maxId, v.id());
            }
            case SubjectConfig c when c.subject() == null -> globalLevel = c.level();
            case SubjectConfig c -> {
                if (c.level() == null) {
                    subjectLevels.remove(c.subject());
                } else {
                    subjectLevels.put(c.subject(), c.level());
                }
            }
        }
    }

    /**
     * Whether the view already holds what the record says: the same version record, or the same
     * level (none: removed). A write whose commit seemed to fail tells by this that it landed.
     */
    synchronized boolean holds(StoredRecord record) {
        return switch (record) {
            case SchemaVersion v -> v.equals(subjects.getOrDefault(v.subject(), new TreeMap<>()).get(v.version()));
            case SubjectConfig c when c.subject() == null -> java.util.Objects.equals(globalLevel, c.level());
            case SubjectConfig c -> java.util.Objects.equals(subjectLevels.get(c.subject()), c.level());
        };
    }

    /** Subjects with a live version (or with any version, deleted ones counted, when asked). */
    synchronized List<String> subjects(boolean includeDeleted) {
        List<String> names = new ArrayList<>();
        subjects.forEach((name, versions) -> {
            if (versions.values().stream().anyMatch(v -> !v.gone() && (includeDeleted || !v.deleted()))) {
                names.add(name);
            }
        });
        return names;
    }

    /** True when the subject has a version, soft-deleted or not (not only permanently deleted ones). */
    synchronized boolean known(String subject) {
        return subjects.getOrDefault(subject, new TreeMap<>()).values().stream().anyMatch(v -> !v.gone());
    }

    /** The subject's versions, oldest first; live ones only unless asked. */
    synchronized List<SchemaVersion> versions(String subject, boolean includeDeleted) {
        List<SchemaVersion> list = new ArrayList<>();
        for (SchemaVersion v : subjects.getOrDefault(subject, new TreeMap<>()).values()) {
            if (!v.gone() && (includeDeleted || !v.deleted())) {
                list.add(v);
            }
        }
        return list;
    }

    synchronized Optional<SchemaVersion> version(String subject, int version) {
        return Optional.ofNullable(subjects.getOrDefault(subject, new TreeMap<>()).get(version)).filter(v -> !v.gone());
    }

    /** The newest live version. */
    synchronized Optional<SchemaVersion> latest(String subject) {
        List<SchemaVersion> live = versions(subject, false);
        return live.isEmpty() ? Optional.empty() : Optional.of(live.getLast());
    }

    /** The highest version the subject ever had, deleted ones included; 0 for a new subject. */
    synchronized int maxVersion(String subject) {
        NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
        return versions == null || versions.isEmpty() ? 0 : versions.lastKey();
    }

    /** The schema with this id while some version that holds it is not permanently deleted. */
    synchronized Optional<String> schema(int id) {
        return Optional.ofNullable(schemasById.get(id)).filter(s -> !usages(id, true).isEmpty());
    }

    /** The id of this canonical schema text, if any subject ever registered it. */
    synchronized Optional<Integer> id(String canonicalSchema) {
        return Optional.ofNullable(idsBySchema.get(canonicalSchema));
    }

    /** The highest id handed out so far; 0 when none. */
    synchronized int maxId() {
        return maxId;
    }

    /** Every version that holds the schema with this id, in subject then version order. */
    synchronized List<SchemaVersion> usages(int id, boolean includeDeleted) {
        List<SchemaVersion> list = new ArrayList<>();
        for (NavigableMap<Integer, SchemaVersion> versions : subjects.values()) {
            for (SchemaVersion v : versions.values()) {
                if (v.id() == id && !v.gone() && (includeDeleted || !v.deleted())) {
                    list.add(v);
                }
            }
        }
        return list;
    }

    /** The level set on the subject itself, if any. */
    synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    /** The registry-wide level, set or default. */
    synchronized CompatibilityLevel globalLevel() {
        return globalLevel == null ? CompatibilityLevel.DEFAULT : globalLevel;
    }

    /** The level new versions of the subject are checked under: its own, else the global one. */
    synchronized CompatibilityLevel effectiveLevel(String subject) {
        return subjectLevel(subject).orElseGet(this::globalLevel);
    }
}
