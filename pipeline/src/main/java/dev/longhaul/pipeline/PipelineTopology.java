/*
 * The pipeline's Kafka Streams topology as a pure function of its configuration and the topic
 * catalog: no main, no environment, no lifecycle (ops starts it with
 * PipelineConfig.streamsProperties). Shape:
 *
 *   plan:     jobs + documents + control (raw bytes, co-partitioned by job id)
 *               -> planner [stores plan-jobs, plan-open] -> status, dead-letters, dispatch-orders
 *   status:   status (raw) -> decode -> status-table [store status-latest, queryable]
 *                                    -> final states -> dispatch-finished
 *   workers:  workers (raw) -> decode -> dispatch-heartbeats
 *   dispatch: dispatch-orders + dispatch-finished + dispatch-heartbeats (1 partition each)
 *               -> dispatcher [stores dispatch-held, -in-flight, -workers, -served]
 *               -> work (partition = lane), status
 *
 * With tenants configured, TenantTopology adds admission from and delivery to their own topics.
 * Every input is read as bytes and decoded inside the topology, so unreadable records become
 * dead letters instead of stopping a partition.
 */
package dev.longhaul.pipeline;

import java.util.Map;

import dev.longhaul.pipeline.dispatch.DispatchEvent;
import dev.longhaul.pipeline.dispatch.LaneDispatcher;
import dev.longhaul.pipeline.dispatch.LanePartitioner;
import dev.longhaul.pipeline.plan.JobPlanner;
import dev.longhaul.pipeline.status.JobStatusQuery;
import dev.longhaul.pipeline.status.StatusTable;
import dev.longhaul.pipeline.tenant.TenantTopology;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.JobStates;
import dev.longhaul.schemas.Topics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

public final class PipelineTopology {
    /** The one key of the dispatch topics: every dispatch event goes to the same (single) partition. */
    static final String DISPATCHER_KEY = "dispatcher";
    /** Internal topics: <applicationId>-<name>-repartition. */
    public static final String DISPATCH_ORDERS = "dispatch-orders";
    public static final String DISPATCH_FINISHED = "dispatch-finished";
    public static final String DISPATCH_HEARTBEATS = "dispatch-heartbeats";

    private PipelineTopology() {}

    public static Topology build(PipelineConfig config, Topics topics) {
        if (!topics.namespace().equals(config.kafka().namespace())) {
            throw new IllegalArgumentException("the topic catalog's namespace '" + topics.namespace()
                    + "' differs from the configured '" + config.kafka().namespace() + "'");
        }
        StreamsBuilder builder = new StreamsBuilder();
        Serde<DispatchEvent> events = DispatchEvent.serde(topics);

        // Plan: one processor sees a job's request, chunks and cancels because all three topics are
        // keyed by job id and co-partitioned, so no re-key is needed here.
        builder.addStateStore(JobPlanner.storeBuilder());
        builder.addStateStore(JobPlanner.openStoreBuilder());
        KStream<String, Outcome> planned = raw(builder, topics.jobs)
                .merge(raw(builder, topics.documents), Named.as("plan-merge-documents"))
                .merge(raw(builder, topics.control), Named.as("plan-merge-control"))
                .process(() -> new JobPlanner(config, topics), Named.as("planner"), JobPlanner.STORE, JobPlanner.OPEN_STORE);
        KStream<String, DispatchEvent> orders = route(planned, topics, "plan", Outcome.ToDispatch.class)
                .mapValues(o -> ((Outcome.ToDispatch) o).event(), Named.as("plan-dispatch-event"));

        // Status: the queryable latest status per job, and the final states that free lane capacity.
        KStream<String, JobStatus> statuses = decoded(builder, topics.status, topics);
        builder.addStateStore(StatusTable.storeBuilder(topics));
        statuses.process(() -> new StatusTable(config.limits().settledJobRetention(), config.dispatch().punctuationInterval()),
                        Named.as("status-table"), JobStatusQuery.STATUS_STORE)
                .to(topics.status.name(), Produced.with(topics.status.keys(), topics.status.values()).withName("status-restore-sink"));
        // and a worker's hand-back of a paused job's order, which the dispatcher holds again; not
        // the planner's cancel before planning that names no submission: an order of the id
        // still held or running (its plan forgotten) is cancelled by the dispatcher itself, on
        // the planner's CancelRequested, and the status must not free its lane before that
        KStream<String, DispatchEvent> finished = statuses
                .filter((jobId, status) -> JobStates.isFinal(status.getState()) && !JobStates.plannersUnnamedCancel(status)
                        || JobStates.handedBack(status), Named.as("status-final"))
                .<DispatchEvent>mapValues((jobId, status) -> JobStates.isFinal(status.getState())
                                ? new DispatchEvent.Finished(jobId, status.getState(), status.getSubmissionId())
                                : new DispatchEvent.HandedBack(jobId, status.getSubmissionId(), JobStates.handedBackRelease(status),
                                        JobStates.handedBackStarted(status)),
                        Named.as("status-finished"));

        if (!config.tenants().isEmpty()) {
            // Tenants with topics of their own: admission into, and delivery out of, the shared topics.
            TenantTopology.addTo(builder, topics, config.tenants(), statuses,
                    config.limits().settledJobRetention(), config.dispatch().punctuationInterval());
        }

        KStream<String, DispatchEvent> heartbeats = decoded(builder, topics.workers, topics)
                .mapValues(DispatchEvent.Heartbeat::new, Named.as("workers-heartbeat"));

        // Dispatch: choosing a lane and sharing capacity fairly between tenants need every held
        // order, every lane's load and every tenant's share in one place, so all dispatch events are
        // re-keyed to one key on single-partition topics and handled by one task. The events are per
        // job and per heartbeat (never per chunk), so one task keeps up.
        for (var store : LaneDispatcher.storeBuilders(topics)) {
            builder.addStateStore(store);
        }
        KStream<String, Outcome> dispatched = toDispatcher(orders, DISPATCH_ORDERS, events)
                .merge(toDispatcher(finished, DISPATCH_FINISHED, events), Named.as("dispatch-merge-finished"))
                .merge(toDispatcher(heartbeats, DISPATCH_HEARTBEATS, events), Named.as("dispatch-merge-heartbeats"))
                .process(() -> new LaneDispatcher(config, topics), Named.as("dispatcher"),
                        LaneDispatcher.HELD_STORE, LaneDispatcher.IN_FLIGHT_STORE, LaneDispatcher.RELEASED_STORE, LaneDispatcher.WORKERS_STORE,
                        LaneDispatcher.SERVED_STORE);
        route(dispatched, topics, "dispatch", Outcome.ToWork.class)
                .map((jobId, o) -> KeyValue.pair(((Outcome.ToWork) o).lane(), ((Outcome.ToWork) o).order()), Named.as("dispatch-work-by-lane"))
                .to(topics.work.name(), Produced.with(topics.work.keys(), topics.work.values())
                        .withStreamPartitioner(new LanePartitioner())
                        .withName("work-sink"));
        return builder.build();
    }

    private static KStream<byte[], byte[]> raw(StreamsBuilder builder, Topic<?, ?> topic) {
        String name = topic.name().substring(topic.name().lastIndexOf('.') + 1);
        return builder.stream(topic.name(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(name + "-source"));
    }

    /** The readable records of a topic, typed; the others go to dead-letters. */
    @SuppressWarnings("unchecked")
    private static <V> KStream<String, V> decoded(StreamsBuilder builder, Topic<String, V> topic, Topics topics) {
        String name = topic.name().substring(topic.name().lastIndexOf('.') + 1);
        KStream<String, Outcome> out = raw(builder, topic).process(() -> new RecordDecoder<>(topic), Named.as(name + "-decode"));
        return route(out, topics, name, Outcome.Decoded.class)
                .mapValues(o -> ((Outcome.Decoded<V>) o).value(), Named.as(name + "-value"));
    }

    /** The named repartition onto the single dispatcher partition. */
    private static KStream<String, DispatchEvent> toDispatcher(KStream<String, DispatchEvent> events, String name, Serde<DispatchEvent> serde) {
        return events
                .selectKey((key, event) -> DISPATCHER_KEY, Named.as(name + "-rekey"))
                .repartition(Repartitioned.<String, DispatchEvent>as(name)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(serde)
                        .withNumberOfPartitions(1));
    }

    /**
     * Sends a stage's statuses to `status` and its dead letters to `dead-letters`, and returns its
     * outcomes of kind `rest` (each stage emits statuses or dead letters or both, plus one other kind).
     */
    private static KStream<String, Outcome> route(KStream<String, Outcome> out, Topics topics, String stage, Class<? extends Outcome> rest) {
        Map<String, KStream<String, Outcome>> kinds = out.split(Named.as(stage + "-"))
                .branch((k, o) -> o instanceof Outcome.Status, Branched.as("status"))
                .branch((k, o) -> o instanceof Outcome.DeadLettered, Branched.as("dead"))
                .branch((k, o) -> rest.isInstance(o), Branched.as("rest"))
                .noDefaultBranch();
        kinds.get(stage + "-status")
                .map((k, o) -> KeyValue.pair(((Outcome.Status) o).status().getJobId(), ((Outcome.Status) o).status()), Named.as(stage + "-status-by-job"))
                .to(topics.status.name(), Produced.with(topics.status.keys(), topics.status.values()).withName(stage + "-status-sink"));
        kinds.get(stage + "-dead")
                .map((k, o) -> KeyValue.pair(((Outcome.DeadLettered) o).key(), ((Outcome.DeadLettered) o).letter()), Named.as(stage + "-dead-by-key"))
                .to(topics.deadLetters.name(), Produced.with(topics.deadLetters.keys(), topics.deadLetters.values()).withName(stage + "-dead-letter-sink"));
        return kinds.get(stage + "-rest");
    }
}
