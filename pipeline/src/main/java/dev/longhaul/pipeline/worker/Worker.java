/*
 * A worker process's Kafka side: a member of the consumer group over `work` whose partitions are
 * its lanes. The poll loop never waits on inference: orders run on inference threads, up to
 * WorkerConfig.concurrentOrders at once and never two of one lane, all sharing the engine's
 * batched steps; the loop pauses every lane with an order in progress or waiting and keeps
 * polling (so the group sees it alive, however long the job), publishes heartbeats, and picks up
 * finished runs. One order per lane at a time keeps each lane's offsets committing in order, so a
 * committed offset never passes an order that is not done. A finished order commits its results,
 * its final status and the `work` offset in one transaction whose offsets carry the group
 * generation (KIP-447): a worker that lost the lane meanwhile is fenced and its results vanish,
 * the new owner redoes the order, and each job gets exactly one result per task. A job's deadline
 * is the time by which it must start: an order with one has its start marked in the group (the
 * lane's committed offset, unchanged, with a mark naming the order), so that a new owner of the
 * lane redoes a job that started in time, however late, instead of expiring it. Progress ticks
 * and heartbeats go outside transactions; each heartbeat carries the engine's batch fill over its
 * interval. Cancellation comes from `control`, read from its start, and reaches the run of its job
 * alone (each run has its own RunCancel); a revoked lane cancels only its own order, and a run
 * stopped by the worker itself (closing) commits nothing, so its order is redone, never CANCELLED.
 * A PAUSE stops its job's run the same way, or keeps its order from starting, and the order is
 * handed back: QUEUED JobStates.handedBack (naming the order's release) and the `work` offset in
 * one transaction, from which the dispatcher holds the order again until a RESUME (the job then
 * runs from the beginning). Before an order is handed back, the control listener reads `control`
 * as far as it reached then: the RESUME that had the dispatcher release the order again came
 * before it, and an order handed back on a PAUSE that RESUME undid would wait paused for good. A
 * paused order neither holds a lane nor keeps its state here: a job may stay paused for days.
 * A run that fails for a reason that may pass (a remote inference server down, timing out or
 * answering 5xx) runs again after a pause that doubles from a second up to a minute, MAX_TRIES
 * tries in all, the lane holding its place meanwhile; any other failure, or the last try's, ends the
 * job FAILED with a dead letter. A finished outcome whose commit does not land on a lane still
 * ours is committed again, not recomputed; after MAX_TRIES its results give way to a FAILED status
 * saying why the commits failed (a result larger than the broker takes, say), and an outcome with
 * dead letters goes without them (an unreadable order's then is nothing), logged, so that no lane
 * waits behind an outcome for ever. An order written with a newer schema than the worker reads
 * (an upgrade half done) is neither: it holds its lane, logged, until an upgraded worker takes it.
 * Heartbeats and RUNNING statuses are best effort: one that cannot be sent (registry or broker
 * unreachable for a moment) is reported on the log and the next one tries again. Anything else
 * that escapes the poll loop stops the worker loudly: it is logged, kept as failure(), the worker
 * leaves the group (its lanes go to the others, its order is redone) and awaitStop() returns, so
 * the process can exit with an error instead of idling unseen.
 */
package dev.longhaul.pipeline.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.longhaul.pipeline.Failures;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkOrder;
import dev.longhaul.schemas.wire.AvroSerde;
import dev.longhaul.schemas.wire.DeadLetterReason;
import dev.longhaul.schemas.wire.RegistryException;
import dev.longhaul.schemas.wire.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public final class Worker implements AutoCloseable {
    /**
     * An order taken from `work`: the record (for its offset and bytes) and the decoded order, or why
     * not, with its earlier tries.
     */
    record Taken(ConsumerRecord<byte[], byte[]> record, WorkOrder order, RuntimeException undecodable, Tries tries) {
        Taken(ConsumerRecord<byte[], byte[]> record, WorkOrder order, RuntimeException undecodable) {
            this(record, order, undecodable, Tries.NONE);
        }

        TopicPartition partition() {
            return new TopicPartition(record.topic(), record.partition());
        }

        /** This order again, not before `delay` from now, with `outcome` to commit (null: run it again). */
        Taken again(int count, Duration delay, Ending ending) {
            return again(count, delay, ending, tries.timedOut());
        }

        /** The same, saying whether a run of it ran out of a remote server's time budget yet. */
        Taken again(int count, Duration delay, Ending ending, boolean timedOut) {
            return new Taken(record, order, undecodable, new Tries(count, System.currentTimeMillis() + delay.toMillis(), ending,
                    timedOut, tries.started(), tries.sharedRetried()));
        }

        /** This order, a run of which has started here: its job met its deadline (Tries.started). */
        Taken started() {
            return tries.started() ? this : new Taken(record, order, undecodable,
                    new Tries(tries.count(), tries.notBeforeMillis(), tries.pending(), tries.timedOut(), true, tries.sharedRetried()));
        }

        /** This order again after its run failed in a batch step shared with others, its one extra run (Tries.sharedRetried). */
        Taken sharedRetry(int count, Duration delay) {
            return new Taken(record, order, undecodable, new Tries(count, System.currentTimeMillis() + delay.toMillis(), null,
                    tries.timedOut(), tries.started(), true));
        }

        /** This order to be run afresh (stopped, not failed): no tries, but a run of it did start. */
        Taken afresh() {
            return new Taken(record, order, undecodable, tries.started() ? Tries.STARTED : Tries.NONE);
        }
    }

    /** What a finished order commits: its records, and whether they are its results (SUCCEEDED). */
    record Ending(List<ResultWriter.Out> records, boolean succeeded, boolean lastResort, long documentTokens) {
        Ending(List<ResultWriter.Out> records, boolean succeeded) {
            this(records, succeeded, false, 0);
        }

        /** A run's results and SUCCEEDED status, with the document tokens it read. */
        static Ending succeeded(List<ResultWriter.Out> records, long documentTokens) {
            return new Ending(records, true, false, documentTokens);
        }

        /** What replaces an outcome that could not be committed: tried until it lands. */
        static Ending lastResort(List<ResultWriter.Out> records) {
            return new Ending(records, false, true, 0);
        }
    }

    /**
     * An order's earlier tries of what it waits for, when the next may start, and the outcome still
     * to commit: with none (null), count is of runs that failed; with one, of commits of that
     * outcome that did not land (a run that succeeded on its last try still gets every commit try);
     * timedOut: a run of it already ran out of a remote server's time budget (runsAgain); started:
     * a run of it has started here, so its job met its deadline, by which it must have started (a
     * run stopped by a pause and resumed, or one that failed and runs again, does not expire);
     * sharedRetried: it had its one extra run after failing in a batch step shared with others,
     * which its tries for other reasons do not use up.
     */
    record Tries(int count, long notBeforeMillis, Ending pending, boolean timedOut, boolean started, boolean sharedRetried) {
        static final Tries NONE = new Tries(0, 0, null, false);
        static final Tries STARTED = new Tries(0, 0, null, false, true, false);

        Tries(int count, long notBeforeMillis, Ending pending, boolean timedOut) {
            this(count, notBeforeMillis, pending, timedOut, false, false);
        }
    }

    /**
     * Tries of one order: runs that failed for a reason that may pass (a remote server down or
     * overloaded), and commits that did not land on a lane still ours. Past the limit a run's failure
     * is final (FAILED), and an outcome that cannot be committed becomes a FAILED one.
     */
    static final int MAX_TRIES = 8;
    private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
    private static final Duration MAX_PAUSE = Duration.ofMinutes(1);
    /** How long a revoked lane's cancelled run is waited for before it is abandoned. */
    private static final Duration REVOKED_RUN_WAIT = Duration.ofSeconds(30);
    /** How long close() waits for the poll loop (its revoke callback waits for runs and commits). */
    private static final Duration CLOSE_WAIT = REVOKED_RUN_WAIT.plusSeconds(60);
    private final Duration firstPause;

    private final WorkerConfig config;
    private final Topics topics;
    private final OrderEngine engine;
    private final ResultWriter writer;
    private final ControlListener control;
    private final KafkaConsumer<byte[], byte[]> consumer;
    /** Readers not in use (poll thread only); a run borrows one, since a consumer serves one thread. */
    private final Deque<DocumentReader> idleReaders = new ArrayDeque<>();
    private final List<DocumentReader> readers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ExecutorService inference;
    private final Thread pollThread;
    private final Deque<Taken> pending = new ArrayDeque<>();
    private final RecentJobs completedJobs = new RecentJobs(RecentJobs.CAPACITY);
    private final AtomicLong ordersDone = new AtomicLong();
    private final AtomicLong requeued = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    private static final System.Logger LOG = System.getLogger(Worker.class.getName());
    /** Least time between two log lines about failed best-effort sends, or about commits to try again. */
    private static final long WARNING_MILLIS = 60_000;
    private final Warnings sendWarnings = new Warnings();
    private final Warnings commitWarnings = new Warnings();

    private volatile boolean running = true;
    private volatile Throwable failure;
    /** The orders in progress by lane; written by the poll thread, read by the control listener's (onCancel). */
    private final Map<TopicPartition, Running> inProgress = new ConcurrentHashMap<>();
    /** Runs of revoked lanes that did not stop when cancelled (poll thread only): they hold a thread until they end. */
    private final Set<Running> abandoned = new HashSet<>();
    /**
     * By lane, the offset of the order whose run the lane's committed offset says has started
     * (ResultWriter.markStarted), or -1: read from the group once per lane held (poll thread only),
     * when an order of it is found past its deadline, so that an order a crashed or former owner
     * of the lane started in time runs again here rather than expire.
     */
    private final Map<TopicPartition, Long> startMarks = new java.util.HashMap<>();
    /** By lane, when startMark may ask the group again after it did not answer (poll thread only). */
    private final Map<TopicPartition, Long> startMarkRetryAt = new java.util.HashMap<>();
    private long lastHeartbeat;
    /**
     * Before this time (ms) no order is decoded: the registry failed a lookup (or the output
     * schemas' registration). Only a call that failed moves it, never an order held meanwhile
     * without a lookup; poll thread only.
     */
    private long registryRetryAt;
    /** Lookups failed in a row for a registry out of reach; poll thread only. */
    private int lookupFailures;
    /** Whether the schemas of the records commits write are registered (outputSchemasKnown); poll thread only. */
    private boolean schemasRegistered;
    /** Failed tries to register them so far; poll thread only. */
    private int registerTries;
    /** Reads of `control` requested for paused orders (see controlReadSince), by lane@offset; poll thread only. */
    private final Map<String, Long> controlReads = new java.util.HashMap<>();
    /** Set once the control listener has caught up (or CONTROL_CATCH_UP passed); poll thread only. */
    private boolean controlKnown;
    /** When an order first waited for the control listener (0: none has yet); poll thread only. */
    private long firstWaitNanos;
    /** The longest a new worker waits for its control listener to catch up before it starts orders. */
    private static final Duration CONTROL_CATCH_UP = Duration.ofSeconds(60);

    /** An order in progress: what was taken, its cancel, the reader it streams through, its outcome. */
    private record Running(Taken taken, RunCancel cancel, DocumentReader reader, CompletableFuture<OrderRunner.Outcome> outcome) {
    }

    private final LaneAssignment lanes;
    private final Faults faults;

    /** Loads the model, joins the worker group and starts the loop. */
    public Worker(WorkerConfig config, Topics topics) {
        this(config, topics, LaneAssignment.group());
    }

    /** As above, with the lanes taken from the group or pinned. */
    public Worker(WorkerConfig config, Topics topics, LaneAssignment lanes) {
        this(config, topics, lanes, Faults.NONE);
    }

    /** As above, with a fault-injection hook (tests only; see Faults). */
    public Worker(WorkerConfig config, Topics topics, LaneAssignment lanes, Faults faults) {
        this(config, topics, lanes, faults, FIRST_PAUSE);
    }

    /** As above, with the pause before a second try (doubling for each further one, at most a minute). */
    Worker(WorkerConfig config, Topics topics, LaneAssignment lanes, Faults faults, Duration firstPause) {
        this.firstPause = firstPause;
        this.config = config;
        this.lanes = lanes;
        this.topics = topics;
        this.faults = faults;
        // what is opened is closed again when a later step fails: the model and its memory (a GPU's
        // too), the producers and the control listener's thread would otherwise outlive the failure
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            this.consumer = opened(opened, new KafkaConsumer<>(config.workConsumer(), new ByteArrayDeserializer(), new ByteArrayDeserializer()));
            if (lanes instanceof LaneAssignment.Pinned pinned) {
                checkLanesExist(pinned); // before the model loads, which can take minutes
            }
            this.engine = opened(opened, OrderEngine.open(config));
            this.writer = opened(opened, new ResultWriter(config, lanes, topics, faults));
            this.control = opened(opened, new ControlListener(config, topics, this::onControl));
        } catch (RuntimeException | Error e) {
            Failures.closeAfter(e, opened);
            throw e;
        }
        AtomicInteger threads = new AtomicInteger();
        this.inference = Executors.newFixedThreadPool(config.concurrentOrders(),
                r -> new Thread(r, "longhaul-inference-" + config.workerId() + "-" + threads.incrementAndGet()));
        this.pollThread = new Thread(this::loop, "longhaul-worker-" + config.workerId());
        pollThread.start();
    }

    private static <T extends AutoCloseable> T opened(List<AutoCloseable> opened, T c) {
        opened.add(c);
        return c;
    }

    /** Refuses pinned lanes past the partitions of `work`: assigned, they would be polled forever for nothing. */
    private void checkLanesExist(LaneAssignment.Pinned pinned) {
        int lanes = consumer.partitionsFor(topics.work.name(), Duration.ofSeconds(30)).size();
        List<Integer> missing = pinned.lanes().stream().filter(l -> l >= lanes).toList();
        if (lanes == 0) {
            throw new IllegalArgumentException(topics.work.name() + " does not exist or has no partitions: no lane " + pinned.lanes() + " to pin");
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("lane" + (missing.size() == 1 ? " " : "s ") + missing + " of " + topics.work.name()
                    + " do" + (missing.size() == 1 ? "es" : "") + " not exist: it has " + lanes + " partitions, lanes 0 to " + (lanes - 1));
        }
    }

    public String id() {
        return config.workerId();
    }

    /** Document tokens the model reads per job at most (the context budget). */
    public int budgetTokens() {
        return engine.budgetTokens();
    }

    public double prefillTokensPerSecond() {
        return engine.prefillTokensPerSecond();
    }

    /** Whether the job's latest PAUSE or RESUME to reach this worker is a PAUSE (tests wait on it). */
    boolean knowsPaused(String jobId) {
        return control.isPaused(jobId);
    }

    /** Whether a cancel for the job has reached this worker (tests wait on it). */
    boolean knowsCancelled(String jobId) {
        return control.isCancelled(jobId);
    }

    /** Orders this worker has finished (committed). */
    public long ordersDone() {
        return ordersDone.get();
    }

    private void loop() {
        try {
            switch (lanes) {
                case LaneAssignment.Group g -> consumer.subscribe(List.of(topics.work.name()), new Rebalance());
                case LaneAssignment.Pinned pinned -> consumer.assign(pinned.lanes().stream()
                        .map(l -> new TopicPartition(topics.work.name(), l)).toList());
            }
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    pending.add(take(r));
                }
                for (Running r : List.copyOf(inProgress.values())) {
                    if (r.outcome.isDone()) {
                        finish(r);
                    }
                }
                abandoned.removeIf(r -> r.outcome.isDone() && idleReaders.add(r.reader));
                startWhatFits();
                pauseBusyLanes();
                heartbeatIfDue(false);
            }
        } catch (WakeupException e) {
            // close() woke the loop up
        } catch (RuntimeException | Error e) {
            failure = e;
            LOG.log(System.Logger.Level.ERROR, "worker " + config.workerId() + " stopped: its poll loop failed", e);
        } finally {
            inProgress.values().forEach(r -> r.cancel.request());
            heartbeatIfDue(true);
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * The order a record holds, or why not: a record without a value (a tombstone, never written by
     * the dispatcher) is refused like undecodable bytes. A registry that cannot be asked for the
     * order's schema is not the order's fault: start() decodes it again later (registryDown).
     * No lookup is tried while registryRetryAt says the registry failed moments ago: each failed
     * lookup shuts that gate for a pause that grows with the failures in a row, so that the poll
     * thread blocks on an unreachable registry once per pause, whatever the number of orders.
     */
    private Taken take(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return new Taken(r, null, new WireFormatException(DeadLetterReason.NOT_AVRO, "a work record without a value"));
        }
        boolean cached = decodesWithoutLookup(r);
        if (!cached && System.currentTimeMillis() < registryRetryAt) {
            // the registry failed moments ago: a lookup now could block the poll thread for a
            // client's whole retry budget per record, and the group would drop this member
            return new Taken(r, null, new RegistryException("the schema registry could not be reached moments ago;"
                    + " the order is decoded when it is tried again", null));
        }
        try {
            Taken taken = new Taken(r, topics.work.values().deserializer().deserialize(r.topic(), r.value()), null);
            if (!cached) {
                lookupFailures = 0; // the registry answered (a schema known here already says nothing of it)
            }
            return taken;
        } catch (RuntimeException e) {
            if (registryDown(e)) {
                lookupFailures++;
                registryRetryAt = Math.max(registryRetryAt, System.currentTimeMillis() + pause(lookupFailures).toMillis());
            }
            return new Taken(r, null, e);
        }
    }

    /** Whether the record decodes without asking the registry: its writer's schema is known here already. */
    private boolean decodesWithoutLookup(ConsumerRecord<byte[], byte[]> r) {
        return topics.work.values() instanceof AvroSerde<WorkOrder> serde && serde.needsNoLookup(r.value());
    }

    /**
     * Whether e comes from a schema registry that could not answer. A refusal is a
     * WireFormatException instead (an id it does not know, a schema that does not parse), also
     * when it carries the registry's answer as its cause, as the REST client's do: such a record
     * is dead-lettered, never waited on.
     */
    static boolean registryDown(Throwable e) {
        return Failures.find(e, RegistryException.class).isPresent()
                && Failures.find(e, dev.longhaul.schemas.wire.WireFormatException.class).isEmpty();
    }

    /**
     * Puts an order that cannot be decoded yet back on its lane, which it holds, to be decoded
     * again after a pause that grows with its tries; says why on the log. Returns the pause.
     */
    private Duration holdLane(Taken t, System.Logger.Level level, String why, String cause) {
        int count = t.tries.count() + 1;
        Duration pause = pause(count);
        LOG.log(level, "worker " + config.workerId() + ": the order at offset " + t.record.offset() + " of " + t.partition()
                + " " + why + "; trying again in " + pause.toSeconds() + " s: " + cause);
        requeue(t.again(count, pause, null));
        return pause;
    }

    /** Whether e is a valid record of a schema newer than this worker reads (WireFormatException.newerWriter). */
    static boolean newerWriter(Throwable e) {
        return Failures.find(e, WireFormatException.class).filter(WireFormatException::newerWriter).isPresent();
    }

    /**
     * Starts waiting orders while fewer than concurrentOrders run: in arrival order, each the first
     * waiting of a lane with nothing in progress. An order that ends without a run (a commit to
     * repeat, a refusal, a job cancelled, paused, past its deadline or finished before) needs no
     * slot: it is not kept waiting behind another lane's hours-long run. One pass; an order whose
     * commit failed and went back to the queue waits for the next pass.
     */
    private void startWhatFits() {
        if (!running) {
            return; // closing: an order started now would only be abandoned
        }
        if (!pending.isEmpty() && !controlKnown()) {
            return; // a cancel of a waiting job may still be unread
        }
        if (!pending.isEmpty() && !outputSchemasKnown()) {
            return; // no outcome could be written
        }
        List<Taken> chosen = new ArrayList<>();
        Set<TopicPartition> lanes = new HashSet<>(inProgress.keySet());
        int free = config.concurrentOrders() - inProgress.size() - abandoned.size();
        int runs = 0;
        long now = System.currentTimeMillis();
        for (Taken t : pending) {
            if (awaitingRead(t)) {
                lanes.add(t.partition()); // a paused order waiting for `control` to be read holds its lane, not a slot
                continue;
            }
            boolean run = !needsNoSlot(t);
            // a lane's first waiting order holds the lane, also while it waits out a pause between
            // tries or for a slot; one cancelled or past its deadline meanwhile ends now (a
            // server's Retry-After can make the pause minutes long), as start() ends it without running it
            if (lanes.add(t.partition()) && (!run || runs < free) && (t.tries.notBeforeMillis() <= now || endsUnrun(t))) {
                chosen.add(t);
                runs += run ? 1 : 0;
            }
        }
        pending.removeAll(chosen);
        chosen.forEach(this::start);
    }

    /**
     * Whether the schemas of everything a commit writes are registered (ResultWriter.registerSchemas):
     * tried before the first order starts, and again after a growing pause while the registry
     * cannot be reached. Until then no order starts, so no finished run (nor a refusal's dead
     * letter) meets an unreachable registry when its records are built: that stopped the worker
     * and lost the run. A registry that refuses a schema (incompatible with one registered before)
     * stops the worker: nothing it produces could be written. Poll thread only.
     */
    private boolean outputSchemasKnown() {
        if (schemasRegistered) {
            return true;
        }
        long now = System.currentTimeMillis();
        if (now < registryRetryAt) {
            return false;
        }
        try {
            writer.registerSchemas();
            schemasRegistered = true;
            return true;
        } catch (RegistryException e) {
            int status = e.status();
            if (status != 0 && status < 500 && status != 408 && status != 429) {
                throw e; // refused
            }
            registerTries++;
            Duration pause = pause(registerTries);
            registryRetryAt = Math.max(registryRetryAt, now + pause.toMillis());
            LOG.log(System.Logger.Level.WARNING, "worker " + config.workerId() + ": the schemas of its results cannot be"
                    + " registered (try " + registerTries + "); no order starts before they are; trying again in "
                    + pause.toSeconds() + " s: " + e);
            return false;
        }
    }

    /**
     * Whether the control listener has read every cancel `control` held when it started, so that
     * cancels() can be trusted with a job that was cancelled while its order waited. Once an order
     * has waited CONTROL_CATCH_UP for it (counted from the later of the listener's start and the
     * first wait) without that (a broker too slow to read from), orders start anyway, as a worker
     * without the wait would, and the log says so.
     */
    private boolean controlKnown() {
        if (controlKnown || control.caughtUp()) {
            controlKnown = true;
            return true;
        }
        if (firstWaitNanos == 0) {
            firstWaitNanos = System.nanoTime();
        }
        if (System.nanoTime() - Math.max(control.startedNanos(), firstWaitNanos) > CONTROL_CATCH_UP.toNanos()) {
            LOG.log(System.Logger.Level.WARNING, "worker " + config.workerId() + ": the control listener has not read "
                    + topics.control.name() + " to its end after " + CONTROL_CATCH_UP.toSeconds()
                    + " s; orders start anyway, and a cancel not read yet reaches its job only when it is read");
            controlKnown = true;
        }
        return controlKnown;
    }

    /** Pauses the lanes with an order in progress or waiting, so that nothing more is fetched for them; resumes the rest. */
    private void pauseBusyLanes() {
        Set<TopicPartition> busy = new HashSet<>(inProgress.keySet());
        pending.forEach(t -> busy.add(t.partition()));
        Set<TopicPartition> assigned = consumer.assignment();
        List<TopicPartition> idle = new ArrayList<>();
        for (TopicPartition tp : consumer.paused()) {
            if (!busy.contains(tp)) {
                idle.add(tp);
            }
        }
        busy.retainAll(assigned);
        consumer.pause(busy);
        consumer.resume(idle);
    }

    /**
     * Whether start() ends the order without a run, so that it needs no inference slot: a commit to
     * repeat, a record refused for its bytes, or an order cancelled, paused, past its deadline or of
     * a submission finished here before. An order waiting for the registry may run once decoded.
     */
    private boolean needsNoSlot(Taken t) {
        if (t.tries.pending() != null) {
            return true;
        }
        if (t.undecodable != null) {
            return !registryDown(t.undecodable) && !newerWriter(t.undecodable);
        }
        return endsUnrun(t) || !t.order.getRequest().getSubmissionId().isEmpty() && completedJobs.contains(submission(t.order));
    }

    /** A run waiting out a pause that start() would end at once, unrun: its job cancelled or past its deadline. */
    private boolean endsUnrun(Taken t) {
        if (t.tries.pending() != null || t.undecodable != null) {
            return false; // a commit to repeat, or a refusal: their pauses stand
        }
        return control.cancels(t.order) || control.pauses(t.order) || expiresUnrun(t);
    }

    /**
     * Whether the order's job is past its deadline, by which it must have started, and has not
     * (hasStarted): one that started in time runs again, however late.
     */
    private boolean expiresUnrun(Taken t) {
        Instant deadline = t.order.getRequest().getDeadline();
        return deadline != null && deadline.isBefore(Instant.now()) && !hasStarted(t);
    }

    /**
     * Whether a run of the order, which has a deadline, has started: here (Tries.started), on an
     * earlier owner of its lane (its start mark), or before its job was paused and the order handed
     * back and released again (WorkOrder.started). While the group cannot say whether the lane's
     * order was marked, it is taken as started: a job run late costs time, a job expired that had
     * started in time loses its result for good.
     */
    private boolean hasStarted(Taken t) {
        if (t.tries.started() || t.order.getStarted()) {
            return true;
        }
        long mark = startMark(t.partition());
        return mark == t.record.offset() || mark == MARK_UNREADABLE;
    }

    /**
     * The lane's startMarks entry, read from the group the first time; MARK_UNREADABLE (not cached,
     * and not asked again for START_MARK_WAIT, so that the poll loop is not held up) while the group
     * does not answer.
     */
    private long startMark(TopicPartition lane) {
        Long known = startMarks.get(lane);
        if (known != null) {
            return known;
        }
        long now = System.currentTimeMillis();
        if (now < startMarkRetryAt.getOrDefault(lane, 0L)) {
            return MARK_UNREADABLE;
        }
        try {
            long mark = ResultWriter.startMarked(consumer.committed(Set.of(lane), START_MARK_WAIT).get(lane));
            startMarks.put(lane, mark);
            startMarkRetryAt.remove(lane);
            return mark;
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            throw e; // close() woke the poll loop up
        } catch (org.apache.kafka.common.KafkaException e) {
            startMarkRetryAt.put(lane, System.currentTimeMillis() + START_MARK_WAIT.toMillis());
            LOG.log(System.Logger.Level.WARNING, "worker " + config.workerId() + ": cannot read whether an earlier owner of " + lane
                    + " started its order (" + e + "); an order of it past its deadline runs rather than expire meanwhile");
            return MARK_UNREADABLE;
        }
    }

    /** startMark's answer while the group does not say. */
    private static final long MARK_UNREADABLE = -2;
    /** How long the group may take to say a lane's committed offset (startMark). */
    private static final Duration START_MARK_WAIT = Duration.ofSeconds(5);

    /**
     * Marks in the group that the order's run has started (ResultWriter.markStarted), for an order
     * with a deadline whose start is not marked yet: should the lane move or this worker crash
     * before the order is committed, its next owner runs it again rather than expire a job that
     * started in time. Best effort: a mark that does not land is logged, and the job runs.
     */
    private void markStarted(Taken t) {
        if (t.order.getRequest().getDeadline() == null || t.order.getStarted()
                || startMarks.getOrDefault(t.partition(), -1L) == t.record.offset()) {
            return;
        }
        if (writer.markStarted(t.partition(), t.record.offset(), consumer.groupMetadata()) == ResultWriter.Committed.YES) {
            startMarks.put(t.partition(), t.record.offset());
        } else {
            LOG.log(System.Logger.Level.WARNING, "worker " + config.workerId() + ": could not mark the start of the order at offset "
                    + t.record.offset() + " of " + t.partition() + " (" + writer.lastCommitFailure() + "); should the lane move"
                    + " before it is done, its next owner may expire it past its deadline");
        }
    }

    private void start(Taken t) {
        if (t.tries.pending() != null) {
            commit(t, t.tries.pending()); // a finished outcome whose commit did not land: commit it again, not the run
            return;
        }
        if (t.undecodable != null && (registryDown(t.undecodable) || newerWriter(t.undecodable))) {
            long now = System.currentTimeMillis();
            if (now < registryRetryAt && !decodesWithoutLookup(t.record)) {
                // the lookup gate is shut: the order waits for it to open, holding its lane, and
                // no try is counted, for none was made
                requeue(t.again(t.tries.count(), Duration.ofMillis(registryRetryAt - now), null));
                return;
            }
            Taken again = take(t.record);
            if (again.undecodable != null && registryDown(again.undecodable)) {
                // still no registry: the order waits, holding its lane, however long that takes.
                // Its hold does not shut the lookup gate further (take did, if it looked up): lanes
                // held at different times would each push it past the others' retries for ever
                holdLane(t, System.Logger.Level.WARNING,
                        "cannot be decoded while the schema registry is down", again.undecodable.toString());
            } else if (again.undecodable != null && newerWriter(again.undecodable)) {
                // an order written by a newer pipeline than this worker (an upgrade half done): a
                // valid order, so it is neither dead-lettered nor committed past (its job would stay
                // QUEUED for ever); it holds its lane, loudly, until an upgraded worker takes the
                // lane, and the heartbeats count it, so the dispatcher keeps its cost too
                holdLane(t, System.Logger.Level.ERROR, "was written with a newer schema than this worker reads; it waits on"
                        + " its lane for an upgraded worker (upgrade this one)", again.undecodable.getMessage());
            } else {
                start(again); // decoded now, or refused for what its bytes are
            }
            return;
        }
        if (t.undecodable != null) {
            commit(t, new Ending(writer.undecodable(t, t.undecodable), false));
            return;
        }
        String jobId = t.order.getRequest().getJobId();
        if (!t.order.getRequest().getSubmissionId().isEmpty() && completedJobs.contains(submission(t.order))) {
            // A second order for a submission this worker already finished (the dispatcher's one
            // extra release, say): not run again, but its final status is committed again, which is
            // what releases the order's place at the dispatcher; first, for a job that has ended
            // ignores a later cancel and its deadline. Without a submission id (a producer that set
            // none) two lives of a job id cannot be told apart: the planner's word stands.
            commit(t, new Ending(writer.finishedBefore(t.order, completedJobs.tokens(submission(t.order))), false));
        } else if (control.cancels(t.order)) {
            commit(t, new Ending(writer.cancelled(t.order), false));
        } else if (expiresUnrun(t)) {
            commit(t, new Ending(writer.expired(t.order), false));
        } else if (control.pauses(t.order) && !controlReadSince(t)) {
            requeue(t.again(t.tries.count(), Duration.ofMillis(50), null)); // asked again once the listener has read that far
        } else if (control.pauses(t.order)) {
            // saying whether it had started: the dispatcher then holds it without expiring it
            commit(t, new Ending(writer.handedBack(t.order, t.order.getRequest().getDeadline() != null && hasStarted(t)), false));
        } else if (inProgress.size() + abandoned.size() >= config.concurrentOrders()) {
            // chosen as one that would end unrun, but no longer (resumed meanwhile, say): it waits
            // for a slot at the head of the queue rather than run beyond concurrentOrders
            pending.addFirst(t);
        } else {
            controlReads.remove(readKey(t)); // resumed while a read was asked for it
            DocumentReader reader = idleReaders.isEmpty() ? newReader() : idleReaders.pop();
            Running run = new Running(t, new RunCancel(), reader, new CompletableFuture<>());
            inProgress.put(t.partition(), run); // before the check below: a cancel from then on finds the run
            if (control.cancels(t.order) || control.pauses(t.order)) {
                run.cancel.request(); // it came after the check above, while no run was there to find
            }
            bestEffort("the RUNNING status of " + jobId, () -> writer.running(t.order, 0, 0));
            markStarted(t);
            OrderRunner.Progress ticker = writer.progressTicker(t.order);
            OrderRunner.Progress progress = (fraction, tokens) -> {
                if (!run.cancel.requested()) { // a run stopped here (its lane moved on) reports no more progress
                    bestEffort("a progress status of " + jobId, () -> ticker.update(fraction, tokens));
                }
            };
            try {
                inference.execute(() -> {
                    try {
                        run.outcome.complete(engine.run(t.order, reader, faultsAt(t, progress), run.cancel));
                    } catch (Throwable e) {
                        run.outcome.completeExceptionally(e);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // close() shut the threads down meanwhile: the order stays uncommitted, for the lane's next owner
                inProgress.remove(t.partition());
                idleReaders.push(reader);
                run.outcome.cancel(false);
            }
        }
    }

    private DocumentReader newReader() {
        // a client id of its own: consumers of one JVM sharing one would clash in the metrics registry
        DocumentReader reader = new DocumentReader(config.assignedConsumer("documents-" + (readers.size() + 1)), topics.documents);
        readers.add(reader);
        return reader;
    }

    /** The progress ticker, calling the fault hook on each prefilled chunk and decoded token. */
    private OrderRunner.Progress faultsAt(Taken t, OrderRunner.Progress ticker) {
        String order = t.partition() + "@" + t.record.offset();
        return new OrderRunner.Progress() {
            @Override
            public void update(double fraction, long tokens) {
                ticker.update(fraction, tokens);
                faults.at(Faults.Point.PREFILL, order);
            }

            @Override
            public void decoded(long tokens) {
                faults.at(Faults.Point.DECODE, order);
            }
        };
    }

    /**
     * Commits a finished run's outcome: results, FAILED or CANCELLED. A run stopped by this worker
     * (closing) rather than by a cancel of its job commits nothing: the order is redone, here or by
     * the lane's next owner. A run that failed for a reason that may pass runs again after a pause.
     */
    private void finish(Running r) {
        inProgress.remove(r.taken.partition());
        idleReaders.push(r.reader);
        Taken t = r.taken.started();
        OrderRunner.Outcome outcome;
        try {
            outcome = r.outcome.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (control.cancels(t.order)) {
                commit(t, new Ending(writer.cancelled(t.order), false)); // it failed on its way out of a cancel
            } else if (control.pauses(t.order)) {
                redo(t); // or of a pause: start() hands it back
            } else if (r.cancel.requested()) {
                redo(t); // stopped by this worker, which may be what it failed on
            } else if (runsAgain(cause, t.tries)) {
                int count = t.tries.count() + 1;
                Duration pause = longer(pause(count), serverPause(cause));
                LOG.log(System.Logger.Level.WARNING, "worker " + config.workerId() + ": job " + t.order.getRequest().getJobId()
                        + " failed on try " + count + " of " + MAX_TRIES + ", runs again in " + pause.toSeconds() + " s: " + cause);
                requeue(t.again(count, pause, null, t.tries.timedOut() || timedOut(cause)));
            } else if (sharedStepFailure(cause) && !t.tries.sharedRetried()) {
                // a batch step this order shared with others failed: not necessarily its doing (a
                // neighbour's, or the device's for the whole step); it runs once more before the
                // failure is taken for its own
                LOG.log(System.Logger.Level.WARNING, "worker " + config.workerId() + ": job " + t.order.getRequest().getJobId()
                        + " failed in a batch step shared with other sequences; it runs once more: " + cause);
                requeue(t.sharedRetry(t.tries.count() + 1, pause(1)));
            } else {
                String tries = t.tries.count() == 0 ? "" : " (try " + (t.tries.count() + 1) + " of " + MAX_TRIES
                        + (timedOut(cause) && t.tries.timedOut() ? ", out of the remote time budget a second time" : "") + ")";
                commit(t, new Ending(writer.failed(t, cause, tries), false));
            }
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while taking a finished run", e);
        }
        if (outcome instanceof OrderRunner.Done done) {
            commit(t, Ending.succeeded(writer.succeeded(t.order, done), done.documentTokens()));
        } else if (control.cancels(t.order)) {
            commit(t, new Ending(writer.cancelled(t.order), false));
        } else if (control.pauses(t.order)) {
            redo(t); // stopped by a pause: start() hands it back, once it knows no RESUME followed
        } else {
            redo(t); // cancelled by this worker (closing), or paused and resumed before it stopped
        }
    }

    /**
     * Whether the control listener has read `control` as far as it reached when this order was
     * first asked about (a read is requested then, and the order waits for it): the RESUME that
     * released a paused job's order again was written before the order, so once read past, what
     * the listener says of the job holds for this order. Poll thread only.
     */
    private boolean controlReadSince(Taken t) {
        String key = readKey(t);
        Long ticket = controlReads.get(key);
        if (ticket == null) {
            controlReads.put(key, control.requestRead());
            return false;
        }
        if (!control.readPast(ticket)) {
            return false;
        }
        controlReads.remove(key);
        return true;
    }

    /** Whether the order waits for a read of `control` asked for it (controlReadSince) that is not done yet. */
    private boolean awaitingRead(Taken t) {
        Long ticket = controlReads.get(readKey(t));
        return ticket != null && !control.readPast(ticket);
    }

    private static String readKey(Taken t) {
        return t.partition() + "@" + t.record.offset();
    }

    /** Runs the order again from the start if its lane is still ours and the worker goes on; else leaves it uncommitted. */
    private void redo(Taken t) {
        requeue(t.afresh());
    }

    private void requeue(Taken t) {
        if (running && consumer.assignment().contains(t.partition())) {
            pending.addFirst(t);
            requeued.incrementAndGet();
        }
    }

    /** Orders put back to wait (a run to try again, a commit to repeat) so far; for tests. */
    long requeued() {
        return requeued.get();
    }

    /** The longest pause a server's Retry-After is honoured with. */
    static final Duration MAX_SERVER_PAUSE = Duration.ofMinutes(10);

    /**
     * The pause a remote server asked for with its failure (Retry-After on a 429 or 503), at most
     * MAX_SERVER_PAUSE; zero when it asked for none. An overloaded server that says when to come
     * back is not asked sooner: with only the doubling pauses, eight tries spent about two minutes
     * and failed the job against a server that had said five.
     */
    static Duration serverPause(Throwable e) {
        return remoteFailure(e).flatMap(f -> f.retryAfter())
                .map(d -> d.compareTo(MAX_SERVER_PAUSE) > 0 ? MAX_SERVER_PAUSE : d).orElse(Duration.ZERO);
    }

    private static Duration longer(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** The pause before try n + 1: firstPause doubled n − 1 times, at most a minute. */
    private Duration pause(int n) {
        Duration p = firstPause.multipliedBy(1L << Math.min(16, n - 1));
        return p.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : p;
    }

    /**
     * Whether a run's failure may pass on its own: a remote inference server unreachable, timing out,
     * overloaded or failing with a 5xx status, the schema registry out of reach, a chunk still in
     * its partition that did not arrive (Kafka out of reach), or an Error in the batch engine's other
     * work (out of memory) that failed this run as a bystander. Anything else (a refused request, a
     * broken answer, a chunk gone, an engine error of its own) happens again and is final.
     */
    static boolean mayPass(Throwable e) {
        if (registryDown(e) || Failures.find(e, DocumentReader.Stalled.class).isPresent()) {
            return true; // a chunk's schema looked up while the registry was down, or the chunk not read while Kafka was
        }
        if (bystander(e)) {
            return true; // not this order's doing: it would fail with every Error of its neighbours
        }
        return remoteFailure(e).map(f -> {
            int status = f.status();
            return status == 0 || status == 408 || status == 429 || status == 500 || status == 502
                    || status == 503 || status == 504;
        }).orElse(false);
    }

    /**
     * Whether a run that failed with `cause` after `tries` runs again: a failure that may pass, within
     * MAX_TRIES; but a remote server out of the time budget only once per order, since every try
     * resends every task of the order (a long document prefilled again each time) to a server
     * likely to be as slow again.
     */
    static boolean runsAgain(Throwable cause, Tries tries) {
        return mayPass(cause) && tries.count() + 1 < MAX_TRIES && !(timedOut(cause) && tries.timedOut());
    }

    /** Whether e is a remote server that did not answer within the time budget. */
    static boolean timedOut(Throwable e) {
        return remoteFailure(e).filter(dev.longhaul.pipeline.remote.OpenAiClient.RemoteFailure::timedOut).isPresent();
    }

    /** Whether e comes from an Error in the batch engine's other work, which failed this sequence as a bystander (StepFailedException). */
    static boolean bystander(Throwable e) {
        return Failures.find(e, dev.longhaul.engine.batch.StepFailedException.class)
                .filter(dev.longhaul.engine.batch.StepFailedException::bystander).isPresent();
    }

    /** Whether e comes from a failed engine step that other sequences shared (see StepFailedException). */
    static boolean sharedStepFailure(Throwable e) {
        return Failures.find(e, dev.longhaul.engine.batch.StepFailedException.class).filter(step -> step.sequences() > 1).isPresent();
    }

    /** The remote server's failure in e's cause chain, if it is one. */
    private static java.util.Optional<dev.longhaul.pipeline.remote.OpenAiClient.RemoteFailure> remoteFailure(Throwable e) {
        return Failures.find(e, dev.longhaul.pipeline.remote.OpenAiClient.RemoteFailure.class);
    }

    /** The job id and submission id of an order: what one run of a job is known by. */
    private static String submission(WorkOrder order) {
        return order.getRequest().getJobId() + "\0" + order.getRequest().getSubmissionId();
    }

    /**
     * Commits an outcome's records plus the order's offset. One that did not land on a lane still
     * ours is committed again after a pause (the run is not redone). Past MAX_TRIES, when the
     * commits failed for what the records are (ResultWriter.lastFailureRepeats: a result too large
     * for the broker, say), the outcome becomes FAILED with the reason they gave, and an outcome
     * with dead letters goes without them; that last resort is committed until it lands. Any other
     * failure (a coordinator or broker away for minutes) is waited out at the longest pause: a
     * finished run is not turned into a failure for it. A lane no longer ours leaves the order to
     * its new owner.
     */
    private boolean commit(Taken t, Ending outcome) {
        long next = t.record.offset() + 1;
        boolean ok = switch (writer.commit(outcome.records(), t.partition(), next, consumer.groupMetadata())) {
            case YES -> true;
            case NO -> false;
            case UNKNOWN -> committedPast(t.partition(), next);
        };
        if (ok) {
            controlReads.remove(readKey(t)); // one asked for before a cancel or expiry ended it
            if (outcome.succeeded()) {
                completedJobs.add(submission(t.order), outcome.documentTokens());
                ordersDone.incrementAndGet();
            }
            return true;
        }
        int count = (t.tries.pending() == null ? 0 : t.tries.count()) + 1; // run tries are not commit tries
        Ending again = outcome;
        boolean repeats = writer.lastFailureRepeats();
        if (count >= MAX_TRIES && outcome.succeeded() && repeats) {
            // results the broker will not take (larger than it accepts, say): the job fails saying so
            again = new Ending(writer.failed(t, new IllegalStateException("its results could not be committed in "
                    + count + " tries: " + writer.lastCommitFailure()), ""), false);
            count = 0;
        } else if (count >= MAX_TRIES && !outcome.lastResort() && repeats) {
            // an outcome with a dead letter that cannot be committed (one larger than the broker
            // takes, a dead-letters topic this worker may not write): it goes without its dead
            // letters (an unreadable order's outcome is nothing then), its status unchanged, or
            // the lane would wait behind it for ever. A dead-letters topic that does not exist
            // reads like a cluster out of reach (its metadata never comes): that is waited out,
            // saying so, rather than lose the dead letter
            List<ResultWriter.Out> bare = writer.withoutDeadLetters(outcome.records());
            LOG.log(System.Logger.Level.ERROR, "worker " + config.workerId() + ": the outcome of the order at offset "
                    + t.record.offset() + " of " + t.partition() + " could not be committed in " + count + " tries: "
                    + writer.lastCommitFailure() + (bare.size() < outcome.records().size() ? "; it goes without its dead letter" : ""));
            again = Ending.lastResort(bare);
            count = 0;
        } else if (count >= MAX_TRIES) {
            LOG.log(System.Logger.Level.ERROR, "worker " + config.workerId() + ": the outcome of the order at offset "
                    + t.record.offset() + " of " + t.partition() + " has not been committed in " + count + " tries; its lane waits,"
                    + " trying again: " + writer.lastCommitFailure());
            count = MAX_TRIES; // the longest pause from now on
        } else if (count == 1) {
            commitWarnings.warn("the outcome of the order at offset " + t.record.offset() + " of " + t.partition()
                    + " was not committed; trying again: " + writer.lastCommitFailure());
        }
        requeue(t.again(count, pause(Math.max(1, count)), again));
        return false;
    }

    /**
     * Whether the group's committed offset of the lane has reached `next`: after a commit that timed
     * out, the writer's new producer has settled the transaction, so this says whether it landed.
     */
    private boolean committedPast(TopicPartition lane, long next) {
        for (int attempt = 1; ; attempt++) {
            try {
                OffsetAndMetadata committed = consumer.committed(Set.of(lane)).get(lane);
                return committed != null && committed.offset() >= next;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (attempt == 5) {
                    throw new IllegalStateException("cannot learn whether the commit of " + lane + "@" + (next - 1)
                            + " landed: the group coordinator did not answer", e);
                }
            }
        }
    }

    /** A CANCEL or PAUSE read from `control`: the job's run, if one is in progress here, stops at its next step. */
    private void onControl(String jobId) {
        for (Running r : inProgress.values()) {
            if (r.taken.order.getRequest().getJobId().equals(jobId) && (control.cancels(r.taken.order) || control.pauses(r.taken.order))) {
                r.cancel.request();
            }
        }
    }

    private void heartbeatIfDue(boolean leaving) {
        long now = System.currentTimeMillis();
        if (!leaving && now - lastHeartbeat < config.heartbeatInterval().toMillis()) {
            return;
        }
        lastHeartbeat = now;
        List<Integer> lanes = new ArrayList<>();
        if (!leaving) {
            for (TopicPartition tp : consumer.assignment()) {
                lanes.add(tp.partition());
            }
        }
        // each held order counts at least one token, an undecodable one waiting for the registry
        // or an upgraded worker too: the dispatcher takes a worker that reports nothing for long
        // enough as holding nothing, and the orders released onto its lanes as lost
        long outstanding = 0;
        for (Running r : inProgress.values()) {
            outstanding += Math.max(1, r.taken.order.getEstimatedCostTokens());
        }
        for (Taken t : pending) {
            outstanding += t.order == null ? 1 : Math.max(1, t.order.getEstimatedCostTokens());
        }
        long reported = leaving ? 0 : outstanding;
        bestEffort("a heartbeat", () -> writer.heartbeat(lanes, engine.prefillTokensPerSecond(), reported, engine.batchFill()));
    }

    /** Runs a send whose loss the next one repairs; a failure is logged at most once a minute. */
    private void bestEffort(String what, Runnable send) {
        try {
            send.run();
        } catch (RuntimeException e) {
            sendWarnings.warn("could not send " + what + " (the next one tries again): " + e);
        }
    }

    /** Warnings of one kind on the log, at most one a minute (failures that repeat fast); each kind its own. */
    private final class Warnings {
        private long last = Long.MIN_VALUE / 2;

        void warn(String message) {
            long now = System.currentTimeMillis();
            synchronized (this) {
                if (now - last < WARNING_MILLIS) {
                    return;
                }
                last = now;
            }
            LOG.log(System.Logger.Level.WARNING, "worker " + config.workerId() + ": " + message);
        }
    }

    /** Why the poll loop stopped on its own, if it did (close() is not a failure). */
    public java.util.Optional<Throwable> failure() {
        return java.util.Optional.ofNullable(failure);
    }

    /** Waits until the poll loop has stopped: after close(), or on a failure. */
    public void awaitStop() throws InterruptedException {
        pollThread.join();
    }

    /** Drops what this worker can no longer commit when lanes move to another worker. */
    private final class Rebalance implements ConsumerRebalanceListener {
        /**
         * The lanes are still this worker's until the callback returns (the group's generation is
         * current): outcomes already in hand, a finished run or one whose commit waits out a pause,
         * are committed now rather than computed again by the lanes' next owner (a scale-out would
         * otherwise redo hours of prefill). Then the rest is dropped as onPartitionsLost drops it.
         */
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            for (Taken t : List.copyOf(pending)) {
                if (partitions.contains(t.partition()) && t.tries.pending() != null) {
                    pending.remove(t);
                    commit(t, t.tries.pending());
                }
            }
            for (TopicPartition tp : partitions) {
                Running r = inProgress.get(tp);
                if (r != null && r.outcome.isDone()) {
                    finish(r);
                }
            }
            drop(partitions, true); // when closing, runs that end now are not committed: the writer closes behind them
        }

        /**
         * Forgets the lanes' waiting orders and stops their runs; with commitDone, a run that ends
         * with its results while it is waited for is committed (the lanes are still this member's).
         */
        private void drop(Collection<TopicPartition> partitions, boolean commitDone) {
            try {
                stopRuns(partitions, commitDone && running);
            } finally {
                // last: a commit above that did not land put its order back here, on a lane that is
                // about to be another member's
                pending.removeIf(t -> partitions.contains(t.partition()));
                startMarks.keySet().removeAll(partitions); // read again should the lane come back
                startMarkRetryAt.keySet().removeAll(partitions);
                controlReads.keySet().removeIf(key -> partitions.stream().anyMatch(tp -> key.startsWith(tp + "@")));
            }
        }

        /** Cancels the lanes' runs and waits for them; a run that still ends with its results is committed when commitDone. */
        private void stopRuns(Collection<TopicPartition> partitions, boolean commitDone) {
            List<Running> lost = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                Running r = inProgress.remove(tp);
                if (r != null) {
                    r.cancel.request();
                    lost.add(r);
                }
            }
            // one deadline for all: runs stopping at once need not wait in turn (with many orders
            // stuck in a send, 30 s each would outlast the group's poll interval and close's wait)
            long deadline = System.nanoTime() + REVOKED_RUN_WAIT.toNanos();
            for (Running r : lost) {
                try {
                    // cancelled runs stop at their next chunk, poll or step; a run that does not is
                    // left to finish on its own (its reader with it) rather than hold up the group
                    OrderRunner.Outcome outcome = r.outcome.get(Math.max(0, deadline - System.nanoTime()),
                            java.util.concurrent.TimeUnit.NANOSECONDS);
                    if (commitDone && outcome instanceof OrderRunner.Done) {
                        finish(r); // it finished before the cancel reached it: its results are committed, not redone
                    } else {
                        idleReaders.push(r.reader);
                    }
                } catch (java.util.concurrent.TimeoutException e) {
                    // it still holds an inference thread and its reader: counted until it ends
                    abandoned.add(r);
                    LOG.log(System.Logger.Level.WARNING, "worker " + config.workerId() + ": the run of job "
                            + r.taken.order.getRequest().getJobId() + " on revoked lane " + r.taken.partition()
                            + " did not stop within " + REVOKED_RUN_WAIT.toSeconds() + " s of its cancel; it is abandoned");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    idleReaders.push(r.reader); // the run is abandoned either way; its lane's new owner redoes the order
                }
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            lastHeartbeat = 0; // announce the new lanes at once
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            drop(partitions, false); // another member may own them already: nothing may be committed
        }
    }

    /** Clean shutdown: stops taking orders, abandons those in progress (uncommitted), leaves the group. */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return; // closed already: the engine's native parts must not be freed twice
        }
        running = false;
        inProgress.values().forEach(r -> r.cancel.request());
        if (pollThread.isAlive()) {
            consumer.wakeup(); // the loop closes the consumer on its way out
        }
        try {
            // the poll loop's consumer.close() runs the revoke callback, which commits the outcomes
            // in hand: the writer must outlive it
            pollThread.join(CLOSE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (pollThread.isAlive()) {
            LOG.log(System.Logger.Level.WARNING, "worker " + config.workerId() + ": the poll loop did not stop within "
                    + CLOSE_WAIT.toSeconds() + " s; its writer, readers and engine are left open rather than closed under it");
            inference.shutdownNow();
            control.close();
            return;
        }
        inference.shutdownNow();
        try {
            inference.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        control.close();
        readers.forEach(DocumentReader::close);
        writer.close();
        engine.close();
    }
}
