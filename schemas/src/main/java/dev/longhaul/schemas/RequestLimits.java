/*
 * The bounds a JobRequest's own fields must keep, in one place for both sides: the pipeline
 * refuses a request past them (RequestValidation, a dead letter), and the client library refuses
 * to start uploading one (JobSpec), so that a 1 GiB document is never sent for a job that cannot
 * run.
 */
package dev.longhaul.schemas;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

public final class RequestLimits {
    /** Tasks a job may carry. */
    public static final int MAX_TASKS = 32;
    /** Fields an extract task may name. */
    public static final int MAX_FIELDS = 32;
    /** Characters of a field name. */
    public static final int MAX_FIELD_CHARS = 128;
    /** Characters of a tenant name. */
    public static final int MAX_TENANT_CHARS = 128;
    /**
     * The highest priority a tenant's own request keeps (the default): held jobs are released by
     * priority before the fair share between tenants, so the pipeline's gate lowers a higher one.
     */
    public static final int MAX_TENANT_PRIORITY = 0;

    private RequestLimits() {
    }

    /** Refuses, for a tenant's client, a priority above MAX_TENANT_PRIORITY: the pipeline's gate would lower it unseen. */
    public static void requireTenantPriority(int priority) {
        if (priority > MAX_TENANT_PRIORITY) {
            throw new IllegalArgumentException("priority " + priority + ": a tenant's jobs keep at most priority "
                    + MAX_TENANT_PRIORITY + " (the default), which the pipeline would lower this one to");
        }
    }

    /** What is wrong with an extract task's field names, if anything: too many, or a blank, repeated or long one. */
    public static Optional<String> fieldsProblem(List<String> fields) {
        if (fields.size() > MAX_FIELDS) {
            return Optional.of("more than " + MAX_FIELDS + " fields");
        }
        Set<String> seen = new HashSet<>();
        for (String field : fields) {
            if (field == null || field.isBlank() || field.length() > MAX_FIELD_CHARS || !seen.add(field)) {
                return Optional.of("field names must be non-blank, distinct and at most " + MAX_FIELD_CHARS + " characters");
            }
        }
        return Optional.empty();
    }

    /** A tenant name a request may carry: 1 to MAX_TENANT_CHARS characters, not blank. */
    public static boolean tenantIsValid(String tenant) {
        return tenant != null && !tenant.isBlank() && tenant.length() <= MAX_TENANT_CHARS;
    }
}
