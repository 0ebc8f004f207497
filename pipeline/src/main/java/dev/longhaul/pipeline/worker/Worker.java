/*
 * A worker process's Kafka side: a member of the consumer group over `work` whose partitions are
 * its lanes. The poll loop never waits on inference: while an order runs on the inference thread
 * the loop pauses its partitions and keeps polling (so the group sees it alive, however long the
 * job), publishes heartbeats, and picks up finished runs. A finished order commits its results,
 * its final status and the `work` offset in one transaction whose offsets carry the group
 * generation (KIP-447): a worker that lost the lane meanwhile is fenced and its results vanish,
 * the new owner redoes the order, and each job gets exactly one result per task. Progress ticks
 * and heartbeats go outside transactions; each heartbeat carries the engine's batch fill over its
 * interval. Cancellation comes from `control`, read from its start.
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
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkOrder;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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
    private final DocumentReader reader;
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
    private volatile Taken current; // read by the control listener's thread (onCancel)
    private Future<OrderRunner.Outcome> currentRun;
    private long lastHeartbeat;

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
        this.reader = new DocumentReader(config.assignedConsumer("documents"), topics.documents);
        this.inference = Executors.newSingleThreadExecutor(r -> new Thread(r, "longhaul-inference-" + config.workerId()));
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
                if (currentRun != null && currentRun.isDone()) {
                    finishCurrent();
                }
                if (current == null && !pending.isEmpty()) {
                    startNext();
                }
                Collection<TopicPartition> assigned = consumer.assignment();
                if (current != null || !pending.isEmpty()) {
                    consumer.pause(assigned);
                } else {
                    consumer.resume(consumer.paused());
                }
                heartbeatIfDue(false);
            }
        } catch (WakeupException e) {
            // close() woke the loop up
        } catch (RuntimeException | Error e) {
            failure = e;
            LOG.log(System.Logger.Level.ERROR, "worker " + config.workerId() + " stopped: its poll loop failed", e);
        } finally {
            engine.cancel();
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

    private void startNext() {
        Taken t = pending.poll();
        if (t.undecodable != null) {
            commit(t, writer.undecodable(t, t.undecodable));
            return;
        }
        String jobId = t.order.getRequest().getJobId();
        Instant deadline = t.order.getRequest().getDeadline();
        if (control.isCancelled(jobId)) {
            commit(t, writer.cancelled(t.order));
        } else if (deadline != null && deadline.isBefore(Instant.now())) {
            commit(t, writer.expired(t.order));
        } else if (completedJobs.contains(jobId)) {
            // A second order for a job this worker already finished (never expected from the planner): drop it.
            commit(t, List.of());
        } else {
            engine.reset(); // before `current` names this order: a cancel from then on reaches its run
            current = t;
            if (control.isCancelled(jobId)) {
                engine.cancel(); // it came after the check above, while `current` still named no order
            }
            bestEffort("the RUNNING status of " + jobId, () -> writer.running(t.order, 0, 0));
            OrderRunner.Progress ticker = writer.progressTicker(t.order);
            OrderRunner.Progress progress = (fraction, tokens) -> bestEffort("a progress status of " + jobId,
                    () -> ticker.update(fraction, tokens));
            currentRun = inference.submit(() -> engine.run(t.order, reader, faultsAt(t, progress)));
        }
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
            public void decoded(int tokenId) {
                faults.at(Faults.Point.DECODE, order);
            }
        };
    }

    private void finishCurrent() {
        Taken t = current;
        OrderRunner.Outcome outcome;
        try {
            outcome = currentRun.get();
        } catch (Exception e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            current = null;
            currentRun = null;
            commit(t, writer.failed(t, cause));
            return;
        }
        current = null;
        currentRun = null;
        if (outcome instanceof OrderRunner.Done done) {
            if (commit(t, writer.succeeded(t.order, done))) {
                completedJobs.add(t.order.getRequest().getJobId());
                ordersDone.incrementAndGet();
            }
        } else {
            commit(t, writer.cancelled(t.order));
        }
    }

    /** Commits records plus the order's offset; on failure (fenced, lane lost) the order is retried if still ours. */
    private boolean commit(Taken t, List<ResultWriter.Out> records) {
        boolean ok = writer.commit(records, t.partition(), t.record.offset() + 1, consumer.groupMetadata());
        if (!ok && consumer.assignment().contains(t.partition())) {
            pending.addFirst(t);
        }
        return ok;
    }

    private void onCancel(String jobId) {
        Taken t = current;
        if (t != null && t.order != null && t.order.getRequest().getJobId().equals(jobId)) {
            engine.cancel();
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
        if (current != null) {
            outstanding += current.order.getEstimatedCostTokens();
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
            if (current != null && partitions.contains(current.partition())) {
                engine.cancel();
                try {
                    currentRun.get();
                } catch (Exception e) {
                    // the run is abandoned either way; its lane's new owner redoes the order
                }
                current = null;
                currentRun = null;
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

    /** Clean shutdown: stops taking orders, abandons the one in progress (uncommitted), leaves the group. */
    @Override
    public void close() {
        running = false;
        engine.cancel();
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
        reader.close();
        writer.close();
        engine.close();
    }
}
