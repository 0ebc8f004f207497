/*
 * What each endpoint of the Confluent Schema Registry REST API does, apart from HTTP: reads from
 * the materialized SchemaView, writes through SchemaLog, answers JSON shaped as Confluent's
 * registry answers, and refuses with Confluent's error codes (as RegistryException: 40401 subject,
 * 40402 version, 40403 schema not found; 40404/40406 subject/version soft-deleted; 40405/40407
 * subject/version not soft-deleted before a permanent delete; 409 incompatible; 42201 invalid
 * schema; 42202 invalid version; 42203 invalid level; 50001 store error). RegistryServer maps paths
 * onto these methods.
 */
package dev.longhaul.ops.registry;

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longhaul.schemas.wire.CompatibilityCheck;
import dev.longhaul.schemas.wire.CompatibilityLevel;
import dev.longhaul.schemas.wire.RegistryException;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;

final class RegistryApi {
    private final SchemaView view;
    private final SchemaLog log;

    RegistryApi(SchemaView view, SchemaLog log) {
        this.view = view;
        this.log = log;
    }

    /** A schema as a request carries it, parsed; its canonical text identifies it. */
    private record Candidate(Schema schema, String canonical) {
    }

    ArrayNode subjects(boolean deleted) {
        ArrayNode list = array();
        view.subjects(deleted).forEach(list::add);
        return list;
    }

    ArrayNode versions(String subject, boolean deleted) {
        List<SchemaVersion> versions = view.versions(subject, deleted);
        if (versions.isEmpty()) {
            throw subjectNotFound(subject);
        }
        ArrayNode list = array();
        versions.forEach(v -> list.add(v.version()));
        return list;
    }

    /** A version of a subject: a number, or "latest" (also -1) for the newest live one. */
    SchemaVersion version(String subject, String version, boolean deleted) {
        if (view.versions(subject, deleted).isEmpty()) {
            throw subjectNotFound(subject);
        }
        int number = versionNumber(version);
        Optional<SchemaVersion> found = number == -1 ? view.latest(subject) : view.version(subject, number);
        return found.filter(v -> deleted || !v.deleted())
                .orElseThrow(() -> new RegistryException(404, RegistryException.VERSION_NOT_FOUND, "Version " + version + " not found."));
    }

    ObjectNode describe(SchemaVersion v) {
        return object().put("subject", v.subject()).put("version", v.version()).put("id", v.id()).put("schema", v.schema());
    }

    /** Registers the schema in the request under the subject, or finds it there; answers {"id": N}. */
    ObjectNode register(String subject, JsonNode request) {
        Candidate candidate = candidate(request);
        Optional<SchemaVersion> existing = live(subject, candidate);
        if (existing.isPresent()) {
            return object().put("id", existing.get().id());
        }
        int id = log.write(current -> {
            Optional<SchemaVersion> again = live(subject, candidate);
            if (again.isPresent()) {
                return SchemaLog.Plan.nothing(again.get().id());
            }
            CompatibilityCheck check = CompatibilityRules.check(current.effectiveLevel(subject), candidate.schema(), liveSchemasNewestFirst(subject));
            if (!check.compatible()) {
                throw new RegistryException(409, RegistryException.INCOMPATIBLE,
                        "Schema being registered is incompatible with an earlier schema for subject \"" + subject + "\", details: " + check.messages());
            }
            int newId = current.id(candidate.canonical()).orElse(current.maxId() + 1);
            SchemaVersion version = new SchemaVersion(subject, current.maxVersion(subject) + 1, newId, candidate.canonical(), false);
            return new SchemaLog.Plan<>(List.of(version), newId);
        });
        return object().put("id", id);
    }

    /** The version of the subject that holds the schema in the request. */
    ObjectNode lookup(String subject, JsonNode request, boolean deleted) {
        Candidate candidate = candidate(request);
        Optional<SchemaVersion> found = holding(subject, candidate, deleted);
        if (found.isEmpty()) {
            // Registered through another instance a moment ago? Read the log up to its end once.
            log.catchUp();
            found = holding(subject, candidate, deleted);
        }
        if (found.isEmpty() && view.versions(subject, deleted).isEmpty()) {
            throw subjectNotFound(subject);
        }
        return describe(found.orElseThrow(() -> new RegistryException(404, RegistryException.SCHEMA_NOT_FOUND, "Schema not found")));
    }

    private Optional<SchemaVersion> holding(String subject, Candidate candidate, boolean deleted) {
        return view.versions(subject, deleted).stream()
                .filter(v -> v.schema().equals(candidate.canonical()))
                .reduce((first, second) -> second);
    }

    /**
     * Soft-deletes every live version of the subject, and clears its compatibility level, as
     * Confluent's does ("deletes the specified subject and its associated compatibility level"):
     * a subject registered again after a topic is recycled starts at the global level, which a
     * client that checks the level before registering (kafkajs) expects. Answers the versions deleted.
     */
    ArrayNode deleteSubject(String subject) {
        List<Integer> deleted = log.write(current -> {
            List<SchemaVersion> live = current.versions(subject, false);
            if (live.isEmpty()) {
                throw current.known(subject)
                        ? new RegistryException(404, RegistryException.SUBJECT_SOFT_DELETED, "Subject '" + subject + "' was soft deleted.")
                        : subjectNotFound(subject);
            }
            List<StoredRecord> records = new java.util.ArrayList<>(live.stream().map(SchemaVersion::asDeleted).toList());
            if (current.subjectLevel(subject).isPresent()) {
                records.add(new SubjectConfig(subject, null));
            }
            return new SchemaLog.Plan<>(List.copyOf(records), live.stream().map(SchemaVersion::version).toList());
        });
        ArrayNode list = array();
        deleted.forEach(list::add);
        return list;
    }

    /**
     * Permanently deletes every version of the subject, which must all be soft-deleted first (as
     * Confluent's registry requires), and the subject's compatibility level (one set since the soft
     * delete); answers the versions.
     * Their records stay in the log marked gone, so no version number or id is handed out again.
     */
    ArrayNode deleteSubjectPermanently(String subject) {
        List<Integer> gone = log.write(current -> {
            List<SchemaVersion> all = current.versions(subject, true);
            if (all.isEmpty()) {
                throw subjectNotFound(subject);
            }
            if (all.stream().anyMatch(v -> !v.deleted())) {
                throw new RegistryException(404, RegistryException.SUBJECT_NOT_SOFT_DELETED,
                        "Subject '" + subject + "' was not deleted first before being permanently deleted");
            }
            List<StoredRecord> records = new java.util.ArrayList<>(all.stream().map(SchemaVersion::asGone).toList());
            if (current.subjectLevel(subject).isPresent()) {
                records.add(new SubjectConfig(subject, null));
            }
            return new SchemaLog.Plan<>(List.copyOf(records), all.stream().map(SchemaVersion::version).toList());
        });
        ArrayNode list = array();
        gone.forEach(list::add);
        return list;
    }

    /** Permanently deletes one version, which must be soft-deleted first; answers its number. */
    int deleteVersionPermanently(String subject, String version) {
        int number = versionNumber(version);
        return log.write(current -> {
            if (!current.known(subject)) {
                throw subjectNotFound(subject);
            }
            List<SchemaVersion> all = current.versions(subject, true);
            SchemaVersion target = (number == -1 ? Optional.ofNullable(all.isEmpty() ? null : all.getLast()) : current.version(subject, number))
                    .orElseThrow(() -> new RegistryException(404, RegistryException.VERSION_NOT_FOUND, "Version " + version + " not found."));
            if (!target.deleted()) {
                throw new RegistryException(404, RegistryException.VERSION_NOT_SOFT_DELETED, "Version " + target.version()
                        + " of subject '" + subject + "' was not deleted first before being permanently deleted");
            }
            return new SchemaLog.Plan<>(List.of(target.asGone()), target.version());
        });
    }

    /** Soft-deletes one version ("latest" allowed); answers its number. */
    int deleteVersion(String subject, String version) {
        int number = versionNumber(version);
        return log.write(current -> {
            if (!current.known(subject)) {
                throw subjectNotFound(subject);
            }
            SchemaVersion target = (number == -1 ? current.latest(subject) : current.version(subject, number))
                    .orElseThrow(() -> new RegistryException(404, RegistryException.VERSION_NOT_FOUND, "Version " + version + " not found."));
            if (target.deleted()) {
                throw new RegistryException(404, RegistryException.VERSION_SOFT_DELETED, "Version " + target.version() + " of subject '" + subject + "' was soft deleted.");
            }
            return new SchemaLog.Plan<>(List.of(target.asDeleted()), target.version());
        });
    }

    String schemaById(int id) {
        Optional<String> schema = view.schema(id);
        if (schema.isEmpty()) {
            // Registered through another instance a moment ago? Read the log up to its end once.
            log.catchUp();
            schema = view.schema(id);
            if (schema.isEmpty()) {
                log.checkReading(); // a view that stopped reading cannot say an id is unknown
            }
        }
        return schema.orElseThrow(() -> new RegistryException(404, RegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found"));
    }

    List<SchemaVersion> usages(int id, boolean deleted) {
        schemaById(id);
        return view.usages(id, deleted);
    }

    /**
     * Whether the schema in the request is compatible, as Confluent answers it: with a version
     * ("latest" or a number), with that one version alone, in the direction of the subject's level;
     * without one, with the versions the level covers (the latest, or every live one for the
     * TRANSITIVE levels), and a subject without versions is compatible. "latest" of a subject
     * without live versions (none registered yet, or all deleted) is compatible too, as with
     * Confluent, so that a build can test a schema before its first registration; a numbered
     * version that is not there is 40402, whether the subject is or not. Messages when verbose.
     */
    ObjectNode testCompatibility(String subject, String version, JsonNode request, boolean verbose) {
        Candidate candidate = candidate(request);
        CompatibilityLevel level = view.effectiveLevel(subject);
        List<Schema> against;
        if (version == null) {
            against = liveSchemasNewestFirst(subject);
        } else {
            int number = versionNumber(version);
            Optional<SchemaVersion> found = (number == -1 ? view.latest(subject) : view.version(subject, number)).filter(v -> !v.deleted());
            if (found.isEmpty() && number != -1) {
                throw new RegistryException(404, RegistryException.VERSION_NOT_FOUND, "Version " + version + " not found.");
            }
            against = found.map(v -> List.of(parse(v.schema()))).orElse(List.of());
        }
        CompatibilityCheck check = CompatibilityRules.check(level, candidate.schema(), against);
        ObjectNode answer = object().put("is_compatible", check.compatible());
        if (verbose) {
            ArrayNode messages = answer.putArray("messages");
            check.messages().forEach(messages::add);
        }
        return answer;
    }

    ObjectNode globalLevel() {
        return object().put("compatibilityLevel", view.globalLevel().name());
    }

    /** The subject's own level; 40408 when it has none, unless the global one is wanted then. */
    ObjectNode subjectLevel(String subject, boolean defaultToGlobal) {
        Optional<CompatibilityLevel> own = view.subjectLevel(subject);
        if (own.isEmpty() && !defaultToGlobal) {
            throw new RegistryException(404, RegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
                    "Subject '" + subject + "' does not have subject-level compatibility configured");
        }
        return object().put("compatibilityLevel", own.orElseGet(view::globalLevel).name());
    }

    /** Sets the level of a subject, or the global one for a null subject; answers {"compatibility": L}. */
    ObjectNode setLevel(String subject, JsonNode request) {
        CompatibilityLevel level;
        try {
            level = CompatibilityLevel.parse(request.path("compatibility").asText(null));
        } catch (IllegalArgumentException e) {
            throw new RegistryException(422, RegistryException.INVALID_COMPATIBILITY_LEVEL, "Invalid compatibility level: " + e.getMessage());
        }
        log.write(current -> new SchemaLog.Plan<>(List.of(new SubjectConfig(subject, level)), level));
        return object().put("compatibility", level.name());
    }

    /** Clears the subject's level (or resets the global one); answers the level it had. */
    ObjectNode deleteLevel(String subject) {
        CompatibilityLevel previous = log.write(current -> {
            CompatibilityLevel had = subject == null ? current.globalLevel() : current.subjectLevel(subject).orElseThrow(
                    () -> new RegistryException(404, RegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
                            "Subject '" + subject + "' does not have subject-level compatibility configured"));
            return new SchemaLog.Plan<>(List.of(new SubjectConfig(subject, null)), had);
        });
        return object().put("compatibilityLevel", previous.name());
    }

    private Optional<SchemaVersion> live(String subject, Candidate candidate) {
        return view.versions(subject, false).stream().filter(v -> v.schema().equals(candidate.canonical())).findFirst();
    }

    private List<Schema> liveSchemasNewestFirst(String subject) {
        return view.versions(subject, false).reversed().stream().map(v -> parse(v.schema())).toList();
    }

    /** The schema of a register, lookup or compatibility request: Avro only, no references. */
    private static Candidate candidate(JsonNode request) {
        String type = request.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw new RegistryException(422, RegistryException.INVALID_SCHEMA, "Invalid schema: schemaType " + type + " is not supported, only AVRO");
        }
        if (request.path("references").size() > 0) {
            throw new RegistryException(422, RegistryException.INVALID_SCHEMA, "Invalid schema: schema references are not supported");
        }
        JsonNode text = request.get("schema");
        if (text == null || !text.isTextual()) {
            throw new RegistryException(422, RegistryException.INVALID_SCHEMA, "Invalid schema: the request has no \"schema\" string");
        }
        try {
            Schema schema = new Schema.Parser().parse(text.asText());
            return new Candidate(schema, schema.toString());
        } catch (AvroRuntimeException | IllegalArgumentException e) {
            // IllegalArgumentException: Avro's own for some bad values, e.g. a field "order" it does not know
            throw new RegistryException(422, RegistryException.INVALID_SCHEMA, "Invalid schema: " + e.getMessage());
        }
    }

    private static Schema parse(String canonical) {
        return new Schema.Parser().parse(canonical);
    }

    /** A version path segment: 1..2^31-1, or "latest" / -1 (answered as -1). */
    static int versionNumber(String version) {
        if ("latest".equals(version)) {
            return -1;
        }
        try {
            int number = Integer.parseInt(version);
            if (number == -1 || number >= 1) {
                return number;
            }
        } catch (NumberFormatException e) {
            // Falls through to the refusal below, which names what is allowed.
        }
        throw new RegistryException(422, RegistryException.INVALID_VERSION, "The specified version '" + version
                + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }

    private static RegistryException subjectNotFound(String subject) {
        return new RegistryException(404, RegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }

    private static ObjectNode object() {
        return StoredRecord.JSON.createObjectNode();
    }

    private static ArrayNode array() {
        return StoredRecord.JSON.createArrayNode();
    }
}
