/*
 * The topic catalog of ARCHITECTURE.md, built once: names carry a configurable namespace prefix
 * ("longhaul." by default) and every value is an Avro record in the Confluent wire format through
 * the given registry. Keys are job ids (UTF-8 strings) except on work (the lane number) and
 * dead-letters (the original key's bytes, kept as they came). Partition counts and cleanup
 * policies are part of the catalog so that whoever creates the topics creates them the same way.
 *
 * A tenant's own topics (forTenant) are the same catalog under the namespace
 * "<namespace>tenant.<name>.": the tenant writes its jobs, documents and control there and reads its
 * status and results there; the pipeline admits them into the shared topics and delivers back only
 * that tenant's jobs, so per-tenant ACLs on one topic prefix keep tenants apart.
 */
package dev.longhaul.schemas;

import java.util.List;
import java.util.Map;

import dev.longhaul.schemas.wire.AvroSerde;
import dev.longhaul.schemas.wire.SchemaRegistry;
import org.apache.kafka.common.serialization.Serdes;

public final class Topics {
    /** Compacted topics keep the latest record per key forever (status, workers). */
    /**
     * status: the latest record of each job is kept (compaction) for 14 days, twice the planner's
     * default settled-job retention, then deleted; compaction alone kept one record per job id
     * ever seen, so the topic grew with every job.
     */
    public static final java.time.Duration STATUS_RETENTION = java.time.Duration.ofDays(14);
    public static final Map<String, String> STATUS = Map.of("cleanup.policy", "compact,delete",
            "retention.ms", Long.toString(STATUS_RETENTION.toMillis()));
    /**
     * workers: each worker's latest heartbeat, for a day. A worker id defaults to host name and
     * process id, so compaction alone kept one record per worker process ever started.
     */
    public static final Map<String, String> WORKERS = Map.of("cleanup.policy", "compact,delete",
            "retention.ms", Long.toString(java.time.Duration.ofDays(1).toMillis()));
    public static final Map<String, String> DELETE = Map.of("cleanup.policy", "delete");
    /**
     * documents: a job's chunks are read when its order is released, which a pause, a backlog or a
     * tenant's quota may put days after the upload; the broker's default retention (often 7 days,
     * less on many clusters) would lose them under a job still held, failing it when released
     * ("gone from its partition"). They are kept 14 days, as long as the status topic keeps a
     * job's end, whatever the broker's default.
     */
    public static final Map<String, String> DOCUMENTS = Map.of("cleanup.policy", "delete",
            "retention.ms", Long.toString(STATUS_RETENTION.toMillis()));

    private final String namespace;
    private final SchemaRegistry registry;
    public final Topic<String, JobRequest> jobs;
    public final Topic<String, DocumentChunk> documents;
    public final Topic<Integer, WorkOrder> work;
    public final Topic<String, JobStatus> status;
    public final Topic<String, Summary> summaries;
    public final Topic<String, Extraction> extractions;
    public final Topic<String, Control> control;
    public final Topic<String, WorkerHeartbeat> workers;
    public final Topic<byte[], DeadLetter> deadLetters;

    public Topics(String namespace, SchemaRegistry registry) {
        if (namespace == null || !namespace.matches("[A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("topic namespace must be letters, digits, '.', '_' or '-': " + namespace);
        }
        this.namespace = namespace;
        this.registry = registry;
        var key = Serdes.String();
        jobs = new Topic<>(namespace + "jobs", key, AvroSerde.forValues(JobRequest.class, registry));
        documents = new Topic<>(namespace + "documents", key, AvroSerde.forValues(DocumentChunk.class, registry));
        work = new Topic<>(namespace + "work", Serdes.Integer(), AvroSerde.forValues(WorkOrder.class, registry));
        status = new Topic<>(namespace + "status", key, AvroSerde.forValues(JobStatus.class, registry));
        summaries = new Topic<>(namespace + "summaries", key, AvroSerde.forValues(Summary.class, registry));
        extractions = new Topic<>(namespace + "extractions", key, AvroSerde.forValues(Extraction.class, registry));
        control = new Topic<>(namespace + "control", key, AvroSerde.forValues(Control.class, registry));
        workers = new Topic<>(namespace + "workers", key, AvroSerde.forValues(WorkerHeartbeat.class, registry));
        deadLetters = new Topic<>(namespace + "dead-letters", Serdes.ByteArray(), AvroSerde.forValues(DeadLetter.class, registry));
    }

    /** The namespace every component uses unless told otherwise. */
    public static final String DEFAULT_NAMESPACE = "longhaul.";

    /** The default namespace, "longhaul.". */
    public static Topics of(SchemaRegistry registry) {
        return new Topics(DEFAULT_NAMESPACE, registry);
    }

    /**
     * A default Kafka id (a consumer group, a Streams application id) for a deployment in
     * `namespace`: `id` itself in the default namespace, as deployments have always had it, else
     * the namespace and `id`, and for the empty namespace `id` + ".root" (a suffix, so that no
     * namespace's prefixed id can equal it). Two deployments in different namespaces on one
     * cluster then share no consumer group and no Streams internal topic (a shared application id
     * would mix their repartition and changelog topics). A null namespace gives `id`, for the
     * configuration it goes into to refuse.
     */
    public static String scopedId(String namespace, String id) {
        if (namespace == null || namespace.equals(DEFAULT_NAMESPACE)) {
            return id;
        }
        return namespace.isEmpty() ? id + ".root" : namespace + id;
    }

    public String namespace() {
        return namespace;
    }

    /** The namespace of a tenant's own topics: "<namespace>tenant.<tenant>.". */
    public static String tenantNamespace(String namespace, String tenant) {
        if (tenant == null || !tenant.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,63}")) {
            // No dots: one tenant's prefix must never be a prefix of another tenant's topics. A
            // letter or digit first: the tenant's job ids begin with its name (TenantJobIds), and a
            // job id must begin with one.
            throw new IllegalArgumentException("a tenant name must be 1 to 64 letters, digits, '_' or '-', beginning with a "
                    + "letter or digit: " + tenant);
        }
        return namespace + "tenant." + tenant + ".";
    }

    /** The catalog of a tenant's own topics (tenantNamespace), through the same registry. */
    public Topics forTenant(String tenant) {
        return new Topics(tenantNamespace(namespace, tenant), registry);
    }

    /** The topics a tenant writes (jobs, documents, control) and reads (status, summaries, extractions, dead-letters). */
    public List<Map.Entry<Topic<?, ?>, Map<String, String>>> tenantFacing() {
        return List.of(
                Map.entry(jobs, DELETE),
                Map.entry(documents, DELETE), // its chunks are copied to the shared documents topic on admission
                Map.entry(control, DELETE),
                Map.entry(status, STATUS),
                Map.entry(summaries, DELETE),
                Map.entry(extractions, DELETE),
                Map.entry(deadLetters, DELETE));
    }

    /** Every topic with the cleanup policy it is created with. */
    public List<Map.Entry<Topic<?, ?>, Map<String, String>>> all() {
        return List.of(
                Map.entry(jobs, DELETE),
                Map.entry(documents, DOCUMENTS),
                Map.entry(work, DELETE),
                Map.entry(status, STATUS),
                Map.entry(summaries, DELETE),
                Map.entry(extractions, DELETE),
                Map.entry(control, DELETE),
                Map.entry(workers, WORKERS),
                Map.entry(deadLetters, DELETE));
    }
}
