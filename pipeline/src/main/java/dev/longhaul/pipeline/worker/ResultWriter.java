/*
 * Everything a worker writes. Final outcomes (results, final status, dead letters) are built as
 * records and committed together with the consumed `work` offset in one transaction (commit());
 * progress ticks and heartbeats go through a second, non-transactional producer, flushed before
 * each commit so that a job's final status always follows its last tick on the status topic.
 * A fenced producer means another process has started with this worker's transactional id (under
 * the same worker id, or on the same pinned lanes: WorkerConfig.transactionalProducer): this one is
 * the zombie, and it stops (commit() throws) instead of fencing the other in turn,
 * which would have the two redo each other's orders for ever (a stale epoch, which Kafka 4 also
 * reports for it, is told apart by the abort that follows). Any other failed commit is aborted, and
 * a producer that cannot abort is replaced (same transactional id). So is one whose commit timed out (a broker restarting, a coordinator moving): Kafka then refuses
 * an abort until the timed-out call is retried, and whether the commit landed is unknown. The new
 * producer's initTransactions settles the old transaction for good (committed if its commit had
 * reached the coordinator, aborted if not), and commit() answers UNKNOWN for the caller to look up
 * the group's committed offset, rather than redoing (a duplicate) or giving up (losing the worker).
 */
package dev.longhaul.pipeline.worker;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.longhaul.pipeline.Failures;
import dev.longhaul.schemas.DeadLetter;
import dev.longhaul.schemas.Extraction;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStates;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Summary;
import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkOrder;
import dev.longhaul.schemas.WorkerHeartbeat;
import dev.longhaul.schemas.wire.DeadLetterReason;
import dev.longhaul.schemas.wire.DeadLetterRecords;
import dev.longhaul.schemas.wire.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

final class ResultWriter implements AutoCloseable {
    /** One record to write: topic, key and value already serialized. */
    record Out(String topic, byte[] key, byte[] value) {}

    /** How a commit ended: written, not written, or not known (it timed out; see the class comment). */
    enum Committed { YES, NO, UNKNOWN }

    /** initTransactions calls (each up to max.block.ms) a new producer makes before giving up. */
    private static final int INIT_ATTEMPTS = 5;

    private static final long TICK_MILLIS = 500;

    private final WorkerConfig config;
    private final LaneAssignment lanes;
    private final Topics topics;
    private final Faults faults;
    private final KafkaProducer<byte[], byte[]> plain;
    private KafkaProducer<byte[], byte[]> tx;
    /** Why the last commit that did not land failed (poll thread only). */
    private Exception lastCommitFailure;

    /** With pinned lanes, the transactional id is the lanes' (WorkerConfig.transactionalProducer). */
    ResultWriter(WorkerConfig config, LaneAssignment lanes, Topics topics, Faults faults) {
        this.config = config;
        this.lanes = lanes;
        this.topics = topics;
        this.faults = faults;
        this.plain = new KafkaProducer<>(config.plainProducer(), new ByteArraySerializer(), new ByteArraySerializer());
        try {
            this.tx = newTransactional();
        } catch (RuntimeException | Error e) {
            plain.close(Duration.ZERO); // the worker never gets this writer to close
            throw e;
        }
    }

    private KafkaProducer<byte[], byte[]> newTransactional() {
        KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(config.transactionalProducer(lanes), new ByteArraySerializer(), new ByteArraySerializer());
        for (int attempt = 1; ; attempt++) {
            try {
                p.initTransactions(); // a retry after a timeout awaits the same request
                return p;
            } catch (TimeoutException e) {
                if (attempt == INIT_ATTEMPTS) {
                    p.close(Duration.ZERO);
                    throw e;
                }
            } catch (RuntimeException e) {
                p.close(Duration.ZERO);
                throw e;
            }
        }
    }

    /** Drops the transactional producer for a new one under the same transactional id. */
    private void replaceTransactional() {
        tx.close(Duration.ZERO);
        tx = newTransactional();
    }

    List<Out> succeeded(WorkOrder order, OrderRunner.Done done) {
        List<Out> out = new ArrayList<>();
        String jobId = order.getRequest().getJobId();
        String submission = order.getRequest().getSubmissionId();
        for (Summary s : done.summaries()) {
            out.add(out(topics.summaries, jobId, Summary.newBuilder(s).setSubmissionId(submission).build()));
        }
        for (Extraction e : done.extractions()) {
            out.add(out(topics.extractions, jobId, Extraction.newBuilder(e).setSubmissionId(submission).build()));
        }
        out.add(status(order, JobState.SUCCEEDED, 1.0, done.documentTokens(), null));
        return out;
    }

    List<Out> cancelled(WorkOrder order) {
        return List.of(status(order, JobState.CANCELLED, 0, 0, "cancelled by request"));
    }

    /**
     * A paused job's order given back to the dispatcher (JobStates.handedBack, naming the order's
     * release and whether a run of it had `started`), unrun or stopped: committed with the order's
     * offset, so the order leaves this lane for good, and the dispatcher, which reads this status,
     * holds it again (without its deadline when it had started).
     */
    List<Out> handedBack(WorkOrder order, boolean started) {
        return List.of(status(order, JobState.QUEUED, 0, 0, JobStates.handedBack(order.getReleasedAt(), started)));
    }

    List<Out> expired(WorkOrder order) {
        return List.of(status(order, JobState.EXPIRED, 0, 0,
                "deadline " + order.getRequest().getDeadline() + " passed before the job started"));
    }

    /** A dead letter and a FAILED status; `note` (may be empty) follows the cause, e.g. which try failed. */
    List<Out> failed(Worker.Taken t, Throwable cause, String note) {
        String detail = cause.getClass().getSimpleName() + ": " + cause.getMessage() + note;
        return List.of(deadLetter(t, DeadLetterReason.WORKER_ERROR, detail),
                status(t.order(), JobState.FAILED, 0, 0, DeadLetterReason.WORKER_ERROR + ": " + detail));
    }

    /**
     * The final status of a submission this worker finished before, said again as it was (the
     * document tokens its run read; no reason, as for any success); its results are not.
     */
    List<Out> finishedBefore(WorkOrder order, long documentTokens) {
        return List.of(status(order, JobState.SUCCEEDED, 1.0, documentTokens, null));
    }

    /** The records without the dead letters among them. */
    List<Out> withoutDeadLetters(List<Out> records) {
        return records.stream().filter(o -> !o.topic().equals(topics.deadLetters.name())).toList();
    }

    List<Out> undecodable(Worker.Taken t, RuntimeException e) {
        DeadLetterReason reason = e instanceof WireFormatException w ? w.reason() : DeadLetterReason.NOT_AVRO;
        return List.of(deadLetter(t, reason, String.valueOf(e.getMessage())));
    }

    /** Writes the records and the consumed offset atomically: YES, NO if fenced or failed (nothing written), or UNKNOWN. */
    Committed commit(List<Out> records, TopicPartition consumed, long nextOffset, ConsumerGroupMetadata group) {
        return transact(records, consumed, new OffsetAndMetadata(nextOffset), group, true);
    }

    /**
     * Records in the group that a run of the order at `offset` of `lane` has started, so that a
     * later owner of the lane (this worker crashed, or the lane moved) knows its job met its
     * deadline: the lane's committed offset stays `offset`, the order's own (one order of a lane
     * runs at a time, so every order before it is committed), with startMark(offset) as its
     * metadata; the order's own commit later replaces both. Outcomes as commit's.
     */
    Committed markStarted(TopicPartition lane, long offset, ConsumerGroupMetadata group) {
        return transact(List.of(), lane, new OffsetAndMetadata(offset, startMark(offset)), group, false);
    }

    /** The metadata markStarted commits with the offset of an order whose run started. */
    static String startMark(long offset) {
        return STARTED_MARK + offset;
    }

    /** The offset whose run a committed offset's metadata says started (startMark), or -1. */
    static long startMarked(OffsetAndMetadata committed) {
        if (committed == null || committed.metadata() == null || !committed.metadata().startsWith(STARTED_MARK)) {
            return -1;
        }
        try {
            return Long.parseLong(committed.metadata().substring(STARTED_MARK.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static final String STARTED_MARK = "longhaul: started the order at offset ";

    private Committed transact(List<Out> records, TopicPartition consumed, OffsetAndMetadata offset, ConsumerGroupMetadata group,
            boolean faultPoint) {
        plain.flush();
        try {
            tx.beginTransaction();
            for (Out o : records) {
                tx.send(new ProducerRecord<>(o.topic(), o.key(), o.value()));
            }
            tx.flush();
            if (faultPoint) {
                faults.at(Faults.Point.BEFORE_COMMIT, consumed + "@" + (offset.offset() - 1));
            }
            tx.sendOffsetsToTransaction(Map.of(consumed, offset), group);
            tx.commitTransaction();
            return Committed.YES;
        } catch (ProducerFencedException e) {
            throw fenced(e);
        } catch (TimeoutException e) {
            lastCommitFailure = e;
            replaceTransactional();
            return Committed.UNKNOWN;
        } catch (KafkaException e) {
            lastCommitFailure = e;
            // Includes CommitFailedException (the group moved on: lane reassigned) and a stale epoch.
            // Nothing becomes visible. Aborting tells a producer fenced by another process apart.
            try {
                tx.abortTransaction();
            } catch (KafkaException | IllegalStateException abortFailed) {
                if (isFenced(abortFailed)) {
                    throw fenced(abortFailed);
                }
                replaceTransactional();
            }
            return Committed.NO;
        }
    }

    /**
     * Whether the last commit that did not land failed for what its records are, so that the same
     * records fail every time: larger than the broker takes, refused by it as invalid, or on a
     * topic this worker may not write. Anything else (a coordinator moving, a broker restarting,
     * a transaction aborted by a rebalance) passes, however many tries it takes.
     */
    boolean lastFailureRepeats() {
        Exception e = lastCommitFailure;
        return e != null && java.util.stream.Stream.of(org.apache.kafka.common.errors.RecordTooLargeException.class,
                        org.apache.kafka.common.errors.RecordBatchTooLargeException.class,
                        org.apache.kafka.common.InvalidRecordException.class,
                        org.apache.kafka.common.errors.TopicAuthorizationException.class)
                .anyMatch(type -> Failures.find(e, type).isPresent());
    }

    /** Why the last commit that did not land failed, as "Type: message" ("unknown" if none did). */
    String lastCommitFailure() {
        Exception e = lastCommitFailure;
        if (e == null) {
            return "unknown";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? e.getClass().getSimpleName() + ": " + e.getMessage()
                : e.getClass().getSimpleName() + ": " + e.getMessage() + " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }

    private IllegalStateException fenced(Throwable e) {
        return new IllegalStateException("worker " + config.workerId() + " was fenced: another process has started"
                + (lanes instanceof LaneAssignment.Pinned p ? " on the same pinned lanes " + p.lanes() : " under the same worker id")
                + " and owns its transactions now; this one stops", e);
    }

    private static boolean isFenced(Throwable e) {
        return Failures.find(e, ProducerFencedException.class).isPresent();
    }

    void running(WorkOrder order, double progress, long tokens) {
        Out o = status(order, JobState.RUNNING, progress, tokens, null);
        plain.send(new ProducerRecord<>(o.topic(), o.key(), o.value()));
    }

    /** Progress ticks for one order, at most two a second. */
    OrderRunner.Progress progressTicker(WorkOrder order) {
        long[] last = {0};
        return (fraction, tokens) -> {
            long now = System.currentTimeMillis();
            if (now - last[0] >= TICK_MILLIS) {
                last[0] = now;
                running(order, fraction, tokens);
            }
        };
    }

    void heartbeat(List<Integer> lanes, double tokensPerSecond, long outstanding, BatchFill fill) {
        WorkerHeartbeat hb = WorkerHeartbeat.newBuilder()
                .setWorkerId(config.workerId())
                .setBackend(config.backend())
                .setLanes(lanes)
                .setCapacityTokensPerSecond(tokensPerSecond)
                .setOutstandingCostTokens(outstanding)
                .setAt(Instant.now())
                .setBatchSteps(fill.steps())
                .setBatchSequencesPerStep(fill.sequencesPerStep())
                .setBatchMaxSequences(fill.maxSequences())
                .setBatchTokensPerStep(fill.tokensPerStep())
                .setBatchTokenBudget(fill.tokenBudget())
                .build();
        Out o = out(topics.workers, config.workerId(), hb);
        plain.send(new ProducerRecord<>(o.topic(), o.key(), o.value()));
    }

    private Out status(WorkOrder order, JobState state, double progress, long tokens, String reason) {
        String jobId = order.getRequest().getJobId();
        JobStatus s = JobStatus.newBuilder()
                .setJobId(jobId)
                .setTenant(order.getRequest().getTenant())
                .setState(state)
                .setProgress(progress)
                .setTokensProcessed(tokens)
                .setReason(reason == null || reason.length() <= DeadLetterRecords.MAX_DETAIL_CHARS ? reason
                        : reason.substring(0, DeadLetterRecords.MAX_DETAIL_CHARS) + "...")
                .setUpdatedAt(Instant.now())
                .setSubmissionId(order.getRequest().getSubmissionId())
                .setRelease(order.getReleasedAt()) // a tick of a release handed back is stale (JobStates.staleAfter)
                .build();
        return out(topics.status, jobId, s);
    }

    /** The dead letter of the order's record, cut to fit a record (DeadLetterRecords) whatever the order's size. */
    private Out deadLetter(Worker.Taken t, DeadLetterReason reason, String detail) {
        ConsumerRecord<byte[], byte[]> r = t.record();
        DeadLetter d = DeadLetterRecords.of(r.topic(), r.partition(), r.offset(), r.key(), r.value(), reason, detail,
                System.currentTimeMillis());
        return new Out(topics.deadLetters.name(), DeadLetterRecords.keptKey(r.key()),
                topics.deadLetters.values().serializer().serialize(topics.deadLetters.name(), d));
    }

    /**
     * Registers the schemas of every record a commit writes (statuses, summaries, extractions, dead
     * letters) under their topics' subjects, once: a run that finished then never meets the
     * registry when its records are built. Throws RegistryException while the registry cannot be
     * reached or refuses a schema.
     */
    void registerSchemas() {
        for (Topic<?, ?> t : List.of(topics.status, topics.summaries, topics.extractions, topics.deadLetters)) {
            if (t.values() instanceof dev.longhaul.schemas.wire.AvroSerde<?> serde) {
                serde.register(t.name());
            }
        }
    }

    private static <V> Out out(Topic<String, V> topic, String key, V value) {
        return new Out(topic.name(), key.getBytes(StandardCharsets.UTF_8), topic.values().serializer().serialize(topic.name(), value));
    }

    @Override
    public void close() {
        plain.close();
        tx.close();
    }
}
