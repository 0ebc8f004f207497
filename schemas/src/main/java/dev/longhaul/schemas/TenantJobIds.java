/*
 * The job ids of a tenant's own submissions: the tenant's name, a colon, then the rest
 * ("acme:contract-7", "acme:01JD…" when generated). The pipeline's gate refuses a tenant's record
 * for a job id that nobody owns yet unless it carries the tenant's prefix, so a tenant can never
 * take an id that the operator is using (one still being uploaded on the shared topics, which no
 * tenant owns yet, included) or another tenant will use. Job ids without a tenant's prefix are
 * the operator's; the operator should not give its own jobs a configured tenant's prefix.
 */
package dev.longhaul.schemas;

public final class TenantJobIds {
    private TenantJobIds() {
    }

    /** "tenant:" (the tenant's name checked as Topics.tenantNamespace checks it). */
    public static String prefix(String tenant) {
        Topics.tenantNamespace("", tenant);
        return tenant + ":";
    }

    /** Whether jobId is one of `tenant`'s own: its prefix and at least one character after it. */
    public static boolean isTenants(String jobId, String tenant) {
        String prefix = prefix(tenant);
        return jobId != null && jobId.length() > prefix.length() && jobId.startsWith(prefix);
    }
}
