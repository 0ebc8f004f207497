/*
 * The tenants' part of the pipeline topology, added only when PipelineConfig.tenants() names some
 * (the single-tenant topology is unchanged otherwise):
 *
 *   admit:   <ns>tenant.<t>.jobs|documents|control (raw, every tenant) -> tenant-gate [store
 *              tenant-owners] -> shared jobs|documents|control (stamped), dead-letters,
 *              the submitting tenant's status (refused requests)
 *   deliver: status (decoded, tenant jobs only) -> <ns>tenant.<t>.status
 *            status (tenant jobs) -> keeps the job's owner entry fresh [store tenant-owners]
 *            summaries|extractions (raw) -> the owner's <ns>tenant.<t>.summaries|extractions
 *              [store tenant-owners]
 *            dead-letters (raw) -> <ns>tenant.<t>.dead-letters of the tenant whose topic the
 *              record came in on, or of the job's owner when it was refused on a shared topic
 *              [store tenant-owners]
 *
 * One store of owners serves admission and delivery, so a job id's owner is one fact, forgotten
 * once (TenantOwners: after the settled-job retention without news of the job).
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

import java.time.Duration;
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
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

public final class TenantTopology {
    private static final Serde<Outcome.Routed> ROUTED = Serdes.serdeFrom(
            (topic, routed) -> routed == null ? null : routed.value(),
            (topic, bytes) -> {
                throw new UnsupportedOperationException("routed records are only written");
            });

    private TenantTopology() {}

    /**
     * Adds admission and delivery for `tenants` to the builder; `statuses` is the decoded status
     * stream. A job id not heard of for `retention` is forgotten, by a sweep every `sweepInterval`.
     */
    public static void addTo(StreamsBuilder builder, Topics topics, Set<String> tenants, KStream<String, JobStatus> statuses,
                             Duration retention, Duration sweepInterval) {
        Map<String, Topics> own = new TreeMap<>();
        tenants.forEach(t -> own.put(t, topics.forTenant(t)));
        TenantOwners.storeBuilders().forEach(builder::addStateStore);
        admit(builder, topics, own, retention, sweepInterval);
        deliver(builder, topics, own, statuses, retention);
    }

    private static void admit(StreamsBuilder builder, Topics topics, Map<String, Topics> tenants, Duration retention, Duration sweepInterval) {
        KStream<byte[], byte[]> inputs = null;
        for (Topics own : tenants.values()) {
            for (Topic<?, ?> t : List.of(own.jobs, own.documents, own.control)) {
                KStream<byte[], byte[]> s = builder.stream(t.name(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withName("tenant-source-" + t.name()));
                inputs = inputs == null ? s : inputs.merge(s, Named.as("tenant-merge-" + t.name()));
            }
        }
        var out = inputs.process(() -> new TenantGate(topics, tenants.keySet(), retention, sweepInterval), Named.as("tenant-gate"),
                        TenantOwners.STORES)
                .split(Named.as("tenant-gate-"))
                .branch((k, o) -> o instanceof Outcome.DeadLettered, Branched.as("dead"))
                .branch((k, o) -> o instanceof Outcome.Routed, Branched.as("routed"))
                .noDefaultBranch();
        out.get("tenant-gate-dead")
                // keyed by the letter's own key (cut to a size a record takes), not the raw record key
                .map((k, o) -> org.apache.kafka.streams.KeyValue.pair(((Outcome.DeadLettered) o).key(), ((Outcome.DeadLettered) o).letter()),
                        Named.as("tenant-gate-letter"))
                .to(topics.deadLetters.name(), Produced.with(topics.deadLetters.keys(), topics.deadLetters.values())
                        .withName("tenant-gate-dead-letter-sink"));
        out.get("tenant-gate-routed")
                .mapValues(o -> (Outcome.Routed) o, Named.as("tenant-gate-as-routed"))
                .to((key, routed, context) -> routed.topic(), Produced.with(Serdes.ByteArray(), ROUTED).withName("tenant-gate-sink"));
    }

    private static void deliver(StreamsBuilder builder, Topics topics, Map<String, Topics> tenants, KStream<String, JobStatus> statuses,
                                Duration retention) {
        statuses.process(() -> new TenantDelivery.StatusRouter(retention, tenants.keySet()), Named.as("tenant-statuses"), TenantOwners.STORES)
                .to((jobId, s, context) -> tenants.get(s.getTenant()).status.name(),
                        Produced.with(topics.status.keys(), topics.status.values()).withName("tenant-status-sink"));
        deliverResults(builder, topics.summaries, retention, t -> tenants.containsKey(t) ? tenants.get(t).summaries.name() : null);
        deliverResults(builder, topics.extractions, retention, t -> tenants.containsKey(t) ? tenants.get(t).extractions.name() : null);
        Map<String, String> namespaces = new TreeMap<>();
        tenants.keySet().forEach(t -> namespaces.put(t, Topics.tenantNamespace(topics.namespace(), t)));
        builder.stream(topics.deadLetters.name(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("tenant-dead-letters-source"))
                .process(() -> new TenantDelivery.DeadLetterRouter(retention,
                                Set.of(topics.jobs.name(), topics.documents.name(), topics.control.name()), namespaces,
                                t -> tenants.containsKey(t) ? tenants.get(t).deadLetters.name() : null,
                                topics.deadLetters.values().deserializer(), topics.deadLetters.name()),
                        Named.as("tenant-dead-letters-route"), TenantOwners.STORES)
                .to((key, routed, context) -> routed.topic(), Produced.with(Serdes.ByteArray(), ROUTED).withName("tenant-dead-letters-sink"));
    }

    private static void deliverResults(StreamsBuilder builder, Topic<String, ?> results, Duration retention,
                                       Function<String, String> tenantTopic) {
        String name = results.name().substring(results.name().lastIndexOf('.') + 1);
        builder.stream(results.name(), Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("tenant-" + name + "-source"))
                .process(() -> new TenantDelivery.ResultRouter(retention, tenantTopic), Named.as("tenant-" + name + "-route"), TenantOwners.STORES)
                .to((jobId, routed, context) -> routed.topic(), Produced.with(Serdes.String(), ROUTED).withName("tenant-" + name + "-sink"));
    }
}
