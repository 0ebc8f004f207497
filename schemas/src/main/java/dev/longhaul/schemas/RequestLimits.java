/*
 * The bounds a JobRequest's own fields must keep, in one place for both sides: the pipeline
 * refuses a request past them (RequestValidation, a dead letter), and the client library refuses
 * to start uploading one (JobSpec), so that a 1 GiB document is never sent for a job that cannot
 * run.
 */
package dev.longhaul.schemas;

public final class RequestLimits {
    /** Tasks a job may carry. */
    public static final int MAX_TASKS = 32;
    /** Fields an extract task may name. */
    public static final int MAX_FIELDS = 32;
    /** Characters of a field name. */
    public static final int MAX_FIELD_CHARS = 128;
    /** Characters of a tenant name. */
    public static final int MAX_TENANT_CHARS = 128;

    private RequestLimits() {
    }

    /** A tenant name a request may carry: 1 to MAX_TENANT_CHARS characters, not blank. */
    public static boolean tenantIsValid(String tenant) {
        return tenant != null && !tenant.isBlank() && tenant.length() <= MAX_TENANT_CHARS;
    }
}
