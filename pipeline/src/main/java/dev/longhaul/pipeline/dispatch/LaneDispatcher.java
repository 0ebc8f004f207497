/*
 * The Dispatch stage: the one processor that sees every planned order, heartbeat and finished job
 * (all re-keyed onto single-partition topics, see PipelineTopology), because choosing a lane and
 * sharing capacity between tenants are global decisions.
 *
 * Contract:
 * - a planned order is held (QUEUED) until a lane can take it; held orders are released in the
 *   order: higher priority, then earliest deadline (none last), then the tenant served fewest
 *   tokens so far, then arrival; a tenant at its outstanding-token quota waits. A tenant that
 *   becomes active (nothing held or in flight before) starts at the least served count of the
 *   active tenants (a fair-share clock), so "fewest so far" means since it came back, not ever
 *   (and the count of a tenant gone idle at or below the clock, which says no more, is forgotten);
 * - lanes are those named by heartbeats no older than laneTimeout (by the heartbeat's own `at`);
 *   without one, nothing is dispatched. A worker unheard of for ten lane timeouts, or whose report
 *   is dated ten lane timeouts ahead, is forgotten.
 *   A worker's outstanding cost counts its report and every order released onto its lanes and not
 *   yet finished, polled or not (LaneLoads); its lanes take orders while that is below the
 *   window, and the least loaded worker's least queued lane goes first;
 * - a released order goes to `work` keyed by its lane, with QUEUED "lane=N" on `status`, and counts
 *   against its lane and tenant until a final status of the job arrives, its worker hands it back
 *   (below), or it is taken as lost: released at least LOST_AFTER_TIMEOUTS lane timeouts ago onto a lane whose worker has
 *   reported nothing outstanding for that long, with the same lanes, in every fresh heartbeat (a
 *   worker's report counts every order it holds, at least one token each, an order it cannot decode
 *   yet too, and an idle worker polls all its lanes, so the order is not waiting there: its record
 *   is gone, say by retention, or its final status was lost). A lost order is logged, no longer counted, and its
 *   job ends FAILED saying so (run again, it could run twice should the order turn up after all);
 * - a held order whose deadline has passed becomes EXPIRED; a CANCEL for a held order, CANCELLED;
 *   neither is ever released;
 * - a SET_PRIORITY for a held order changes its priority (and the priority its order carries to
 *   the worker), with QUEUED "priority=N" on `status` ("paused; priority=N" while paused, so the
 *   latest status still says it is); a PAUSE keeps a held order from release
 *   (QUEUED "paused"; its deadline still runs, and while paused it does not make its tenant active
 *   for the fair share) until a RESUME (QUEUED "resumed");
 * - a copy of each released order is kept while it is in flight (RELEASED_STORE), and the order
 *   carries its release's time (WorkOrder.releasedAt); its worker reads `control` itself, and a
 *   command for it here only changes what a hand-back does. A worker that stops a paused job, or
 *   does not start it, hands the order back (QUEUED JobStates.handedBack(release), committed with
 *   the order's offset): the order leaves flight and is held again with its arrival and any
 *   priority set meanwhile, paused, and runs again from the beginning once resumed (a job whose
 *   run had started met its deadline, by which it must start: JobStates.handedBackStarted; held
 *   again it no longer expires, and its order says so to the next worker, WorkOrder.started); a hand-back
 *   naming another release than the one in flight changes nothing. A RESUME that came while it was
 *   in flight, after any PAUSE, releases it at once (QUEUED "resumed"): the worker read the PAUSE
 *   before it; a CANCEL that came while it was in flight ends it CANCELLED. The hand-back and the
 *   commands reach this processor on different topics, in either order: a hand-back met by no
 *   PAUSE yet is still taken as paused, which the PAUSE on its way confirms. (A PAUSE and RESUME
 *   the worker absorbed within one flight, then a second PAUSE whose hand-back comes first, cost
 *   one extra release, which the worker hands back again.) An order released before copies were
 *   kept (by an earlier version) cannot be held again: the job FAILs, saying why. A hand-back that
 *   comes after its order was taken as lost finds nothing in flight and changes nothing.
 *
 * Decisions are retried after every event and on a wall-clock punctuation.
 */
package dev.longhaul.pipeline.dispatch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import dev.longhaul.pipeline.Outcome;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStates;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkOrder;
import dev.longhaul.schemas.WorkerHeartbeat;
import dev.longhaul.schemas.wire.DeadLetterReason;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

public final class LaneDispatcher implements Processor<String, DispatchEvent, String, Outcome> {
    /** Job id -> order waiting for a lane. */
    public static final String HELD_STORE = "dispatch-held";
    /** Job id -> order released and not yet finished. */
    public static final String IN_FLIGHT_STORE = "dispatch-in-flight";
    /** Job id -> the copy kept of an order in flight (ReleasedOrder), to hold again if its worker hands it back. */
    public static final String RELEASED_STORE = "dispatch-released";
    /** Worker id -> its latest heartbeat. */
    public static final String WORKERS_STORE = "dispatch-workers";
    /** Tenant -> tokens of the orders released for it so far (fair share); idle ones at or below the clock are forgotten. */
    public static final String SERVED_STORE = "dispatch-served";
    /**
     * A worker unheard of for this many lane timeouts is deleted from WORKERS_STORE. Its report
     * stopped counting after one timeout; without this, every worker id ever seen (by default
     * host name and process id, so a new one per restart) would stay and be scanned on every event.
     */
    static final int FORGET_AFTER_TIMEOUTS = 10;
    /**
     * A released order counts as lost once it is this many lane timeouts old and its lane's worker
     * has reported nothing outstanding for as long (see the contract above).
     */
    static final int LOST_AFTER_TIMEOUTS = 10;
    private static final System.Logger LOG = System.getLogger(LaneDispatcher.class.getName());
    /** SERVED_STORE's entry for the fair-share clock (no tenant is named by the empty string). */
    static final String CLOCK_KEY = "";

    private final PipelineConfig config;
    /** The held store's serde, also for the copies RELEASED_STORE keeps (decoded only when read). */
    private final Serde<HeldOrder> heldSerde;
    /** The order hold() took in the event being processed; dispatch() makes its tenant catch up. */
    private HeldOrder.Waiting newlyHeld;
    /**
     * The held store's orders as release order, quotas and expiry read them, by job id: rebuilt from
     * the store at init, kept in step with every put and delete, so that an event (a heartbeat, a
     * status, the punctuation) decodes no held order; only a release reads its order from the store.
     */
    private final Map<String, HeldOrder.Waiting> waitingIndex = new HashMap<>();
    /**
     * Workers whose every fresh heartbeat since `since` (this processor's clock), the latest at
     * `last`, reported nothing outstanding, with these lanes; a gap of a lane timeout between two
     * such reports (a worker restarting under the same id) starts a new run. In memory only: after
     * a restart idleness is measured afresh, which only delays taking an order as lost.
     */
    private record Idle(long since, long last, Set<Integer> lanes) {}
    private final Map<String, Idle> idle = new HashMap<>();
    /** Where forgetIdleTenants() goes on in SERVED_STORE (in memory: after a restart it starts again). */
    private final dev.longhaul.pipeline.state.StoreSweep<Long> servedSweep = new dev.longhaul.pipeline.state.StoreSweep<>();
    private ProcessorContext<String, Outcome> context;
    private KeyValueStore<String, HeldOrder> held;
    private KeyValueStore<String, InFlight> inFlight;
    private KeyValueStore<String, ReleasedOrder> released;
    private KeyValueStore<String, WorkerHeartbeat> workers;
    private KeyValueStore<String, Long> served;

    public LaneDispatcher(PipelineConfig config, Topics topics) {
        this.config = config;
        this.heldSerde = HeldOrder.serde(topics);
    }

    public static List<StoreBuilder<?>> storeBuilders(Topics topics) {
        return List.of(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(HELD_STORE), Serdes.String(), HeldOrder.serde(topics)),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(IN_FLIGHT_STORE), Serdes.String(), InFlight.SERDE),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RELEASED_STORE), Serdes.String(), ReleasedOrder.SERDE),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(WORKERS_STORE), Serdes.String(), topics.workers.values()),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVED_STORE), Serdes.String(), Serdes.Long()));
    }

    @Override
    public void init(ProcessorContext<String, Outcome> context) {
        this.context = context;
        held = context.getStateStore(HELD_STORE);
        inFlight = context.getStateStore(IN_FLIGHT_STORE);
        released = context.getStateStore(RELEASED_STORE);
        workers = context.getStateStore(WORKERS_STORE);
        served = context.getStateStore(SERVED_STORE);
        waitingIndex.clear();
        try (KeyValueIterator<String, HeldOrder> all = held.all()) {
            all.forEachRemaining(kv -> waitingIndex.put(kv.key, kv.value.waiting()));
        }
        context.schedule(config.dispatch().punctuationInterval(), PunctuationType.WALL_CLOCK_TIME, now -> {
            dispatch(now);
            forgetIdleTenants();
        });
    }

    @Override
    public void process(Record<String, DispatchEvent> record) {
        long now = context.currentSystemTimeMs();
        switch (record.value()) {
            case DispatchEvent.Planned p -> hold(p.order(), p.paused(), now);
            case DispatchEvent.CancelRequested c -> {
                HeldOrder.Waiting order = unhold(c.jobId());
                if (order != null) {
                    status(order, JobState.CANCELLED, "cancelled while queued", now);
                } else {
                    flagReleased(c.jobId(), ReleasedOrder.CANCELLED, true); // its worker cancels it, unless it hands it back first
                }
            }
            case DispatchEvent.PriorityChanged c -> {
                HeldOrder.Waiting w = waitingIndex.get(c.jobId());
                if (w == null) {
                    changeReleased(c.jobId(), h -> h.order().getRequest().getPriority() == c.priority() ? h : h.withPriority(c.priority()));
                } else if (w.priority() != c.priority()) {
                    rehold(held.get(c.jobId()).withPriority(c.priority()));
                    // a paused order's latest status still says so: it is what a reader (the dashboard) goes by
                    status(w, JobState.QUEUED, (w.paused() ? "paused; " : "") + "priority=" + c.priority(), now);
                }
            }
            case DispatchEvent.PauseChanged c -> {
                HeldOrder.Waiting w = waitingIndex.get(c.jobId());
                if (w == null) {
                    flagReleased(c.jobId(), ReleasedOrder.RESUMED, !c.paused());
                } else if (w.paused() != c.paused()) {
                    HeldOrder.Waiting updated = rehold(held.get(c.jobId()).withPaused(c.paused()));
                    if (!c.paused()) {
                        newlyHeld = updated; // back among the waiting: its tenant catches up as an arrival's does
                    }
                    status(w, JobState.QUEUED, c.paused() ? "paused" : "resumed", now);
                }
            }
            case DispatchEvent.HandedBack b -> holdAgain(b, now);
            case DispatchEvent.Heartbeat h -> {
                workers.put(h.heartbeat().getWorkerId(), h.heartbeat());
                trackIdle(h.heartbeat(), now);
            }
            case DispatchEvent.Finished f -> {
                // only the life that ended: a late end of an earlier life of the id (one planned
                // again after the planner forgot it) must not free the new life's lane or drop its order
                InFlight running = inFlight.get(f.jobId());
                if (running != null && JobStates.sameLife(running.submissionId(), f.submissionId())) {
                    land(f.jobId());
                }
                HeldOrder.Waiting waiting = waitingIndex.get(f.jobId());
                if (waiting != null && JobStates.sameLife(waiting.submissionId(), f.submissionId())) {
                    unhold(f.jobId());
                }
            }
        }
        dispatch(now);
    }

    private void hold(WorkOrder order, boolean paused, long now) {
        String jobId = order.getRequest().getJobId();
        HeldOrder.Waiting queued = waitingIndex.get(jobId);
        InFlight running = inFlight.get(jobId);
        long arrival = context.recordMetadata().map(RecordMetadata::offset).orElse(now);
        if (queued != null || running != null) {
            String earlier = queued != null ? queued.submissionId() : running.submissionId();
            if (!JobStates.sameLife(earlier, order.getRequest().getSubmissionId())) {
                // a new life of the id (planned again once the planner forgot the old one) while the
                // old is still here: it cannot be held beside it under one key, and dropped without a
                // word it would look ACCEPTED for ever; it fails, saying why
                status(new HeldOrder(order, arrival).waiting(), JobState.FAILED, DeadLetterReason.DUPLICATE_JOB_ID
                        + ": an earlier submission of job " + jobId + " is still " + (queued != null ? "queued" : "running")
                        + " here; the planner counts this submission as planned until it forgets the id again, so"
                        + " submit it under a new job id", now);
            }
            return; // the same order again (a redelivery) is already here
        }
        HeldOrder.Waiting w = rehold(new HeldOrder(order, arrival, paused));
        if (!paused) {
            newlyHeld = w; // its tenant catches up in dispatch(), from the scans dispatch makes anyway
        }
        status(w, JobState.QUEUED, paused ? "paused" : null, now);
    }

    /** Sets or clears a flag of the copy kept of the job's released order, if there is one. */
    private void flagReleased(String jobId, int flag, boolean on) {
        ReleasedOrder r = released.get(jobId);
        if (r != null && r.has(flag) != on) {
            released.put(jobId, r.with(flag, on));
        }
    }

    /** Applies `change` to the copy kept of the job's released order, if there is one. */
    private void changeReleased(String jobId, java.util.function.UnaryOperator<HeldOrder> change) {
        ReleasedOrder r = released.get(jobId);
        if (r == null) {
            return;
        }
        HeldOrder before = heldSerde.deserializer().deserialize(RELEASED_STORE, r.held());
        HeldOrder after = change.apply(before);
        if (after != before) {
            released.put(jobId, new ReleasedOrder(r.flags(), heldSerde.serializer().serialize(RELEASED_STORE, after)));
        }
    }

    /** The job's order is no longer in flight: its entry and the copy kept of it go. */
    private void land(String jobId) {
        inFlight.delete(jobId);
        released.delete(jobId);
    }

    /**
     * A worker gave a paused job's order back: it leaves flight and is held again from the copy
     * kept of it, paused unless a RESUME came for it after any PAUSE while in flight; a CANCEL that
     * came meanwhile ends the job instead. A hand-back of another life, of another release than the
     * one in flight (an earlier one's status written again), or of an order no longer in flight
     * (said twice) changes nothing.
     */
    private void holdAgain(DispatchEvent.HandedBack b, long now) {
        InFlight f = inFlight.get(b.jobId());
        if (f == null || !JobStates.sameLife(f.submissionId(), b.submissionId()) || waitingIndex.containsKey(b.jobId())) {
            return;
        }
        if (b.release() != 0 && b.release() != f.releasedAt()) {
            return; // 0: the order was released by a dispatcher that did not name releases
        }
        ReleasedOrder r = released.get(b.jobId());
        land(b.jobId());
        if (r == null) {
            Outcome.Status failed = Outcome.status(b.jobId(), f.tenant(), f.submissionId(), JobState.FAILED,
                    "paused while it ran, and its order was released by an earlier version of the dispatcher, which kept no"
                            + " copy to hold again: submit the job again", now);
            context.forward(new Record<>(b.jobId(), failed, now));
            return;
        }
        if (r.has(ReleasedOrder.CANCELLED)) {
            context.forward(new Record<>(b.jobId(), Outcome.status(b.jobId(), f.tenant(), f.submissionId(), JobState.CANCELLED,
                    "cancelled while its worker handed it back, paused", now), now));
            return;
        }
        HeldOrder back = heldSerde.deserializer().deserialize(RELEASED_STORE, r.held())
                .afterRelease(f.releasedAt()).withPaused(!r.has(ReleasedOrder.RESUMED));
        HeldOrder.Waiting w = rehold(b.started() ? back.started() : back); // a run that started met the deadline
        if (!w.paused()) {
            newlyHeld = w; // back among the waiting: its tenant catches up as an arrival's does
            status(w, JobState.QUEUED, "resumed", now); // the worker's status said paused
        }
    }

    /** Puts a held order into the store and the index; what the index now holds. */
    private HeldOrder.Waiting rehold(HeldOrder h) {
        held.put(h.jobId(), h);
        HeldOrder.Waiting w = h.waiting();
        waitingIndex.put(h.jobId(), w);
        return w;
    }

    /** Deletes a held order from the store and the index; what the index held, or null. */
    private HeldOrder.Waiting unhold(String jobId) {
        HeldOrder.Waiting w = waitingIndex.remove(jobId);
        if (w != null) {
            held.delete(jobId);
        }
        return w;
    }

    /**
     * A tenant with nothing held or in flight comes (back) in at the fair-share clock: its served
     * count is raised to the least served count among the tenants now active, or to the clock when
     * none is. Without this a new tenant, or one idle for a month, would count as owed everything
     * the others were served meanwhile, and go first until it had caught up with their lifetime
     * totals, starving them for as long. Among tenants that stay active, shares are untouched.
     * Activity is read from the held orders and in-flight tenants dispatch() has just scanned (the
     * arrived order itself aside), so an arrival costs no scan of its own.
     */
    private void catchUp(HeldOrder.Waiting arrived, List<HeldOrder.Waiting> waiting, Set<String> inFlightTenants) {
        String tenant = arrived.tenant();
        Set<String> active = new HashSet<>(inFlightTenants);
        for (HeldOrder.Waiting w : waiting) {
            if (!w.jobId().equals(arrived.jobId())) {
                active.add(w.tenant());
            }
        }
        if (active.contains(tenant)) {
            return;
        }
        long floor = servedTokens(CLOCK_KEY);
        if (!active.isEmpty()) {
            floor = Math.max(floor, active.stream().mapToLong(this::servedTokens).min().orElse(0));
        }
        if (servedTokens(tenant) < floor) {
            served.put(tenant, floor);
        }
    }

    /**
     * Deletes, one StoreSweep slice per punctuation, the served counts of tenants with nothing held
     * or in flight that are at or below the fair-share clock: such a count means what no count
     * means, since a tenant coming back is raised to the clock anyway (catchUp). Without this every
     * tenant name ever seen would keep an entry for ever. A count above the clock is kept: it says
     * the tenant was served more than the others, which its return must not forget.
     */
    private void forgetIdleTenants() {
        Set<String> active = new HashSet<>();
        waitingIndex.values().forEach(w -> active.add(w.tenant()));
        try (KeyValueIterator<String, InFlight> all = inFlight.all()) {
            all.forEachRemaining(kv -> active.add(kv.value.tenant()));
        }
        long clock = servedTokens(CLOCK_KEY);
        for (org.apache.kafka.streams.KeyValue<String, Long> kv : servedSweep.next(served)) {
            if (!kv.key.equals(CLOCK_KEY) && !active.contains(kv.key) && kv.value <= clock) {
                served.delete(kv.key);
            }
        }
    }

    private long servedTokens(String tenant) {
        Long tokens = served.get(tenant);
        return tokens == null ? 0L : tokens;
    }

    /** A fresh report of nothing outstanding starts or continues its worker's idle run; anything else ends it. */
    private void trackIdle(WorkerHeartbeat hb, long now) {
        long at = hb.getAt().toEpochMilli();
        long timeout = config.dispatch().laneTimeout().toMillis();
        if (at < now - timeout || at > now + timeout) {
            return; // a stale (or far-future) report says nothing about now
        }
        String worker = hb.getWorkerId();
        Idle current = idle.get(worker);
        Set<Integer> lanes = Set.copyOf(hb.getLanes()); // a set: a report lists its lanes in any order
        if (hb.getOutstandingCostTokens() > 0 || lanes.isEmpty()) {
            idle.remove(worker);
        } else if (current == null || now - current.last() > timeout || !current.lanes().equals(lanes)) {
            idle.put(worker, new Idle(now, now, lanes));
        } else {
            idle.put(worker, new Idle(current.since(), now, current.lanes()));
        }
    }

    /** Expires what is overdue, then releases held orders while a live lane has room. */
    private void dispatch(long now) {
        List<HeldOrder.Waiting> waiting = expireOverdue(now);
        LaneLoads lanes = liveLaneLoads(now);
        Map<String, Long> tenantLoad = new HashMap<>();
        try (KeyValueIterator<String, InFlight> all = inFlight.all()) {
            all.forEachRemaining(kv -> tenantLoad.merge(kv.value.tenant(), kv.value.cost(), Long::sum));
        }
        if (newlyHeld != null) {
            catchUp(newlyHeld, waiting, tenantLoad.keySet());
            newlyHeld = null;
        }
        if (lanes.isEmpty() || waiting.isEmpty()) {
            return;
        }
        Map<String, Long> servedCache = new HashMap<>();
        Comparator<HeldOrder.Waiting> order = releaseOrder(tenant -> servedCache.computeIfAbsent(tenant, this::servedTokens));
        boolean released = false;
        while (!waiting.isEmpty()) {
            OptionalInt lane = lanes.choose(config.dispatch().windowTokens());
            // each tenant's first order in release order, and only if it fits the tenant's quota: a
            // tenant's later orders never overtake one that waits for room (its small jobs would
            // otherwise keep the quota full and starve a large or more urgent one for ever)
            Map<String, HeldOrder.Waiting> first = new HashMap<>();
            for (HeldOrder.Waiting h : waiting) {
                first.merge(h.tenant(), h, (a, b) -> order.compare(a, b) <= 0 ? a : b);
            }
            Optional<HeldOrder.Waiting> next = first.values().stream().filter(h -> withinQuota(h, tenantLoad)).min(order);
            if (lane.isEmpty() || next.isEmpty()) {
                break;
            }
            released = true;
            HeldOrder.Waiting h = next.get();
            int chosen = lane.getAsInt();
            release(h, chosen, now);
            waiting.remove(h);
            lanes.released(chosen, h.cost());
            tenantLoad.merge(h.tenant(), h.cost(), Long::sum);
            // from the store when the comparator never read it (an order alone in the queue)
            long total = servedCache.computeIfAbsent(h.tenant(), this::servedTokens) + h.cost();
            servedCache.put(h.tenant(), total);
            served.put(h.tenant(), total);
        }
        if (released) {
            advanceClock(waiting, tenantLoad.keySet(), servedCache);
        }
    }

    /** The fair-share clock follows the least served of the active tenants (those held or in flight); it never goes back. */
    private void advanceClock(List<HeldOrder.Waiting> waiting, Set<String> inFlightTenants, Map<String, Long> servedCache) {
        Set<String> active = new HashSet<>(inFlightTenants);
        waiting.forEach(h -> active.add(h.tenant()));
        long least = active.stream().mapToLong(t -> servedCache.computeIfAbsent(t, this::servedTokens)).min().orElse(0);
        if (least > servedTokens(CLOCK_KEY)) {
            served.put(CLOCK_KEY, least);
        }
    }

    private void release(HeldOrder.Waiting w, int lane, long now) {
        HeldOrder h = held.get(w.jobId()); // the one decode of the order, on its way out
        // the release's time names it: a worker handing the order back says which release it hands
        // back, and every status its worker writes names it. It grows from one release of a job to
        // the next even if this instance's clock is behind the one that made the last (JobStates.
        // staleAfter), so it may be ahead of `now` by as much as the clocks differ
        long release = Math.max(now, h.order().getReleasedAt().toEpochMilli() + 1);
        WorkOrder order = WorkOrder.newBuilder(h.order()).setLane(lane).setReleasedAt(Instant.ofEpochMilli(release)).build();
        unhold(w.jobId());
        inFlight.put(w.jobId(), new InFlight(lane, w.cost(), w.tenant(), release, w.submissionId()));
        released.put(w.jobId(), new ReleasedOrder(0, heldSerde.serializer().serialize(RELEASED_STORE, h))); // held again if handed back
        context.forward(new Record<>(w.jobId(), new Outcome.ToWork(lane, order), now));
        // naming the release handed back, if any (not this one): a late tick of that release (a
        // worker that lost its lane) landing after it is stale, and this release's own are not
        status(w, JobState.QUEUED, "lane=" + lane, now);
    }

    /**
     * Held orders still waiting and not paused, in no particular order (releaseOrder is total:
     * arrivals differ); those whose deadline has passed, paused or not, become EXPIRED and are dropped,
     * unless a run of them had started before a worker handed them back (Waiting.started).
     */
    private List<HeldOrder.Waiting> expireOverdue(long now) {
        List<HeldOrder.Waiting> waiting = new ArrayList<>();
        List<HeldOrder.Waiting> overdue = new ArrayList<>();
        for (HeldOrder.Waiting w : waitingIndex.values()) {
            if (w.expiresAt(now)) {
                overdue.add(w);
            } else if (!w.paused()) {
                waiting.add(w);
            }
        }
        for (HeldOrder.Waiting w : overdue) {
            unhold(w.jobId());
            status(w, JobState.EXPIRED, "deadline " + Instant.ofEpochMilli(w.deadline()) + " passed before dispatch", now);
        }
        return waiting;
    }

    /**
     * The live lanes and their workers' loads (see LaneLoads): workers reported within laneTimeout,
     * and the orders released and not finished. Workers unheard of for FORGET_AFTER_TIMEOUTS lane
     * timeouts, or whose report is dated as far ahead, are deleted on the way.
     */
    private LaneLoads liveLaneLoads(long now) {
        long timeout = config.dispatch().laneTimeout().toMillis();
        long oldest = now - timeout;
        long forgotten = now - FORGET_AFTER_TIMEOUTS * timeout;
        // dated further ahead than a worker is remembered: a clock that far off, or a garbled
        // date, which no later report of another worker would ever make stale
        long beyond = now + FORGET_AFTER_TIMEOUTS * timeout;
        LaneLoads loads = new LaneLoads();
        List<String> gone = new ArrayList<>();
        try (KeyValueIterator<String, WorkerHeartbeat> all = workers.all()) {
            all.forEachRemaining(kv -> {
                WorkerHeartbeat hb = kv.value;
                long at = hb.getAt().toEpochMilli();
                if (at < forgotten || at > beyond) {
                    gone.add(kv.key);
                    return;
                }
                // A report dated past now + laneTimeout is not clock skew: it would outrank every real report for ever.
                if (at < oldest || at > now + timeout) {
                    return;
                }
                for (int lane : hb.getLanes()) {
                    if (lane >= 0 && lane < config.dispatch().lanes()) {
                        loads.report(hb.getWorkerId(), lane, hb.getOutstandingCostTokens(), at);
                    }
                }
            });
        }
        gone.forEach(workers::delete);
        gone.forEach(idle::remove);
        long lostBefore = now - LOST_AFTER_TIMEOUTS * timeout;
        List<Map.Entry<String, InFlight>> lost = new ArrayList<>();
        try (KeyValueIterator<String, InFlight> all = inFlight.all()) {
            all.forEachRemaining(kv -> {
                InFlight f = kv.value;
                String owner = loads.owner(f.lane());
                Idle run = owner == null ? null : idle.get(owner);
                if (run != null && run.since() <= lostBefore && f.releasedAt() <= lostBefore && run.lanes().contains(f.lane())) {
                    lost.add(Map.entry(kv.key, f));
                    LOG.log(System.Logger.Level.WARNING, "job " + kv.key + " (tenant " + f.tenant() + ", " + f.cost()
                            + " tokens) was released onto lane " + f.lane() + " at " + Instant.ofEpochMilli(f.releasedAt())
                            + ", and worker " + owner + " has held nothing since " + Instant.ofEpochMilli(run.since())
                            + " with that lane: its order is taken as lost (gone from `work`, or its final status was)"
                            + " and no longer counts against the lane or the tenant's quota");
                } else {
                    loads.inFlight(f.lane(), f.cost(), f.releasedAt());
                }
            });
        }
        for (Map.Entry<String, InFlight> l : lost) {
            // the job ends FAILED rather than read QUEUED for ever: nothing will run it (its order
            // is gone, or its worker's final status could not be read here); running it again
            // could run it twice, should its order still turn up on a lane
            land(l.getKey());
            InFlight f = l.getValue();
            context.forward(new Record<>(l.getKey(), Outcome.status(l.getKey(), f.tenant(), f.submissionId(), JobState.FAILED,
                    "order lost: released onto lane " + f.lane() + " at " + Instant.ofEpochMilli(f.releasedAt()) + ", whose worker "
                            + loads.owner(f.lane()) + " has held nothing since; submit the job again", f.releasedAt(), now), now));
        }
        return loads;
    }

    private boolean withinQuota(HeldOrder.Waiting h, Map<String, Long> tenantLoad) {
        long load = tenantLoad.getOrDefault(h.tenant(), 0L);
        return load == 0 || load + h.cost() <= config.limits().tenants().maxOutstandingTokens(h.tenant());
    }

    /** Higher priority, then earliest deadline (none last), then least-served tenant, then arrival. */
    static Comparator<HeldOrder.Waiting> releaseOrder(java.util.function.ToLongFunction<String> servedTokens) {
        // Reversed rather than negated: -Integer.MIN_VALUE is Integer.MIN_VALUE, which would put the lowest priority first.
        return Comparator.<HeldOrder.Waiting>comparingInt(HeldOrder.Waiting::priority).reversed()
                .thenComparingLong(HeldOrder.Waiting::deadline) // none is Long.MAX_VALUE: last
                .thenComparingLong(h -> servedTokens.applyAsLong(h.tenant()))
                .thenComparingLong(HeldOrder.Waiting::arrival);
    }

    /**
     * A status of a held job, naming the release its worker handed back, if any: a late tick of
     * that release (from a worker that lost its lane) is then stale after it (JobStates.staleAfter).
     */
    private void status(HeldOrder.Waiting h, JobState state, String reason, long now) {
        status(h, state, reason, h.lastRelease(), now);
    }

    /** A status of the job, about the order's release `release` (0: about none). */
    private void status(HeldOrder.Waiting h, JobState state, String reason, long release, long now) {
        Outcome.Status status = Outcome.status(h.jobId(), h.tenant(), h.submissionId(), state, reason, release, now);
        context.forward(new Record<>(h.jobId(), status, now));
    }
}
