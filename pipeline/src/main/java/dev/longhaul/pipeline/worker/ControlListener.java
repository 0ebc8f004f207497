/*
 * Reads the `control` topic from its beginning on every partition (no consumer group: every worker
 * must see every cancel) on a virtual thread, remembers cancelled job ids, and tells the worker as
 * each arrives so a running job stops at its next chunk or decode step. A job cancelled before a
 * worker takes it is found by cancels() when its order comes up; the worker starts no order before
 * the listener has caught up with what `control` held when it started (caughtUp()). A cancel requested long before an
 * order's submission (more than EARLIER_LIFE) is of an earlier life of the job id, which the planner
 * plans again once it has forgotten it, and does not cancel the new one; within it, clocks of the
 * clients that submitted and cancelled may disagree. PAUSE and RESUME are followed the same way: a
 * job whose latest of them is a PAUSE (of this life, by the same rule) is paused, and the worker
 * hands its order back to the dispatcher instead of running it (see Worker).
 */
package dev.longhaul.pipeline.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.ControlAction;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkOrder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

final class ControlListener implements AutoCloseable {
    /** How much older than a submission a cancel of its job id must be to be taken for an earlier life's. */
    static final Duration EARLIER_LIFE = Duration.ofHours(1);

    private final Map<String, Instant> cancelled = new ConcurrentHashMap<>(); // job id -> latest cancel's requestedAt
    private final Map<String, Instant> paused = new ConcurrentHashMap<>(); // job id -> requestedAt of a PAUSE no RESUME followed
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Topics topics;
    private final Consumer<String> onControl;
    private final Thread thread;
    private volatile boolean running = true;
    private final long startedNanos;
    /** Where `control` ended when the listener started; cancels before them are known once read past. */
    private final Map<TopicPartition, Long> startEnds;
    private volatile boolean caughtUp;
    /** Reads asked for (requestRead) and the latest of them done: `control` read as far as it reached when asked. */
    private final java.util.concurrent.atomic.AtomicLong readsRequested = new java.util.concurrent.atomic.AtomicLong();
    private volatile long readsDone;
    /** The read under way (listener thread only): its number and the end offsets it must pass; null ends: none. */
    private long readUnderWay;
    private Map<TopicPartition, Long> readEnds;
    /** Jobs whose CANCEL onControl has heard of, and whose latest PAUSE (true) or RESUME it has: what tests wait on. */
    private final java.util.Set<String> cancelHeard = ConcurrentHashMap.newKeySet();
    private final Map<String, Boolean> pauseHeard = new ConcurrentHashMap<>();
    private static final System.Logger LOG = System.getLogger(ControlListener.class.getName());
    private static final long SKIP_LOG_NANOS = java.time.Duration.ofMinutes(1).toNanos();
    /** Records skipped as unreadable since the last line said so, and when that was (System.nanoTime; listener thread only). */
    private long skipped;
    private long lastSkipLog;
    private String lastSkipped;
    /** How often partitions added to `control` are looked for. */
    private static final Duration REFRESH = Duration.ofMinutes(1);
    private static final Duration WARN_EVERY = Duration.ofMinutes(1);
    /** Cancels and pauses older than this are forgotten (see forgetOlderThan). */
    static final Duration FORGET_AFTER = dev.longhaul.schemas.Topics.STATUS_RETENTION.plus(EARLIER_LIFE);

    /** `onControl` hears the job id of each CANCEL and PAUSE as it is read, on the listener's thread. */
    ControlListener(WorkerConfig config, Topics topics, Consumer<String> onControl) {
        this.consumer = new KafkaConsumer<>(config.assignedConsumer("control"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topics = topics;
        this.onControl = onControl;
        try {
            assignNewPartitions(Duration.ofSeconds(30));
            this.startEnds = consumer.endOffsets(consumer.assignment(), Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO); // the listener never started: its consumer goes with it
            throw e;
        }
        this.startedNanos = System.nanoTime();
        this.thread = Thread.ofVirtual().name("longhaul-control-" + config.workerId()).start(this::loop);
    }

    /**
     * Whether every cancel written before the listener started has been read: until then a job
     * cancelled while it waited in `work` would look uncancelled to cancels().
     */
    boolean caughtUp() {
        return caughtUp;
    }

    /** System.nanoTime() when the listener started reading. */
    long startedNanos() {
        return startedNanos;
    }

    /** Whether the job's latest PAUSE or RESUME read is a PAUSE, and onControl has heard of it. */
    boolean isPaused(String jobId) {
        return paused.containsKey(jobId) && Boolean.TRUE.equals(pauseHeard.get(jobId));
    }

    /** Whether a cancel of the job has been read, and onControl has heard of it. */
    boolean isCancelled(String jobId) {
        return cancelled.containsKey(jobId) && cancelHeard.contains(jobId);
    }

    /**
     * Asks the listener to read `control` as far as it reaches now; returns the ticket readPast
     * takes. Any thread.
     */
    long requestRead() {
        return readsRequested.incrementAndGet();
    }

    /** Whether `control` has been read as far as it reached when `ticket` was requested. */
    boolean readPast(long ticket) {
        return readsDone >= ticket;
    }

    /** Starts the latest read asked for, when none is under way, and ends the one under way once read past. */
    private void advanceReads() {
        if (readEnds == null) {
            long wanted = readsRequested.get();
            if (wanted <= readsDone) {
                return;
            }
            readUnderWay = wanted; // the end offsets are taken after the request: they cover what it needs
            assignNewPartitions(Duration.ofSeconds(5)); // a RESUME may lie on a partition added since the last look
            readEnds = consumer.endOffsets(consumer.assignment(), Duration.ofSeconds(5));
        }
        if (readEnds.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
            readsDone = readUnderWay;
            readEnds = null;
        }
    }

    /** Whether a cancel of the order's job id was requested, and not long before its submission. */
    boolean cancels(WorkOrder order) {
        return ofThisLife(cancelled.get(order.getRequest().getJobId()), order);
    }

    /** Whether the order's job is paused: its latest PAUSE or RESUME is a PAUSE, not requested long before its submission. */
    boolean pauses(WorkOrder order) {
        return ofThisLife(paused.get(order.getRequest().getJobId()), order);
    }

    private static boolean ofThisLife(Instant requestedAt, WorkOrder order) {
        return requestedAt != null && !requestedAt.isBefore(order.getRequest().getSubmittedAt().minus(EARLIER_LIFE));
    }

    /**
     * Forgets cancels and pauses requested before `cutoff`, so that the sets do not grow for as long as the
     * worker runs: FORGET_AFTER is past the status topic's retention plus EARLIER_LIFE, older than
     * any order still to come could be (the planner forgets a job id within that retention), and
     * older than a restarted worker reading `control` (7 days by default) would know of.
     */
    void forgetOlderThan(Instant cutoff) {
        cancelled.values().removeIf(at -> at.isBefore(cutoff));
        paused.values().removeIf(at -> at.isBefore(cutoff));
        cancelHeard.retainAll(cancelled.keySet());
        pauseHeard.keySet().retainAll(paused.keySet());
    }

    /** Adds partitions of `control` not read yet (all of them at start), each read from its beginning. */
    private void assignNewPartitions(Duration timeout) {
        List<TopicPartition> all = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(topics.control.name(), timeout)) {
            all.add(new TopicPartition(p.topic(), p.partition()));
        }
        List<TopicPartition> added = new ArrayList<>(all);
        added.removeAll(consumer.assignment());
        if (!added.isEmpty()) {
            consumer.assign(all);
            consumer.seekToBeginning(added);
        }
    }

    /**
     * Polls until closed. A failure (the broker unreachable for longer than a poll, a partition
     * moving) is logged, at most once a minute, and polling goes on: a listener that stopped would
     * leave the worker running jobs that can no longer be cancelled, with nothing to show for it.
     * Partitions added to `control` later are picked up within REFRESH.
     */
    private void loop() {
        long refreshed = System.nanoTime();
        long warned = System.nanoTime() - 2 * WARN_EVERY.toNanos();
        try {
            while (running) {
                try {
                    pollOnce();
                    advanceReads();
                    if (System.nanoTime() - refreshed > REFRESH.toNanos()) {
                        refreshed = System.nanoTime();
                        assignNewPartitions(Duration.ofSeconds(5));
                        forgetOlderThan(Instant.now().minus(FORGET_AFTER));
                    }
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    if (System.nanoTime() - warned > WARN_EVERY.toNanos()) {
                        warned = System.nanoTime();
                        LOG.log(System.Logger.Level.WARNING, "the control listener could not read " + topics.control.name()
                                + " (it tries again; cancels wait meanwhile): " + e);
                    }
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            reportSkipped(true);
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /**
     * Reads one poll's records, partition by partition. A record whose schema cannot be looked up
     * (the registry down) is not skipped, which would lose its cancel for good: its partition is
     * put back to it, the rest of the partition waits, and the failure goes to loop(), which tries
     * again after a pause. Anything else undecodable is skipped: not ours to dead-letter, the
     * pipeline validates control records.
     */
    private void pollOnce() {
        var records = consumer.poll(Duration.ofMillis(200));
        RuntimeException registryDown = null;
        for (TopicPartition tp : records.partitions()) {
            for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                Control c;
                try {
                    c = topics.control.values().deserializer().deserialize(r.topic(), r.value());
                } catch (RuntimeException e) {
                    if (Worker.registryDown(e)) {
                        consumer.seek(tp, r.offset());
                        registryDown = e;
                        break;
                    }
                    // the pipeline dead-letters it; said here too, since a command this worker
                    // never applies (a pause, a cancel) would otherwise vanish without a trace; at
                    // most once a minute, with a count (each start reads the whole topic again)
                    skipped++;
                    lastSkipped = r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e.getMessage();
                    reportSkipped(false);
                    continue;
                }
                take(r, c);
            }
        }
        if (registryDown != null) {
            throw registryDown;
        }
        if (!caughtUp && startEnds.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
            caughtUp = true;
            reportSkipped(true); // what the read of the topic as it was at the start skipped, all said
        } else {
            reportSkipped(false);
        }
    }

    /** Says how many unreadable records were skipped since it last did: now, or if a minute has passed since. */
    private void reportSkipped(boolean now) {
        long at = System.nanoTime();
        if (skipped > 0 && (now || lastSkipLog == 0 || at - lastSkipLog > SKIP_LOG_NANOS)) {
            LOG.log(System.Logger.Level.WARNING, "skipped " + skipped + " control record(s) this worker cannot read, the latest "
                    + lastSkipped);
            lastSkipLog = at;
            skipped = 0;
        }
    }

    private void take(ConsumerRecord<byte[], byte[]> r, Control c) {
        // The key is the job id the pipeline cancels; a value naming another job is refused there, and ignored here.
        boolean keyMatches = r.key() != null && c != null
                && java.util.Arrays.equals(r.key(), c.getJobId().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (!keyMatches) {
            return;
        }
        // PAUSE and RESUME of a job go in the order the partition holds them (the order they were
        // written in), not by their clients' clocks
        switch (c.getAction()) {
            case CANCEL -> cancelled.merge(c.getJobId(), c.getRequestedAt(), (a, b) -> a.isAfter(b) ? a : b);
            case PAUSE -> paused.put(c.getJobId(), c.getRequestedAt());
            case RESUME -> paused.remove(c.getJobId());
            case SET_PRIORITY -> {
                return; // the dispatcher's business: a running order's priority changes nothing here
            }
        }
        if (c.getAction() != ControlAction.RESUME) {
            try {
                onControl.accept(c.getJobId());
            } catch (RuntimeException e) {
                // the command is kept above (cancels() and pauses() find it); the batch's other records go on
                LOG.log(System.Logger.Level.WARNING, "could not pass on the " + c.getAction() + " of " + c.getJobId() + ": " + e);
            }
        }
        switch (c.getAction()) {
            case CANCEL -> cancelHeard.add(c.getJobId());
            case PAUSE -> pauseHeard.put(c.getJobId(), true);
            case RESUME -> pauseHeard.put(c.getJobId(), false);
            case SET_PRIORITY -> { }
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
