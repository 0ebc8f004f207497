/*
 * What a caller asks for in one submission, apart from the document: kind, tasks, tenant,
 * priority, deadline, metadata and optionally the job id. Immutable and validated on construction,
 * so a Submitter never starts a transaction for a request it would refuse. Also parses the
 * command-line spellings of kinds ("contract") and tasks ("summarize", "extract:party,date").
 */
package dev.longhaul.ingest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.RequestLimits;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;

/**
 * @param jobId    the job id, or empty to generate one at submission (a ULID, see {@link JobIds})
 * @param kind     what the document is
 * @param tasks    at least one task, in order (results point back by index)
 * @param tenant   tenant for quotas and fair sharing
 * @param priority higher runs first
 * @param deadline the instant by which the job must have started, or empty for none
 * @param metadata carried to results unchanged; overrides what the source records (file name...)
 */
public record JobSpec(
        Optional<String> jobId,
        DocumentKind kind,
        List<Task> tasks,
        String tenant,
        int priority,
        Optional<Instant> deadline,
        Map<String, String> metadata) {

    public static final String DEFAULT_TENANT = "default";

    public JobSpec {
        jobId = jobId == null ? Optional.empty() : jobId;
        jobId.ifPresent(JobIds::requireValid);
        if (kind == null || kind == DocumentKind.UNKNOWN) {
            throw new IllegalArgumentException("a document kind is required: " + kindNames());
        }
        if (tasks == null || tasks.isEmpty()) {
            throw new IllegalArgumentException("at least one task is required: summarize or extract[:FIELD,FIELD...]");
        }
        tasks = List.copyOf(tasks);
        // the pipeline's bounds (RequestLimits), checked before a byte is uploaded
        if (tasks.size() > RequestLimits.MAX_TASKS) {
            throw new IllegalArgumentException("a job takes at most " + RequestLimits.MAX_TASKS + " tasks, not " + tasks.size());
        }
        for (Task t : tasks) {
            RequestLimits.fieldsProblem(t.getFields() == null ? List.of() : t.getFields()).ifPresent(problem -> {
                throw new IllegalArgumentException("task " + t.getType().name().toLowerCase(Locale.ROOT) + ": " + problem);
            });
        }
        if (tenant == null || tenant.isBlank()) {
            throw new IllegalArgumentException("tenant must not be blank");
        }
        if (!RequestLimits.tenantIsValid(tenant)) {
            throw new IllegalArgumentException("a tenant name has at most " + RequestLimits.MAX_TENANT_CHARS + " characters, not "
                    + tenant.length());
        }
        deadline = deadline == null ? Optional.empty() : deadline;
        metadata = Map.copyOf(metadata == null ? Map.of() : metadata);
    }

    /** A job of {@code kind} with {@code tasks}, tenant "default", priority 0, no deadline, a generated id. */
    public static JobSpec of(DocumentKind kind, List<Task> tasks) {
        return new JobSpec(Optional.empty(), kind, tasks, DEFAULT_TENANT, 0, Optional.empty(), Map.of());
    }

    public JobSpec withJobId(String id) {
        return new JobSpec(Optional.of(id), kind, tasks, tenant, priority, deadline, metadata);
    }

    public JobSpec withKind(DocumentKind value) {
        return new JobSpec(jobId, value, tasks, tenant, priority, deadline, metadata);
    }

    public JobSpec withTenant(String value) {
        return new JobSpec(jobId, kind, tasks, value, priority, deadline, metadata);
    }

    public JobSpec withPriority(int value) {
        return new JobSpec(jobId, kind, tasks, tenant, value, deadline, metadata);
    }

    public JobSpec withDeadline(Instant value) {
        return new JobSpec(jobId, kind, tasks, tenant, priority, Optional.ofNullable(value), metadata);
    }

    public JobSpec withMetadata(Map<String, String> value) {
        return new JobSpec(jobId, kind, tasks, tenant, priority, deadline, value);
    }

    /** "contract", "LOG", ... to the kind; unknown names are an error listing the known ones. */
    public static DocumentKind parseKind(String name) {
        if (name != null) {
            for (DocumentKind k : DocumentKind.values()) {
                if (k != DocumentKind.UNKNOWN && k.name().equalsIgnoreCase(name.strip())) {
                    return k;
                }
            }
        }
        throw new IllegalArgumentException("unknown document kind '" + name + "': expected one of " + kindNames());
    }

    private static String kindNames() {
        return Arrays.stream(DocumentKind.values()).filter(k -> k != DocumentKind.UNKNOWN).map(k -> k.name().toLowerCase(Locale.ROOT)).toList().toString();
    }

    /**
     * "summarize" or "extract:FIELD,FIELD..." to a task. A bare "extract" is refused here: the
     * pipeline takes an extraction only with fields or a JSON schema, and would otherwise fail the
     * job after its whole document was uploaded.
     */
    public static Task parseTask(String text) {
        String spec = text == null ? "" : text.strip();
        int colon = spec.indexOf(':');
        String name = (colon < 0 ? spec : spec.substring(0, colon)).strip().toLowerCase(Locale.ROOT);
        switch (name) {
            case "summarize" -> {
                if (colon >= 0) {
                    throw new IllegalArgumentException("task 'summarize' takes no fields: " + text);
                }
                return Task.newBuilder().setType(TaskType.SUMMARIZE).setFields(List.of()).setJsonSchema(null).build();
            }
            case "extract" -> {
                if (colon < 0) {
                    throw new IllegalArgumentException("task 'extract' needs the fields to extract: extract:FIELD,FIELD... "
                            + "(e.g. extract:parties,governing law)");
                }
                List<String> fields = parseFields(spec.substring(colon + 1), text);
                return Task.newBuilder().setType(TaskType.EXTRACT).setFields(fields).setJsonSchema(null).build();
            }
            default -> throw new IllegalArgumentException("unknown task '" + text + "': expected summarize or extract[:FIELD,FIELD...]");
        }
    }

    private static List<String> parseFields(String list, String text) {
        LinkedHashSet<String> fields = new LinkedHashSet<>();
        for (String f : list.split(",", -1)) {
            String field = f.strip();
            if (field.isEmpty()) {
                throw new IllegalArgumentException("empty field name in task '" + text + "'");
            }
            if (!fields.add(field)) {
                throw new IllegalArgumentException("field '" + field + "' listed twice in task '" + text + "'");
            }
        }
        return new ArrayList<>(fields);
    }
}
