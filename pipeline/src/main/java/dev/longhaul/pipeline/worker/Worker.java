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
 * the new owner redoes the order, and each job gets exactly one result per task. Progress ticks
 * and heartbeats go outside transactions; each heartbeat carries the engine's batch fill over its
 * interval. Cancellation comes from `control`, read from its start, and reaches the run of its job
 * alone (each run has its own RunCancel); a revoked lane cancels only its own order.
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

import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkOrder;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public final class Worker implements AutoCloseable {
    /** An order taken from `work`: the record (for its offset and bytes) and the decoded order, or why not. */
    record Taken(ConsumerRecord<byte[], byte[]> record, WorkOrder order, RuntimeException undecodable) {
        TopicPartition partition() {
            return new TopicPartition(record.topic(), record.partition());
        }
    }

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
    private static final System.Logger LOG = System.getLogger(Worker.class.getName());
    /** Least time between two log lines about failed best-effort sends. */
    private static final long SEND_WARNING_MILLIS = 60_000;

    private volatile boolean running = true;
    private volatile Throwable failure;
    private long lastSendWarning = Long.MIN_VALUE / 2;
    /** The orders in progress by lane; written by the poll thread, read by the control listener's (onCancel). */
    private final Map<TopicPartition, Running> inProgress = new ConcurrentHashMap<>();
    private long lastHeartbeat;

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
        this.config = config;
        this.lanes = lanes;
        this.topics = topics;
        this.faults = faults;
        this.engine = OrderEngine.open(config);
        this.writer = new ResultWriter(config, topics, faults);
        this.control = new ControlListener(config, topics, this::onCancel);
        this.consumer = new KafkaConsumer<>(config.workConsumer(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        AtomicInteger threads = new AtomicInteger();
        this.inference = Executors.newFixedThreadPool(config.concurrentOrders(),
                r -> new Thread(r, "longhaul-inference-" + config.workerId() + "-" + threads.incrementAndGet()));
        this.pollThread = new Thread(this::loop, "longhaul-worker-" + config.workerId());
        pollThread.start();
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

    private Taken take(ConsumerRecord<byte[], byte[]> r) {
        try {
            return new Taken(r, topics.work.values().deserializer().deserialize(r.topic(), r.value()), null);
        } catch (RuntimeException e) {
            return new Taken(r, null, e);
        }
    }

    /**
     * Starts waiting orders while fewer than concurrentOrders run: in arrival order, each the first
     * waiting of a lane with nothing in progress. One pass; an order whose commit failed and went
     * back to the queue waits for the next pass.
     */
    private void startWhatFits() {
        if (!running) {
            return; // closing: an order started now would only be abandoned
        }
        List<Taken> chosen = new ArrayList<>();
        Set<TopicPartition> lanes = new HashSet<>(inProgress.keySet());
        int free = config.concurrentOrders() - inProgress.size();
        for (Taken t : pending) {
            if (chosen.size() >= free) {
                break;
            }
            if (lanes.add(t.partition())) {
                chosen.add(t);
            }
        }
        pending.removeAll(chosen);
        chosen.forEach(this::start);
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

    private void start(Taken t) {
        if (t.undecodable != null) {
            commit(t, writer.undecodable(t, t.undecodable));
            return;
        }
        String jobId = t.order.getRequest().getJobId();
        Instant deadline = t.order.getRequest().getDeadline();
        if (control.cancels(t.order)) {
            commit(t, writer.cancelled(t.order));
        } else if (deadline != null && deadline.isBefore(Instant.now())) {
            commit(t, writer.expired(t.order));
        } else if (completedJobs.contains(submission(t.order))) {
            // A second order for a submission this worker already finished (never expected from the
            // planner): drop it. A job id used again after the planner forgot it is a new submission.
            commit(t, List.of());
        } else {
            DocumentReader reader = idleReaders.isEmpty() ? newReader() : idleReaders.pop();
            Running run = new Running(t, new RunCancel(), reader, new CompletableFuture<>());
            inProgress.put(t.partition(), run); // before the check below: a cancel from then on finds the run
            if (control.cancels(t.order)) {
                run.cancel.request(); // it came after the check above, while no run was there to find
            }
            bestEffort("the RUNNING status of " + jobId, () -> writer.running(t.order, 0, 0));
            OrderRunner.Progress ticker = writer.progressTicker(t.order);
            OrderRunner.Progress progress = (fraction, tokens) -> bestEffort("a progress status of " + jobId,
                    () -> ticker.update(fraction, tokens));
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

    /** Commits a finished run's outcome: results, FAILED or CANCELLED. */
    private void finish(Running r) {
        inProgress.remove(r.taken.partition());
        idleReaders.push(r.reader);
        Taken t = r.taken;
        OrderRunner.Outcome outcome;
        try {
            outcome = r.outcome.get();
        } catch (ExecutionException e) {
            commit(t, writer.failed(t, e.getCause() == null ? e : e.getCause()));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while taking a finished run", e);
        }
        if (outcome instanceof OrderRunner.Done done) {
            if (commit(t, writer.succeeded(t.order, done))) {
                completedJobs.add(submission(t.order));
                ordersDone.incrementAndGet();
            }
        } else {
            commit(t, writer.cancelled(t.order));
        }
    }

    /** The job id and submission id of an order: what one run of a job is known by. */
    private static String submission(WorkOrder order) {
        return order.getRequest().getJobId() + "\0" + order.getRequest().getSubmissionId();
    }

    /** Commits records plus the order's offset; on failure (fenced, lane lost) the order is retried if still ours. */
    private boolean commit(Taken t, List<ResultWriter.Out> records) {
        long next = t.record.offset() + 1;
        boolean ok = switch (writer.commit(records, t.partition(), next, consumer.groupMetadata())) {
            case YES -> true;
            case NO -> false;
            case UNKNOWN -> committedPast(t.partition(), next);
        };
        if (!ok && consumer.assignment().contains(t.partition())) {
            pending.addFirst(t);
        }
        return ok;
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

    private void onCancel(String jobId) {
        for (Running r : inProgress.values()) {
            if (r.taken.order.getRequest().getJobId().equals(jobId) && control.cancels(r.taken.order)) {
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
        long outstanding = 0;
        for (Running r : inProgress.values()) {
            outstanding += r.taken.order.getEstimatedCostTokens();
        }
        for (Taken t : pending) {
            outstanding += t.order == null ? 0 : t.order.getEstimatedCostTokens();
        }
        long reported = leaving ? 0 : outstanding;
        bestEffort("a heartbeat", () -> writer.heartbeat(lanes, engine.prefillTokensPerSecond(), reported, engine.batchFill()));
    }

    /** Runs a send whose loss the next one repairs; a failure is logged at most once a minute. */
    private void bestEffort(String what, Runnable send) {
        try {
            send.run();
        } catch (RuntimeException e) {
            long now = System.currentTimeMillis();
            synchronized (this) {
                if (now - lastSendWarning < SEND_WARNING_MILLIS) {
                    return;
                }
                lastSendWarning = now;
            }
            LOG.log(System.Logger.Level.WARNING, "worker " + config.workerId() + " could not send " + what
                    + " (the next one tries again): " + e);
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
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            pending.removeIf(t -> partitions.contains(t.partition()));
            List<Running> lost = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                Running r = inProgress.remove(tp);
                if (r != null) {
                    r.cancel.request();
                    lost.add(r);
                }
            }
            for (Running r : lost) {
                try {
                    r.outcome.get();
                } catch (Exception e) {
                    // the run is abandoned either way; its lane's new owner redoes the order
                }
                idleReaders.push(r.reader);
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            lastHeartbeat = 0; // announce the new lanes at once
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            onPartitionsRevoked(partitions);
        }
    }

    /** Clean shutdown: stops taking orders, abandons those in progress (uncommitted), leaves the group. */
    @Override
    public void close() {
        running = false;
        inProgress.values().forEach(r -> r.cancel.request());
        if (pollThread.isAlive()) {
            consumer.wakeup(); // the loop closes the consumer on its way out
        }
        try {
            pollThread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
