/*
 * Delivery's side of TenantOwners: a tenant job's statuses keep its owner entry fresh (and claim
 * the id for the status's tenant when nobody owns it yet: a job the operator submitted on a
 * tenant's behalf), and each result goes to the topic of its job's owner, or nowhere when no
 * tenant owns the job. Results carry no tenant; their job's statuses (ACCEPTED long before any
 * result) do, and results, statuses and the tenants' inputs are all keyed by job id with one
 * partition count, so one task sees everything about a job id and no re-key is needed.
 */
package dev.longhaul.pipeline.tenant;

import java.time.Duration;
import java.util.Set;
import java.util.function.Function;

import dev.longhaul.pipeline.Outcome;
import dev.longhaul.schemas.JobStatus;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

final class TenantDelivery {
    private TenantDelivery() {}

    /**
     * Sends each tenant job's status to its owner's status topic and refreshes (or claims) the
     * job's owner entry. A status goes to the job id's owner, stamped with it, whatever tenant it
     * names (also none: a job that failed or was cancelled before its request, which carries the
     * tenant, was read), so the tenant's follower ends and no other tenant sees it. A status of a
     * job nobody owns claims it for the configured tenant it names, or goes nowhere.
     */
    static final class StatusRouter implements Processor<String, JobStatus, String, JobStatus> {
        private final Duration retention;
        private final Set<String> tenants;
        private ProcessorContext<String, JobStatus> context;
        private TenantOwners owners;

        StatusRouter(Duration retention, Set<String> tenants) {
            this.retention = retention;
            this.tenants = Set.copyOf(tenants);
        }

        @Override
        public void init(ProcessorContext<String, JobStatus> context) {
            this.context = context;
            this.owners = new TenantOwners(context.getStateStore(TenantOwners.STORE), retention);
        }

        @Override
        public void process(Record<String, JobStatus> record) {
            JobStatus status = record.value();
            if (record.key() == null || status == null) {
                return;
            }
            // the job's owner first: a status naming another tenant goes to the owner, never to the
            // tenant it names (which a request could claim); without an owner, a configured tenant
            // the status names claims the job (the operator submitted it on the tenant's behalf)
            String owner = owners.owner(record.key());
            String tenant = owner != null ? owner : tenants.contains(status.getTenant()) ? status.getTenant() : null;
            if (tenant == null || !tenants.contains(tenant)) {
                return; // nobody's, or a tenant no longer configured (its owner entries outlive it): no topic to go to
            }
            if (!tenant.equals(status.getTenant())) {
                status = JobStatus.newBuilder(status).setTenant(tenant).build();
            }
            owners.heardOf(record.key(), tenant, context.currentSystemTimeMs());
            context.forward(record.withValue(status));
        }
    }

    /** Sends each result to its job owner's topic (`topicOf` the tenant); drops it when no tenant owns the job. */
    static final class ResultRouter implements Processor<String, byte[], String, Outcome.Routed> {
        private final Duration retention;
        private final Function<String, String> topicOf;
        private ProcessorContext<String, Outcome.Routed> context;
        private TenantOwners owners;

        /** `topicOf` a tenant: its topic for these results, null for a tenant not configured. */
        ResultRouter(Duration retention, Function<String, String> topicOf) {
            this.retention = retention;
            this.topicOf = topicOf;
        }

        @Override
        public void init(ProcessorContext<String, Outcome.Routed> context) {
            this.context = context;
            this.owners = new TenantOwners(context.getStateStore(TenantOwners.STORE), retention);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            String owner = record.key() == null ? null : owners.owner(record.key());
            String topic = owner == null ? null : topicOf.apply(owner);
            if (topic != null) {
                context.forward(record.withValue(new Outcome.Routed(topic, record.value())));
            }
        }
    }
}
