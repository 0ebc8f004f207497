/*
 * The loop every sink runs in: one consumer in the sink's group over `summaries` and `extractions`,
 * read_committed; poll, hand the batch to the sink, and only when the sink says it is durable commit
 * the batch's offsets. Delivery is therefore at least once: a crash (or close()) between the write
 * and the commit makes the next owner of the partitions read the batch again, and the sink's
 * idempotent write by (job id, task index) turns that into exactly one result at the destination.
 *
 * Contract: run() blocks until close() is called from another thread (then it returns normally,
 * having committed everything it wrote) or until the sink or the broker fails (then it throws, and
 * offsets of the failed batch stay uncommitted). A record that does not decode (not Avro, an
 * unknown schema id, a null value) goes to `dead-letters` with its bytes, coordinates and reason,
 * and the batch goes on without it: one bad record on a result topic must not stop every result
 * behind it for ever. So does a result the sink's destination refuses for its content (ResultSink.
 * writeAll: a value out of a column's range, a constraint), with reason SINK_REFUSED. The dead
 * letters are delivered before the batch's offsets are committed. A registry or a destination that
 * cannot be reached is not a bad record: it fails the run, and the batch is read again.
 *
 * Files are finished (ResultSink.tick) only when every offset written is committed. A batch
 * written before a crash, or before a commit that failed and whose partitions were then taken
 * away, is known to be committed only once it has been read again: the sink holds what may contain
 * it (ResultSink.holdUntilConfirmed; a sink started on a crash's file does so itself) until every
 * partition assigned has been read, and committed, up to where it ended when it was assigned
 * (ResultSink.confirmed).
 */
package dev.longhaul.sinks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.DeadLetterReason;
import dev.longhaul.schemas.wire.DeadLetterRecords;
import dev.longhaul.schemas.wire.WireFormatException;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

public final class SinkRunner implements Runnable, AutoCloseable {
    private final SinkConfig config;
    private final Topics topics;
    private final ResultSink sink;
    private final KafkaConsumer<String, byte[]> consumer;
    private final org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> deadLetters;
    private final AtomicLong deadLettered = new AtomicLong();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private volatile boolean stopping;
    /** Since when (nanoTime) another member of the group holds some result partitions; 0: none does (run()'s thread only). */
    private long sharedSince;
    /** How long it may last before the run ends (sharedGrace). */
    private final java.time.Duration sharedGrace;
    private static final System.Logger LOG = System.getLogger(SinkRunner.class.getName());
    /** Why OwnerCheck refused the partitions assigned, if it did (run()'s thread only). */
    private IllegalStateException refused;
    /** What ended run() with an exception, if anything (run()'s thread only). */
    private RuntimeException failure;
    /**
     * Offsets of batches written whose commit failed (a rebalance), per partition: until a commit
     * reaches them, no file may be finished (tick) and closing abandons the sink (run()'s thread only).
     */
    private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
    /**
     * Partitions assigned whose end, as it was when they were assigned, this consumer has not read
     * and committed up to yet, with that end once asked (null until then). When the last is caught
     * up the sink is told what it holds is confirmed (run()'s thread only).
     */
    private final Map<TopicPartition, Long> catchingUp = new HashMap<>();
    /** The sink could not hold a file that may hold a batch whose offsets were forgotten: it is abandoned, not closed. */
    private boolean holdFailed;
    private boolean started; // guarded by this: decides whether run() or close() releases the consumer

    /** The sink is the runner's from now on: run() closes it when it ends, and so does a constructor that fails. */
    public SinkRunner(SinkConfig config, Topics topics, ResultSink sink) {
        this.sink = Objects.requireNonNull(sink, "sink");
        KafkaConsumer<String, byte[]> c = null;
        try {
            this.config = Objects.requireNonNull(config, "config");
            this.topics = Objects.requireNonNull(topics, "topics");
            if (!topics.namespace().equals(config.namespace())) {
                throw new IllegalArgumentException("topics namespace " + topics.namespace() + " differs from the config's " + config.namespace());
            }
            Map<String, Object> consumerProperties = config.consumerProperties();
            this.sharedGrace = sharedGrace(consumerProperties);
            c = new KafkaConsumer<>(consumerProperties, new StringDeserializer(), new ByteArrayDeserializer());
            this.deadLetters = new org.apache.kafka.clients.producer.KafkaProducer<>(config.deadLetterProducerProperties(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer());
            this.consumer = c;
        } catch (RuntimeException e) {
            if (c != null) {
                c.close(java.time.Duration.ZERO);
            }
            try {
                sink.close();
            } catch (Exception closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    @Override
    public void run() {
        synchronized (this) {
            if (started) {
                throw new IllegalStateException("a sink runner runs once");
            }
            started = true;
            if (stopping) {
                finished.countDown(); // closed before it ran: close() released everything, and a later close() must not wait
                return;
            }
        }
        try {
            consumer.subscribe(List.of(topics.summaries.name(), topics.extractions.name()), new OwnerCheck());
            int pollsAfterStop = 0;
            // stopped right after a batch, the position may still sit on the transaction marker after
            // it: one more poll passes it, so that the sink is seen caught up and publishes what it held
            while (!stopping || (!catchingUp.isEmpty() && uncommitted.isEmpty() && pollsAfterStop++ < 1)) {
                ConsumerRecords<String, byte[]> records = consumer.poll(config.pollTimeout());
                if (sharedSince != 0 && System.nanoTime() - sharedSince > sharedGrace.toNanos()) {
                    throw refused = new IllegalStateException("group " + config.groupId() + " has split the result partitions"
                            + " between this sink (" + sink.owner().orElse("") + ", holding " + consumer.assignment().size()
                            + " of them) and another member for " + sharedGrace.toSeconds() + " s: a destination must hold"
                            + " every result, so each destination needs a consumer group of its own (--group)");
                }
                if (!records.isEmpty()) {
                    Decoded batch = decode(records);
                    received.addAndGet(batch.results().size());
                    ResultSink.Written w = sink.writeAll(batch.results());
                    written.addAndGet(w.fresh());
                    if (!w.refused().isEmpty()) {
                        List<Future<RecordMetadata>> lettered = new ArrayList<>();
                        for (ResultSink.Refusal refusal : w.refused()) {
                            lettered.add(deadLetter(batch.recordOf(refusal.result()), DeadLetterReason.SINK_REFUSED,
                                    "sink " + config.groupId() + " cannot store this result: " + refusal.reason()));
                        }
                        delivered(lettered);
                    }
                    commit(offsetsAfter(records));
                }
                if (!uncommitted.isEmpty()) {
                    commit(assignedOf(uncommitted)); // written and durable: committing them again is right
                }
                // no file is finished while it may hold results whose offsets are not committed
                if (uncommitted.isEmpty()) {
                    // caught up on every result partition: a member holding some (another member,
                    // perhaps a crashed run's, holds the rest) says nothing of the others
                    if (!catchingUp.isEmpty() && sharedSince == 0 && consumer.paused().isEmpty() && caughtUp()) {
                        sink.confirmed();
                    }
                    sink.tick();
                }
            }
        } catch (RuntimeException e) {
            // the consumer wraps what a rebalance callback throws; the refusal says what to do
            failure = refused != null ? refused : e;
            throw failure;
        } catch (Exception e) {
            failure = new IllegalStateException("sink " + config.groupId() + " failed: " + e.getMessage(), e);
            throw (IllegalStateException) failure;
        } finally {
            // decided before the consumer closes: its revocation forgets uncommitted offsets (holding the file)
            boolean abandon = failure != null || !uncommitted.isEmpty();
            // Closing the consumer commits nothing (auto-commit is off): a failed batch is read again.
            try {
                try {
                    consumer.close();
                } finally {
                    deadLetters.close();
                }
            } finally {
                try {
                    if (abandon || holdFailed) {
                        sink.abandon(); // what was written since the last commit comes again
                    } else {
                        sink.close();
                    }
                } catch (Exception e) {
                    if (failure == null) {
                        throw new IllegalStateException("cannot close sink " + config.groupId() + ": " + e.getMessage(), e);
                    }
                    failure.addSuppressed(e); // the run's own failure is what the caller must see
                } finally {
                    finished.countDown();
                }
            }
        }
    }

    /**
     * Stops run() after the batch in hand (its write and commit complete) and waits for it to end,
     * at most two poll timeouts plus two writes (one more poll when the sink has not caught up yet),
     * and the end offsets and positions that catching up asks for (5 s each with the broker away).
     * The consumer is not woken up on purpose: a wakeup would land on the commit after a write and
     * leave a durable batch uncommitted. Safe from any thread, e.g. a shutdown hook; a runner never
     * run just releases its consumer and sink.
     */
    @Override
    public void close() {
        boolean running;
        boolean first;
        synchronized (this) {
            running = started;
            first = !stopping;
            stopping = true;
        }
        if (!running && first) {
            consumer.close();
            deadLetters.close();
            try {
                sink.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot close sink " + config.groupId() + ": " + e.getMessage(), e);
            }
        }
        if (!running) {
            return;
        }
        try {
            finished.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Results handed to the sink so far, replays included. */
    public long received() {
        return received.get();
    }

    /** Results the sink reported as new (not already at the destination). */
    public long written() {
        return written.get();
    }

    /** A batch's results in record order, and the record each came from (by identity: two results may be equal). */
    private record Decoded(List<SinkResult> results, Map<SinkResult, ConsumerRecord<String, byte[]>> records) {
        ConsumerRecord<String, byte[]> recordOf(SinkResult result) {
            ConsumerRecord<String, byte[]> r = records.get(result);
            if (r == null) {
                throw new IllegalStateException("the sink refused a result it was not given: " + result.key());
            }
            return r;
        }
    }

    private Decoded decode(ConsumerRecords<String, byte[]> records) {
        Map<SinkResult, ConsumerRecord<String, byte[]>> batch = new java.util.IdentityHashMap<>();
        List<SinkResult> order = new ArrayList<>(records.count());
        List<Future<RecordMetadata>> lettered = new ArrayList<>();
        Map<ConsumerRecord<String, byte[]>, SerializationException> unreadable = new java.util.LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            try {
                if (r.value() == null) {
                    throw new WireFormatException(DeadLetterReason.NOT_AVRO, "a null value (tombstone) on " + r.topic());
                }
                SinkResult result = (r.topic().equals(topics.summaries.name())
                        ? SinkResult.of(topics.summaries.values().deserializer().deserialize(r.topic(), r.value()))
                        : SinkResult.of(topics.extractions.values().deserializer().deserialize(r.topic(), r.value())))
                        .withProducedAt(Math.max(0, r.timestamp()));
                order.add(result);
                batch.put(result, r);
            } catch (SerializationException e) {
                if (e instanceof WireFormatException wire && wire.newerWriter()) {
                    // a valid result of a newer schema (workers upgraded before this sink): dead-lettered
                    // and committed past, it would never reach the destination; the run stops instead,
                    // with nothing of this batch committed or dead-lettered, until an upgraded sink reads it
                    throw new IllegalStateException("sink " + config.groupId() + " cannot read the result at " + r.topic() + "-"
                            + r.partition() + "@" + r.offset() + ": it was written with a newer schema than this sink"
                            + " reads; upgrade the sink (nothing from this result on is committed): " + e.getMessage(), e);
                }
                unreadable.put(r, e);
            }
        }
        unreadable.forEach((r, e) -> {
            DeadLetterReason reason = e instanceof WireFormatException wire ? wire.reason() : DeadLetterReason.NOT_AVRO;
            lettered.add(deadLetter(r, reason, "sink " + config.groupId() + " cannot read this result: " + e.getMessage()));
        });
        delivered(lettered);
        return new Decoded(order, batch);
    }

    /**
     * Waits until the dead letters are delivered, before the batch's offsets are committed: a letter
     * the broker refused (no such topic, not authorized, too few in-sync replicas) fails the run,
     * and the batch is read again, rather than the bad record being passed over without a trace.
     */
    private void delivered(List<Future<RecordMetadata>> lettered) {
        if (!lettered.isEmpty()) {
            deadLetters.flush();
            for (Future<RecordMetadata> sent : lettered) {
                try {
                    sent.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("sink " + config.groupId() + " cannot write to "
                            + topics.deadLetters.name() + ": " + e.getCause().getMessage(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while writing dead letters", e);
                }
            }
        }
    }

    private Future<RecordMetadata> deadLetter(ConsumerRecord<String, byte[]> r, DeadLetterReason reason, String detail) {
        byte[] key = r.key() == null ? null : r.key().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var letter = DeadLetterRecords.of(r.topic(), r.partition(), r.offset(), key, r.value(), reason,
                detail, System.currentTimeMillis());
        byte[] value = topics.deadLetters.values().serializer().serialize(topics.deadLetters.name(), letter);
        Future<RecordMetadata> sent = deadLetters.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                topics.deadLetters.name(), DeadLetterRecords.keptKey(key), value));
        deadLettered.incrementAndGet();
        return sent;
    }

    /** What the offsets' metadata starts with when it names the destination that committed them. */
    static final String OWNER_STAMP = "longhaul-sink ";

    /**
     * Refuses partitions whose committed offsets another destination of this group stamped (a
     * second result directory under the same group): this sink would start after results it never
     * wrote. Offsets without a stamp (committed before stamps, or by a sink without an owner) pass.
     * The exception reaches run() through poll() and ends the run, saying what to do.
     */
    private final class OwnerCheck implements org.apache.kafka.clients.consumer.ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
            partitions.forEach(tp -> catchingUp.put(tp, null)); // its end is asked outside the callback (caughtUp)
            if (sink.holdsEveryResult()) {
                holdsEveryPartition();
            }
            java.util.Optional<String> mine = sink.owner();
            if (mine.isEmpty() || partitions.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new java.util.HashSet<>(partitions));
            for (var e : committed.entrySet()) {
                String metadata = e.getValue() == null ? null : e.getValue().metadata();
                if (metadata != null && metadata.startsWith(OWNER_STAMP) && !metadata.equals(OWNER_STAMP + mine.get())) {
                    throw refused = new IllegalStateException("group " + config.groupId() + " committed " + e.getKey() + " up to offset "
                            + e.getValue().offset() + " for another destination (" + metadata.substring(OWNER_STAMP.length())
                            + "), not this one (" + mine.get() + "): the results before that offset are there, not here."
                            + " Run this sink on that destination, or give this one a consumer group of its own (--group)");
                }
            }
        }

        /**
         * Offsets a failed commit left for partitions now revoked are committed once more while this
         * member still may (an eager rebalance revokes before it reassigns), then forgotten: whoever
         * holds a partition next commits it, and committing an old offset after getting the
         * partition back would move the group back over what that holder committed meanwhile. The
         * sink holds the file with the batch whose commit failed until the partitions assigned next
         * are read again from the group's offsets and caught up (catchingUp, confirmed()).
         */
        @Override
        public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
            partitions.forEach(catchingUp::remove);
            Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
            partitions.forEach(tp -> {
                OffsetAndMetadata o = uncommitted.remove(tp);
                if (o != null) {
                    pending.put(tp, o);
                }
            });
            if (!pending.isEmpty()) {
                try {
                    consumer.commitSync(pending);
                } catch (org.apache.kafka.common.KafkaException e) {
                    // the next holder reads from the group's offset: the idempotent write absorbs the
                    // replay, and the file holding the batch waits until it is read again here
                    hold();
                }
            }
        }

        /** Partitions taken away with this member out of the group: its offsets are forgotten, not committed (see above). */
        @Override
        public void onPartitionsLost(java.util.Collection<TopicPartition> partitions) {
            boolean dropped = false;
            for (TopicPartition tp : partitions) {
                dropped |= uncommitted.remove(tp) != null;
                catchingUp.remove(tp);
            }
            if (dropped) {
                hold(); // see onPartitionsRevoked
            }
        }

        private void hold() {
            try {
                sink.holdUntilConfirmed();
            } catch (Exception e) {
                holdFailed = true; // the file may hold the batch: never closed as finished
                throw new IllegalStateException("sink " + config.groupId() + " cannot hold its file: " + e.getMessage(), e);
            }
        }

        /**
         * A destination one process writes (ResultSink.holdsEveryResult: a directory) must hold
         * every result: while another member of the group holds some of the result partitions (a
         * second destination started on the same group, both before either committed a stamp; or,
         * for a session timeout, the member of this sink's previous process, which crashed), this
         * sink writes nothing and waits. A rebalance that gives it every partition ends the wait;
         * sharedGrace without one ends the run (in run()).
         */
        private void holdsEveryPartition() {
            java.util.Set<TopicPartition> all = new java.util.HashSet<>();
            for (String topic : List.of(topics.summaries.name(), topics.extractions.name())) {
                for (var info : consumer.partitionsFor(topic)) {
                    all.add(new TopicPartition(topic, info.partition()));
                }
            }
            java.util.Set<TopicPartition> held = consumer.assignment();
            if (held.containsAll(all)) {
                consumer.resume(held);
                sharedSince = 0;
            } else {
                consumer.pause(held);
                if (sharedSince == 0) {
                    sharedSince = System.nanoTime();
                    LOG.log(System.Logger.Level.WARNING, "sink " + config.groupId() + " holds " + held.size() + " of the " + all.size()
                            + " result partitions: another member of its group holds the rest; it writes nothing until it"
                            + " holds them all (a crashed process's member leaves within its session timeout), and stops"
                            + " after " + sharedGrace.toSeconds() + " s");
                }
            }
        }
    }

    /** How long a sink waits to hold every result partition (two session timeouts: a crashed member's is gone by then). */
    private static java.time.Duration sharedGrace(Map<String, Object> consumerProperties) {
        Object session = consumerProperties.get(org.apache.kafka.clients.consumer.ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG);
        long millis = session == null ? 45_000 : Long.parseLong(session.toString());
        return java.time.Duration.ofMillis(2 * millis);
    }

    /** Records of the result topics this runner could not read and sent to dead-letters. */
    public long deadLettered() {
        return deadLettered.get();
    }

    /**
     * Commits the offsets (the position after each partition's last record in a batch written). A
     * rebalance during the write makes the commit fail; the new owner then reads the batch again,
     * which the idempotent write absorbs, so that is not an error, but the offsets are kept in
     * `uncommitted` and committed again while this consumer holds their partitions, until they are
     * revoked or lost (OwnerCheck).
     */
    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets);
            offsets.forEach((tp, o) -> {
                OffsetAndMetadata pending = uncommitted.get(tp);
                if (pending != null && pending.offset() <= o.offset()) {
                    uncommitted.remove(tp);
                }
            });
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // Not ours any more, or not yet again: whoever owns a partition next reads it from its
            // last committed offset, which the idempotent write absorbs; kept until a commit reaches it
            offsets.forEach((tp, o) -> uncommitted.merge(tp, o, (a, b) -> a.offset() >= b.offset() ? a : b));
        }
    }

    /**
     * Whether every partition assigned has been read up to where it ended when it was assigned,
     * and so committed there (each batch is committed as it is written, and `uncommitted` is empty
     * when this is asked). Ends and positions the broker cannot give now are asked again next time.
     */
    private boolean caughtUp() {
        if (catchingUp.isEmpty()) {
            return true;
        }
        List<TopicPartition> unasked = catchingUp.entrySet().stream().filter(e -> e.getValue() == null).map(Map.Entry::getKey).toList();
        try {
            if (!unasked.isEmpty()) {
                consumer.endOffsets(unasked, java.time.Duration.ofSeconds(5)).forEach(catchingUp::put);
            }
            java.util.Set<TopicPartition> paused = consumer.paused();
            for (TopicPartition tp : List.copyOf(catchingUp.keySet())) {
                Long end = catchingUp.get(tp);
                if (end != null && !paused.contains(tp) && consumer.position(tp, java.time.Duration.ofSeconds(5)) >= end) {
                    catchingUp.remove(tp);
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            return false; // asked again after the next poll
        }
        return catchingUp.isEmpty();
    }

    /** The position after each partition's last record in the batch, stamped with the sink's owner. */
    private Map<TopicPartition, OffsetAndMetadata> offsetsAfter(ConsumerRecords<String, byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        String stamp = sink.owner().map(o -> OWNER_STAMP + o).orElse("");
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, byte[]>> inPartition = records.records(tp);
            offsets.put(tp, new OffsetAndMetadata(inPartition.getLast().offset() + 1, stamp));
        }
        return offsets;
    }

    /** The entries of `offsets` for partitions this consumer holds now. */
    private Map<TopicPartition, OffsetAndMetadata> assignedOf(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<TopicPartition, OffsetAndMetadata> held = new HashMap<>(offsets);
        held.keySet().retainAll(consumer.assignment());
        return held;
    }
}
