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
import java.util.function.Function;

import dev.longhaul.pipeline.Outcome;
import dev.longhaul.schemas.JobStatus;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

final class TenantDelivery {
    private TenantDelivery() {}

    /** Refreshes (or claims) the owner entry of each tenant job whose status goes by. */
    static final class StatusSeen implements Processor<String, JobStatus, Void, Void> {
        private final Duration retention;
        private ProcessorContext<Void, Void> context;
        private TenantOwners owners;

        StatusSeen(Duration retention) {
            this.retention = retention;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            this.context = context;
            this.owners = new TenantOwners(context.getStateStore(TenantOwners.STORE), retention);
        }

        @Override
        public void process(Record<String, JobStatus> record) {
            owners.heardOf(record.key(), record.value().getTenant(), context.currentSystemTimeMs());
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
