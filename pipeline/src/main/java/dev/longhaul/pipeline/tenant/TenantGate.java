/*
 * Admission of the tenants' own topics into the shared ones. The gate reads every configured
 * tenant's `jobs`, `documents` and `control` (Topics.forTenant; all keyed by job id with one
 * partition count, so one task sees everything about a job id, whichever tenant's topic it came
 * on) and decides who a record speaks for from the topic it was read from, never from a field:
 *
 * - a job id belongs to the first tenant that writes a chunk or request for it (TenantOwners, which
 *   also forgets ids not heard of for the settled-job retention: this gate runs its sweep); a tenant's
 *   record about another tenant's job id is refused as NOT_TENANTS_JOB (a dead letter, and for a
 *   request a FAILED status in the submitting tenant's own status topic so its follower ends);
 * - a tenant claims only ids with its own prefix (TenantJobIds, "tenant:..."): a chunk or request
 *   for an id nobody owns without it is refused as NOT_TENANTS_JOB too, so that no tenant takes an
 *   id the operator is using (its uploads on the shared topics make it no owner entry) or one a
 *   tenant has not claimed yet; ids the operator's statuses assigned to a tenant stay usable;
 * - a request's `tenant` field is overwritten with the topic's tenant, so nobody submits as
 *   somebody else, and its priority is lowered to RequestLimits.MAX_TENANT_PRIORITY (0) when above
 *   it: held jobs are released by priority before the fair share between tenants, so a tenant
 *   that raised its own would go ahead of every other tenant's jobs; a request that does not decode is refused here (a dead letter with the decoder's
 *   reason, and a FAILED status for the submitter), never passed on unstamped: the planner could
 *   decode it later (its schema registered meanwhile) and take the tenant it names (an unreachable
 *   registry is not that: it fails the task, which retries);
 * - a record larger than the planner takes on its shared topic (RecordLimits) is refused here as
 *   OVERSIZE_RECORD: copied on, it could exceed what the shared topic or the producer takes (a
 *   tenant's batch is checked compressed, a copy record by record), and a record that cannot be
 *   written fails the task on every retry, for every tenant;
 * - a control record (cancel, priority, pause, resume) is passed on only for a job of the same
 *   tenant (one for an unknown job id is refused too: a cancel would otherwise pre-cancel that id
 *   for whoever submits it later), and only when it decodes; a SET_PRIORITY above
 *   RequestLimits.MAX_TENANT_PRIORITY is lowered to it, as a request's priority is.
 *
 * Admitted records go to the shared topics unchanged apart from the stamp, without the tenant's
 * record headers and dated by the gate's clock rather than the tenant's timestamp, where the planner and the workers take them as they take the operator's own
 * submissions.
 */
package dev.longhaul.pipeline.tenant;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import dev.longhaul.pipeline.DeadLetters;
import dev.longhaul.pipeline.DeadLetters.Source;
import dev.longhaul.pipeline.Outcome;
import dev.longhaul.pipeline.plan.RecordLimits;
import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.ControlAction;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.RequestLimits;
import dev.longhaul.schemas.TenantJobIds;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.DeadLetterReason;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

public final class TenantGate implements Processor<byte[], byte[], byte[], Outcome> {
    private static final System.Logger LOG = System.getLogger(TenantGate.class.getName());
    private enum Kind { JOBS, DOCUMENTS, CONTROL }

    private record Input(String tenant, Kind kind) {}

    private final Topics shared;
    private final Map<String, Topics> tenantTopics = new HashMap<>();
    private final Map<String, Input> inputs = new HashMap<>();
    private final Duration retention;
    private final Duration sweepInterval;
    private ProcessorContext<byte[], Outcome> context;
    private TenantOwners owners;

    /** Admits the tenants' records; forgets job ids not heard of for `retention`, sweeping every `sweepInterval`. */
    public TenantGate(Topics shared, Iterable<String> tenants, Duration retention, Duration sweepInterval) {
        this.shared = shared;
        this.retention = retention;
        this.sweepInterval = sweepInterval;
        for (String tenant : tenants) {
            Topics own = shared.forTenant(tenant);
            tenantTopics.put(tenant, own);
            inputs.put(own.jobs.name(), new Input(tenant, Kind.JOBS));
            inputs.put(own.documents.name(), new Input(tenant, Kind.DOCUMENTS));
            inputs.put(own.control.name(), new Input(tenant, Kind.CONTROL));
        }
    }

    @Override
    public void init(ProcessorContext<byte[], Outcome> context) {
        this.context = context;
        this.owners = new TenantOwners(context, retention);
        context.schedule(sweepInterval, PunctuationType.WALL_CLOCK_TIME, owners::sweep);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Source source = Source.of(context.recordMetadata());
        Input input = inputs.get(source.topic());
        Optional<String> jobId = DeadLetters.jobId(record.key());
        if (input == null || jobId.isEmpty()) {
            refuse(record, source, DeadLetterReason.INVALID_REQUEST, "a tenant's record must be keyed by its job id");
            return;
        }
        String owner = owners.owner(jobId.get());
        if (owner != null && !owner.equals(input.tenant())) {
            refuse(record, source, DeadLetterReason.NOT_TENANTS_JOB, "job " + jobId.get() + " belongs to another tenant");
            if (input.kind() == Kind.JOBS) {
                failForSubmitter(input.tenant(), jobId.get(), "the job id belongs to another tenant's job");
            }
            return;
        }
        if (owner == null && input.kind() != Kind.CONTROL && !TenantJobIds.isTenants(jobId.get(), input.tenant())) {
            String why = "tenant " + input.tenant() + "'s job ids must begin with '" + TenantJobIds.prefix(input.tenant())
                    + "' (ids without it are the operator's): " + jobId.get();
            refuse(record, source, DeadLetterReason.NOT_TENANTS_JOB, why);
            if (input.kind() == Kind.JOBS) {
                failForSubmitter(input.tenant(), jobId.get(), why);
            }
            return;
        }
        switch (input.kind()) {
            case CONTROL -> {
                if (owner == null) {
                    refuse(record, source, DeadLetterReason.NOT_TENANTS_JOB, "tenant " + input.tenant() + " has no job " + jobId.get());
                    return;
                }
                byte[] value;
                try {
                    value = clamped(input.tenant(), source.topic(), record.value());
                } catch (SerializationException e) {
                    refuse(record, source, DeadLetters.reasonOf(e), String.valueOf(e.getMessage()));
                    return;
                }
                if (fits(record, source, shared.control.name(), value)) {
                    owners.heardOf(jobId.get(), input.tenant(), context.currentSystemTimeMs());
                    forward(record, shared.control.name(), value);
                }
            }
            case DOCUMENTS -> {
                owners.heardOf(jobId.get(), input.tenant(), context.currentSystemTimeMs());
                if (fits(record, source, shared.documents.name(), record.value())) {
                    forward(record, shared.documents.name(), record.value());
                }
            }
            case JOBS -> {
                owners.heardOf(jobId.get(), input.tenant(), context.currentSystemTimeMs());
                byte[] stamped;
                try {
                    RecordLimits.checkSize(shared.jobs.name(), record.value() == null ? 0 : record.value().length, shared);
                    stamped = stamped(input.tenant(), source.topic(), record.value());
                    RecordLimits.checkSize(shared.jobs.name(), stamped.length, shared);
                } catch (SerializationException e) {
                    // Not a readable request (not Avro, unknown schema, too large...). A registry that
                    // cannot be reached is not that: it fails the task (retried when it is back).
                    refuse(record, source, DeadLetters.reasonOf(e), String.valueOf(e.getMessage()));
                    failForSubmitter(input.tenant(), jobId.get(), "the request was refused: " + e.getMessage());
                    return;
                }
                forward(record, shared.jobs.name(), stamped);
            }
        }
    }

    /** Whether the value fits its shared topic as the planner takes it; refuses the record (OVERSIZE_RECORD) when not. */
    private boolean fits(Record<byte[], byte[]> record, Source source, String topic, byte[] value) {
        try {
            RecordLimits.checkSize(topic, value == null ? 0 : value.length, shared);
            return true;
        } catch (SerializationException e) {
            refuse(record, source, DeadLetters.reasonOf(e), String.valueOf(e.getMessage()));
            return false;
        }
    }

    /**
     * The request with the topic's tenant in place of whatever it said; SerializationException when
     * it does not decode (or is a tombstone).
     */
    private byte[] stamped(String tenant, String topic, byte[] value) {
        JobRequest request = tenantTopics.get(tenant).jobs.values().deserializer().deserialize(topic, value);
        if (request == null) {
            throw new dev.longhaul.schemas.wire.WireFormatException(DeadLetterReason.NOT_AVRO, "a request with no value (a tombstone)");
        }
        request.setTenant(tenant);
        // Priority orders every tenant's held jobs together (LaneDispatcher), before the fair share:
        // a tenant may lower its own jobs' priority, never raise it above the default.
        request.setPriority(Math.min(request.getPriority(), RequestLimits.MAX_TENANT_PRIORITY));
        return shared.jobs.values().serializer().serialize(shared.jobs.name(), request);
    }

    /**
     * The control record as the shared topic takes it: a SET_PRIORITY above
     * RequestLimits.MAX_TENANT_PRIORITY lowered to it (as a request's priority is), anything else
     * unchanged; SerializationException when it does not decode (or is a tombstone).
     */
    private byte[] clamped(String tenant, String topic, byte[] value) {
        Control control = tenantTopics.get(tenant).control.values().deserializer().deserialize(topic, value);
        if (control == null) {
            throw new dev.longhaul.schemas.wire.WireFormatException(DeadLetterReason.NOT_AVRO, "a control record with no value (a tombstone)");
        }
        if (control.getAction() != ControlAction.SET_PRIORITY || control.getPriority() == null
                || control.getPriority() <= RequestLimits.MAX_TENANT_PRIORITY) {
            return value;
        }
        control.setPriority(RequestLimits.MAX_TENANT_PRIORITY);
        return shared.control.values().serializer().serialize(shared.control.name(), control);
    }

    private void failForSubmitter(String tenant, String jobId, String reason) {
        Topics own = tenantTopics.get(tenant);
        JobStatus failed = JobStatus.newBuilder().setJobId(jobId).setTenant(tenant).setState(JobState.FAILED)
                .setReason(reason).setUpdatedAt(java.time.Instant.ofEpochMilli(context.currentSystemTimeMs())).build();
        byte[] key;
        byte[] value;
        try {
            key = own.status.keys().serializer().serialize(own.status.name(), jobId);
            value = own.status.values().serializer().serialize(own.status.name(), failed);
        } catch (RuntimeException e) {
            if (!dev.longhaul.pipeline.StreamFailures.registryRefusal(e)) {
                throw e; // an outage (the thread is replaced, StreamFailures) or a fault of this deployment
            }
            // the registry refuses the status schema under the tenant's own subject (the tenant
            // registered something else there): its dead letter tells the refusal; failing here
            // would stop the task at every retry, for every tenant (TenantOutputFailures)
            LOG.log(System.Logger.Level.WARNING, "no FAILED status for job " + jobId + " on " + own.status.name()
                    + ": the schema registry refuses the status schema there (" + e.getMessage() + ")");
            return;
        }
        context.forward(new Record<>(key, new Outcome.Routed(own.status.name(), value), context.currentSystemTimeMs()));
    }

    /**
     * The copy carries the key and value only: a tenant's headers are not its to put on the shared
     * topics, and they are neither checked nor counted by the size limit (headers of nearly 1 MiB,
     * compressed to fit the tenant's batch, made a copy the Streams producer could not write).
     */
    /**
     * A copy is stamped with the gate's clock, not the tenant's: a record dated years ahead would
     * keep its shared log segment (and the dead letters') from retention for as long, and one dated
     * in the past would be deleted at once.
     */
    private void forward(Record<byte[], byte[]> record, String topic, byte[] value) {
        context.forward(new Record<>(record.key(), new Outcome.Routed(topic, value), context.currentSystemTimeMs()));
    }

    private void refuse(Record<byte[], byte[]> record, Source source, DeadLetterReason reason, String detail) {
        Outcome.DeadLettered letter = DeadLetters.letter(source, record.key(), record.value(), reason, detail,
                context.currentSystemTimeMs());
        context.forward(new Record<>(record.key(), letter, context.currentSystemTimeMs()));
    }
}
