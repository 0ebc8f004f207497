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
            this.owners = new TenantOwners(context, retention);
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
            owners.statusOf(record.key(), tenant, status, context.currentSystemTimeMs());
            context.forward(record.withValue(status));
        }
    }

    /**
     * Sends each dead letter about a tenant's records to that tenant's dead-letters topic, so that
     * a tenant learns why its record was refused (and its follower, which cannot read the shared
     * topic, stops waiting). Whose letter it is: a record refused as it came in on a tenant's own
     * topic (at the gate) is that tenant's, whatever job id it names, so a refused claim on another
     * tenant's job goes back to the claimant, never to the job's owner; a record refused on a shared
     * job-keyed topic (by the planner: a duplicate job id, a digest mismatch...) is its job's
     * owner's. Other letters (a worker's, keyed by lane) go nowhere: the job's FAILED status
     * reaches its tenant anyway. The letter is copied byte for byte.
     */
    static final class DeadLetterRouter implements Processor<byte[], byte[], byte[], Outcome.Routed> {
        private final Duration retention;
        private final java.util.Map<String, String> namespaces; // tenant -> the prefix of its own topics
        private final Function<String, String> topicOf;
        private final org.apache.kafka.common.serialization.Deserializer<dev.longhaul.schemas.DeadLetter> letters;
        private final String sharedTopic;
        private final Set<String> jobKeyed;
        private ProcessorContext<byte[], Outcome.Routed> context;
        private TenantOwners owners;

        /**
         * `namespaces` of the configured tenants; `jobKeyed`: the shared topics the planner refuses
         * records of, keyed by job id (jobs, documents, control); `topicOf` a tenant: its
         * dead-letters topic.
         */
        DeadLetterRouter(Duration retention, Set<String> jobKeyed, java.util.Map<String, String> namespaces, Function<String, String> topicOf,
                         org.apache.kafka.common.serialization.Deserializer<dev.longhaul.schemas.DeadLetter> letters, String sharedTopic) {
            this.jobKeyed = Set.copyOf(jobKeyed);
            this.retention = retention;
            this.namespaces = java.util.Map.copyOf(namespaces);
            this.topicOf = topicOf;
            this.letters = letters;
            this.sharedTopic = sharedTopic;
        }

        @Override
        public void init(ProcessorContext<byte[], Outcome.Routed> context) {
            this.context = context;
            this.owners = new TenantOwners(context, retention);
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            if (record.value() == null) {
                return;
            }
            dev.longhaul.schemas.DeadLetter letter;
            try {
                letter = letters.deserialize(sharedTopic, record.value());
            } catch (org.apache.kafka.common.errors.SerializationException e) {
                return; // not a letter this pipeline wrote; a registry that cannot be reached fails the task instead
            }
            if (letter == null) {
                return;
            }
            String tenant = submitter(letter.getOriginalTopic());
            if (tenant == null && jobKeyed.contains(letter.getOriginalTopic())) {
                // only a letter of a shared topic keyed by job id: others (work, keyed by lane; workers,
                // by worker id) have keys any tenant could have claimed as a job id
                tenant = dev.longhaul.pipeline.DeadLetters.jobId(record.key()).map(owners::owner).orElse(null);
            }
            String topic = tenant == null ? null : topicOf.apply(tenant);
            if (topic != null) {
                context.forward(record.withValue(new Outcome.Routed(topic, record.value())));
            }
        }

        /**
         * The configured tenant whose own topic this is, or null (tenant names hold no dot, so no
         * tenant's namespace prefixes another's: at most one matches).
         */
        private String submitter(String originalTopic) {
            for (var e : namespaces.entrySet()) {
                if (originalTopic.startsWith(e.getValue())) {
                    return e.getKey();
                }
            }
            return null;
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
            this.owners = new TenantOwners(context, retention);
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
