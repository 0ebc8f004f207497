/*
 * The tenants' part of the pipeline topology, added only when PipelineConfig.tenants() names some
 * (the single-tenant topology is unchanged otherwise):
 *
 *   admit:   <ns>tenant.<t>.jobs|documents|control (raw, every tenant) -> tenant-gate [store
 *              tenant-owners] -> shared jobs|documents|control (stamped), dead-letters,
 *              the submitting tenant's status (refused requests)
 *   deliver: status (decoded, tenant jobs only) -> <ns>tenant.<t>.status
 *            status -> tenant per job [store tenant-of-job]
 *            summaries|extractions (raw) join tenant-of-job -> <ns>tenant.<t>.summaries|extractions
 *
 * Why this shape: Kafka ACLs are per topic (or topic prefix), not per record, so a tenant can only
 * be kept to its own records if its records live in topics of its own. Giving each tenant the
 * whole pipeline would split the workers; instead tenants write and read under their own prefix,
 * and this admission and delivery is the one place that crosses between a tenant's topics and the
 * shared ones, deciding the tenant from the topic alone. The planner, dispatcher (fair sharing by
 * tenant) and workers are unchanged. Results and statuses are copied, so a tenant's results cost
 * their size twice on the broker; documents too (they are admitted by copy), so tenant input topics
 * can keep a short retention.
 */
package dev.longhaul.pipeline.tenant;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import dev.longhaul.pipeline.Outcome;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.Topics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;

public final class TenantTopology {
    /** Job id -> tenant, for the jobs of tenants with topics of their own (delivery's lookup). */
    public static final String TENANT_OF_JOB_STORE = "tenant-of-job";

    private static final Serde<Outcome.Routed> ROUTED = Serdes.serdeFrom(
            (topic, routed) -> routed == null ? null : routed.value(),
            (topic, bytes) -> {
                throw new UnsupportedOperationException("routed records are only written");
            });

    private TenantTopology() {}

    /** Adds admission and delivery for `tenants` to the builder; `statuses` is the decoded status stream. */
    public static void addTo(StreamsBuilder builder, Topics topics, Set<String> tenants, KStream<String, JobStatus> statuses) {
        Map<String, Topics> own = new TreeMap<>();
        tenants.forEach(t -> own.put(t, topics.forTenant(t)));
        admit(builder, topics, own);
        deliver(builder, topics, own, statuses);
    }

    private static void admit(StreamsBuilder builder, Topics topics, Map<String, Topics> tenants) {
        KStream<byte[], byte[]> inputs = null;
        for (Topics own : tenants.values()) {
            for (Topic<?, ?> t : List.of(own.jobs, own.documents, own.control)) {
                KStream<byte[], byte[]> s = builder.stream(t.name(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withName("tenant-source-" + t.name()));
                inputs = inputs == null ? s : inputs.merge(s, Named.as("tenant-merge-" + t.name()));
            }
        }
        builder.addStateStore(TenantGate.storeBuilder());
        var out = inputs.process(() -> new TenantGate(topics, tenants.keySet()), Named.as("tenant-gate"), TenantGate.STORE)
                .split(Named.as("tenant-gate-"))
                .branch((k, o) -> o instanceof Outcome.DeadLettered, Branched.as("dead"))
                .branch((k, o) -> o instanceof Outcome.Routed, Branched.as("routed"))
                .noDefaultBranch();
        out.get("tenant-gate-dead")
                .mapValues(o -> ((Outcome.DeadLettered) o).letter(), Named.as("tenant-gate-letter"))
                .to(topics.deadLetters.name(), Produced.with(topics.deadLetters.keys(), topics.deadLetters.values())
                        .withName("tenant-gate-dead-letter-sink"));
        out.get("tenant-gate-routed")
                .mapValues(o -> (Outcome.Routed) o, Named.as("tenant-gate-as-routed"))
                .to((key, routed, context) -> routed.topic(), Produced.with(Serdes.ByteArray(), ROUTED).withName("tenant-gate-sink"));
    }

    private static void deliver(StreamsBuilder builder, Topics topics, Map<String, Topics> tenants, KStream<String, JobStatus> statuses) {
        KStream<String, JobStatus> theirs = statuses.filter((jobId, s) -> tenants.containsKey(s.getTenant()), Named.as("tenant-statuses"));
        theirs.to((jobId, s, context) -> tenants.get(s.getTenant()).status.name(),
                Produced.with(topics.status.keys(), topics.status.values()).withName("tenant-status-sink"));
        // Results carry no tenant; their job's statuses (ACCEPTED long before any result) do. Both
        // topics are keyed by job id with one partition count, so the join needs no re-key.
        KTable<String, String> tenantOf = theirs
                .mapValues(JobStatus::getTenant, Named.as("tenant-of-status"))
                .toTable(Named.as("tenant-of-job-table"), Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as(TENANT_OF_JOB_STORE)
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.String()));
        deliverResults(builder, topics.summaries, tenantOf, t -> tenants.get(t).summaries.name());
        deliverResults(builder, topics.extractions, tenantOf, t -> tenants.get(t).extractions.name());
    }

    private static void deliverResults(StreamsBuilder builder, Topic<String, ?> results, KTable<String, String> tenantOf,
                                       Function<String, String> tenantTopic) {
        String name = results.name().substring(results.name().lastIndexOf('.') + 1);
        builder.stream(results.name(), Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("tenant-" + name + "-source"))
                .join(tenantOf, (bytes, tenant) -> new Outcome.Routed(tenantTopic.apply(tenant), bytes),
                        org.apache.kafka.streams.kstream.Joined.<String, byte[], String>as("tenant-" + name + "-join")
                                .withKeySerde(Serdes.String()).withValueSerde(Serdes.ByteArray()).withOtherValueSerde(Serdes.String()))
                .to((jobId, routed, context) -> routed.topic(), Produced.with(Serdes.String(), ROUTED).withName("tenant-" + name + "-sink"));
    }
}
