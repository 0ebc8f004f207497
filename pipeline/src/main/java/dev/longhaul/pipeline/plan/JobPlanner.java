/*
 * The Plan stage: one processor over the raw records of `jobs`, `documents` and `control`, which
 * are co-partitioned by job id, so one task sees everything about a job. It decodes each record
 * itself, so that a record that is not Avro, has a wrong magic byte or an unknown schema id becomes
 * a dead letter (and a FAILED status for its job) instead of stopping the partition.
 *
 * Contract, per job id (state in STORE, see JobPlan):
 * - chunks and the request are tracked per submissionId; when the request is valid and all its
 *   chunks arrived in index order with the descriptor's byte count and SHA-256, it emits ACCEPTED
 *   and hands a WorkOrder (chunk positions filled, cost estimated) to the dispatcher;
 * - an invalid request, a digest mismatch, or a submission still incomplete after
 *   incompleteJobTimeout (wall clock) becomes a dead letter and a FAILED status;
 * - once planned, the job's status is never touched again here: the same document resubmitted is a
 *   no-op, a different one is dead-lettered as DUPLICATE_JOB_ID;
 * - CANCEL before planning emits CANCELLED and the job id stays cancelled; every CANCEL is passed
 *   to the dispatcher, which cancels the order if it still holds it;
 * - SET_PRIORITY (a dead letter without a priority), PAUSE and RESUME while a submission is being
 *   assembled are kept for the order planned from it; every one is passed to the dispatcher, which
 *   applies it to the order it holds or has in flight (a worker hands a paused job's order back)
 *   and ignores it when it has none: a job planned long ago may still be held (paused, say) after
 *   its plan was forgotten here, also when a new submission of its id has since failed or been
 *   cancelled before planning; a job ended here has no order there, so they change nothing;
 * - a job id with nothing pending (planned, failed or cancelled) is forgotten settledJobRetention
 *   after its last change, so the store does not grow with every job ever seen.
 * The timeout punctuator reads only OPEN_STORE (jobs with submissions being assembled); retention
 * is a sweep over STORE in slices of StoreSweep.SLICE entries per punctuation, resuming where the
 * last slice stopped, so no punctuation reads every job.
 */
package dev.longhaul.pipeline.plan;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.longhaul.pipeline.DeadLetters;
import dev.longhaul.pipeline.DeadLetters.Source;
import dev.longhaul.pipeline.Outcome;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.pipeline.dispatch.DispatchEvent;
import dev.longhaul.pipeline.plan.JobPlan.Settlement;
import dev.longhaul.pipeline.plan.JobPlan.Submission;
import dev.longhaul.pipeline.state.StoreSweep;
import dev.longhaul.schemas.ChunkLocations;
import dev.longhaul.schemas.ChunkPosition;
import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.DocumentChunk;
import dev.longhaul.schemas.DocumentDescriptor;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStates;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkOrder;
import dev.longhaul.schemas.wire.DeadLetterReason;
import dev.longhaul.schemas.wire.WireFormatException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

public final class JobPlanner implements Processor<byte[], byte[], String, Outcome> {
    /** Job id -> JobPlan. */
    public static final String STORE = "plan-jobs";
    /** Job id -> first record of its oldest submission still being assembled, for jobs that have one. */
    public static final String OPEN_STORE = "plan-open";

    private final PipelineConfig config;
    private final Topics topics;
    private ProcessorContext<String, Outcome> context;
    private KeyValueStore<String, JobPlan> store;
    private KeyValueStore<String, Long> open;
    private final StoreSweep<JobPlan> retentionSweep = new StoreSweep<>();

    public JobPlanner(PipelineConfig config, Topics topics) {
        this.config = config;
        this.topics = topics;
    }

    /**
     * The plans, cached: a job's plan is saved again for every chunk it gets (a repository of 4,000
     * files is 4,000 chunks), and without the cache every save went to the changelog and RocksDB
     * whole, its chunk positions growing each time: a quadratic number of bytes. With it, the saves
     * of one commit interval reach them once.
     */
    public static StoreBuilder<KeyValueStore<String, JobPlan>> storeBuilder() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), JobPlan.SERDE).withCachingEnabled();
    }

    public static StoreBuilder<KeyValueStore<String, Long>> openStoreBuilder() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(OPEN_STORE), Serdes.String(), Serdes.Long()).withCachingEnabled();
    }

    /** Wall-clock time this task started processing (after any restore): see overdue(). */
    private long startedAt;

    @Override
    public void init(ProcessorContext<String, Outcome> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        this.open = context.getStateStore(OPEN_STORE);
        this.startedAt = context.currentSystemTimeMs();
        context.schedule(config.dispatch().punctuationInterval(), PunctuationType.WALL_CLOCK_TIME, now -> {
            failIncomplete(now);
            sweep(now);
        });
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Source source = DeadLetters.Source.of(context.recordMetadata());
        long now = context.currentSystemTimeMs();
        Optional<String> jobId = DeadLetters.jobId(record.key());
        String topic = source.topic();
        try {
            if (record.value() == null) {
                throw new WireFormatException(DeadLetterReason.NOT_AVRO, "a null value (tombstone) on " + topic);
            }
            if (jobId.isEmpty()) {
                WireFormatException bad = DeadLetters.badKey(record.key());
                emit(DeadLetters.letter(source, record.key(), record.value(), bad.reason(), bad.getMessage(), now));
                return;
            }
            RecordLimits.checkSize(topic, record.value().length, topics);
            if (topic.equals(topics.jobs.name())) {
                onRequest(jobId.get(), topics.jobs.values().deserializer().deserialize(topic, record.value()), record.value(), source);
            } else if (topic.equals(topics.documents.name())) {
                onChunk(jobId.get(), topics.documents.values().deserializer().deserialize(topic, record.value()), record.value(), source);
            } else if (topic.equals(topics.control.name())) {
                Control control = topics.control.values().deserializer().deserialize(topic, record.value());
                if (!jobId.get().equals(control.getJobId())) {
                    throw new WireFormatException(DeadLetterReason.INVALID_REQUEST, "a control record under key " + jobId.get()
                            + " names job " + RecordLimits.shortened(control.getJobId()));
                }
                onControl(jobId.get(), control);
            }
        } catch (SerializationException e) {
            onUnreadable(jobId, record, source, e);
        }
    }

    /** A record that cannot be decoded: dead letter; for a job's request or chunk, the job FAILED too. */
    private void onUnreadable(Optional<String> jobId, Record<byte[], byte[]> record, Source source, SerializationException e) {
        long now = context.currentSystemTimeMs();
        DeadLetterReason reason = DeadLetters.reasonOf(e);
        emit(DeadLetters.letter(source, record.key(), record.value(), reason, e.getMessage(), now));
        // A garbled control record says nothing reliable about the job: only the dead letter.
        if (jobId.isEmpty() || source.topic().equals(topics.control.name())) {
            return;
        }
        JobPlan plan = load(jobId.get());
        if (plan.settlement != Settlement.NONE) {
            return; // settled: the dead letter says it all, the job's final status stays
        }
        emit(Outcome.status(jobId.get(), plan.tenant, JobState.FAILED, reason.name() + ": " + e.getMessage(), now));
        plan.settlement = Settlement.FAILED;
        plan.closeAll();
        save(jobId.get(), plan);
    }

    private void onRequest(String jobId, JobRequest request, byte[] raw, Source source) {
        String id = checkedSubmissionId(request.getSubmissionId());
        JobPlan plan = load(jobId);
        if (plan.closed.contains(id)) {
            return;
        }
        if (tooManySubmissions(jobId, plan, id, raw, source) || tooManyRequestBytes(jobId, plan, raw, source)) {
            return;
        }
        Submission s = plan.pending.computeIfAbsent(id, k -> new Submission(k, context.currentSystemTimeMs()));
        if (s.request != null) {
            return;
        }
        s.request = raw;
        s.requestAt = source;
        if (plan.settlement != Settlement.PLANNED && dev.longhaul.schemas.RequestLimits.tenantIsValid(request.getTenant())) {
            plan.tenant = request.getTenant(); // only a valid one is kept: the plan's strings must stay small
        }
        Optional<Rejection> invalid = RequestValidation.check(request, jobId, config);
        if (invalid.isPresent()) {
            fail(jobId, plan, s, invalid.get());
        } else {
            settleIfComplete(jobId, plan, s, request);
        }
        save(jobId, plan);
    }

    private void onChunk(String jobId, DocumentChunk chunk, byte[] raw, Source source) {
        String id = checkedSubmissionId(chunk.getSubmissionId());
        JobPlan plan = load(jobId);
        if (plan.closed.contains(id)) {
            return;
        }
        if (tooManySubmissions(jobId, plan, id, raw, source)) {
            return;
        }
        Submission s = plan.pending.computeIfAbsent(id, k -> new Submission(k, context.currentSystemTimeMs()));
        if (s.firstChunkAt == null) {
            s.firstChunkAt = source;
        }
        if (s.broken == null) {
            track(jobId, chunk, source, s);
        }
        s.sawLast |= chunk.getIsLast();
        if (s.request != null) {
            settleIfComplete(jobId, plan, s, decodeRequest(s));
        }
        save(jobId, plan);
    }

    /**
     * A submission id the plan can keep: at most JobPlan.MAX_SUBMISSION_ID_CHARS characters. A
     * longer one is refused as an unreadable record (dead letter, and FAILED for a job not yet
     * settled) before it reaches the state, whose serde could not write it: one such record would
     * otherwise fail its task on every restart and block the partition.
     */
    private static String checkedSubmissionId(String id) {
        if (id.length() > JobPlan.MAX_SUBMISSION_ID_CHARS) {
            throw new WireFormatException(DeadLetterReason.INVALID_REQUEST, "a submission id of " + id.length()
                    + " characters, more than " + JobPlan.MAX_SUBMISSION_ID_CHARS);
        }
        return id;
    }

    /**
     * A request whose bytes would take the requests kept for one job id's submissions past
     * JobPlan.MAX_PENDING_REQUEST_BYTES: dead-lettered on its own, like tooManySubmissions, so that
     * the plan always fits one record of the store's changelog.
     */
    private boolean tooManyRequestBytes(String jobId, JobPlan plan, byte[] raw, Source source) {
        long held = plan.pendingRequestBytes();
        if (held + raw.length <= JobPlan.MAX_PENDING_REQUEST_BYTES) {
            return false;
        }
        emit(DeadLetters.letter(source, jobId.getBytes(StandardCharsets.UTF_8), raw, DeadLetterReason.INVALID_REQUEST,
                "the job id's submissions being assembled already hold " + held + " bytes of requests; this one of "
                        + raw.length + " would pass " + JobPlan.MAX_PENDING_REQUEST_BYTES, context.currentSystemTimeMs()));
        return true;
    }

    /**
     * A record opening one submission too many for its job id: dead-lettered on its own, so that a
     * stream of records with fresh submission ids cannot grow one job's state past a Kafka record.
     */
    private boolean tooManySubmissions(String jobId, JobPlan plan, String id, byte[] raw, Source source) {
        if (plan.pending.containsKey(id) || plan.pending.size() < JobPlan.MAX_PENDING) {
            return false;
        }
        emit(DeadLetters.letter(source, jobId.getBytes(StandardCharsets.UTF_8), raw, DeadLetterReason.INVALID_REQUEST,
                "the job id already has " + JobPlan.MAX_PENDING + " submissions being assembled", context.currentSystemTimeMs()));
        return true;
    }

    /** Adds a chunk to its submission's count, bytes, digest and positions, or marks the submission broken. */
    private void track(String jobId, DocumentChunk chunk, Source source, Submission s) {
        PipelineConfig.Limits limits = config.limits();
        int length = chunk.getData().remaining();
        Optional<String> badPath = RecordLimits.pathProblem(chunk.getPath());
        if (!jobId.equals(chunk.getJobId())) {
            s.broken = DeadLetterReason.INVALID_REQUEST;
            s.brokenDetail = "a chunk under key " + jobId + " names job " + RecordLimits.shortened(chunk.getJobId());
        } else if (badPath.isPresent()) {
            s.broken = DeadLetterReason.INVALID_REQUEST;
            s.brokenDetail = "chunk " + chunk.getIndex() + ": " + badPath.get();
        } else if (chunk.getIndex() != s.nextIndex) {
            s.broken = DeadLetterReason.MISSING_CHUNKS;
            s.brokenDetail = "chunk " + chunk.getIndex() + " arrived where chunk " + s.nextIndex + " was expected";
        } else if (length > RequestValidation.MAX_CHUNK_BYTES) {
            s.broken = DeadLetterReason.INVALID_REQUEST;
            s.brokenDetail = "chunk " + chunk.getIndex() + " holds " + length + " bytes, more than 512 KiB";
        } else if (s.nextIndex + 1 > limits.maxChunks() || s.bytes + length > limits.maxDocumentBytes()) {
            s.broken = DeadLetterReason.OVERSIZE_DOCUMENT;
            s.brokenDetail = "the chunks exceed " + limits.maxDocumentBytes() + " bytes or " + limits.maxChunks() + " chunks";
        } else {
            s.digestState = RunningDigest.update(s.digestState, chunk.getData());
            s.bytes += length;
            s.positions.add(new ChunkPosition(source.partition(), source.offset()));
            s.nextIndex++;
            return;
        }
        // A broken submission can only fail: its positions would never be used, so they are dropped.
        s.positions.clear();
    }

    /** Plans, rejects or waits, once the submission has its request. */
    private void settleIfComplete(String jobId, JobPlan plan, Submission s, JobRequest request) {
        DocumentDescriptor doc = request.getDocument();
        if (s.broken != null) {
            fail(jobId, plan, s, new Rejection(s.broken, s.brokenDetail));
            return;
        }
        if (s.nextIndex < doc.getChunkCount() && !s.sawLast) {
            return;
        }
        if (s.nextIndex == doc.getChunkCount() && !s.sawLast) {
            // Without this, chunks past the declared count would race the request: planned if it came first, refused if not.
            fail(jobId, plan, s, new Rejection(DeadLetterReason.INVALID_REQUEST, "chunk " + (s.nextIndex - 1)
                    + ", the last the descriptor counts, is not marked last"));
            return;
        }
        if (s.nextIndex != doc.getChunkCount()) {
            DeadLetterReason reason = s.nextIndex < doc.getChunkCount() ? DeadLetterReason.MISSING_CHUNKS : DeadLetterReason.INVALID_REQUEST;
            fail(jobId, plan, s, new Rejection(reason, s.nextIndex + " chunks arrived, the descriptor says " + doc.getChunkCount()));
            return;
        }
        if (plan.settlement == Settlement.FAILED || plan.settlement == Settlement.CANCELLED) {
            // a job never leaves a final state: planning it now would follow FAILED with ACCEPTED
            letter(jobId, s, new Rejection(DeadLetterReason.DUPLICATE_JOB_ID, "job id already " + plan.settlement
                    + "; a job never leaves a final state, so submit it under a new job id"));
            plan.close(s.id);
            return;
        }
        String digest = RunningDigest.hex(s.digestState);
        if (plan.settlement == Settlement.PLANNED) {
            if (!digest.equals(plan.plannedDigest)) {
                letter(jobId, s, new Rejection(DeadLetterReason.DUPLICATE_JOB_ID,
                        "job id already planned with sha256 " + plan.plannedDigest + ", this document has " + digest));
            }
            plan.close(s.id);
            return;
        }
        if (s.bytes != doc.getBytes() || !digest.equals(doc.getSha256())) {
            fail(jobId, plan, s, new Rejection(DeadLetterReason.DIGEST_MISMATCH, "chunks are " + s.bytes + " bytes with sha256 "
                    + digest + ", the descriptor says " + doc.getBytes() + " bytes with sha256 " + doc.getSha256()));
            return;
        }
        long now = context.currentSystemTimeMs();
        plan.settlement = Settlement.PLANNED;
        plan.plannedDigest = digest;
        emit(Outcome.status(jobId, request.getTenant(), s.id, JobState.ACCEPTED, null, now));
        if (plan.priority != null) {
            request = JobRequest.newBuilder(request).setPriority(plan.priority).build();
        }
        emit(new Outcome.ToDispatch(new DispatchEvent.Planned(order(request, s, now), plan.paused)));
        plan.priority = null;
        plan.paused = false;
        plan.close(s.id);
    }

    private WorkOrder order(JobRequest request, Submission s, long now) {
        WorkCost cost = WorkCost.estimate(config.cost(), request.getDocument().getBytes(), request.getTasks().size());
        List<ChunkPosition> positions = List.copyOf(s.positions);
        ChunkLocations chunks = ChunkLocations.newBuilder()
                .setTopic(topics.documents.name())
                .setPartition(positions.getFirst().getPartition())
                .setFirstOffset(positions.getFirst().getOffset())
                .setLastOffset(positions.getLast().getOffset())
                .setPositions(positions)
                .build();
        return WorkOrder.newBuilder()
                .setRequest(request)
                .setLane(-1)
                .setChunks(chunks)
                .setEstimatedCostTokens(cost.costTokens())
                .setSoftmaxCostShare(cost.softmaxShare())
                .setPlannedAt(Instant.ofEpochMilli(now))
                .build();
    }

    private void onControl(String jobId, Control control) {
        switch (control.getAction()) {
            case CANCEL -> onCancel(jobId);
            case SET_PRIORITY -> {
                if (control.getPriority() == null) {
                    throw new WireFormatException(DeadLetterReason.INVALID_REQUEST, "SET_PRIORITY for job " + jobId + " names no priority");
                }
                int priority = control.getPriority();
                onSchedulingChange(jobId, new DispatchEvent.PriorityChanged(jobId, priority), plan -> plan.priority = priority);
            }
            case PAUSE -> onSchedulingChange(jobId, new DispatchEvent.PauseChanged(jobId, true), plan -> plan.paused = true);
            case RESUME -> onSchedulingChange(jobId, new DispatchEvent.PauseChanged(jobId, false), plan -> plan.paused = false);
        }
    }

    /**
     * A priority change, pause or resume: passed to the dispatcher, which applies it to what it holds
     * of the id, if anything (an order planned now, or one planned so long ago that its plan was
     * forgotten here while it waited); also kept on the plan while a submission is being assembled,
     * for the order planned from it. Passed on also when this plan is of a new life that ended
     * before planning (refused, cancelled): the order of the earlier life may still be held there.
     * Unlike a cancel, nothing of it is kept for an upload that has not begun.
     */
    private void onSchedulingChange(String jobId, DispatchEvent event, java.util.function.Consumer<JobPlan> remember) {
        JobPlan plan = load(jobId);
        emit(new Outcome.ToDispatch(event));
        if (plan.settlement == Settlement.NONE && !plan.pending.isEmpty()) {
            remember.accept(plan);
            save(jobId, plan);
        }
    }

    private void onCancel(String jobId) {
        JobPlan plan = load(jobId);
        switch (plan.settlement) {
            case PLANNED -> emit(new Outcome.ToDispatch(new DispatchEvent.CancelRequested(jobId)));
            // a new life of the id that ended before planning (refused, or cancelled) does not end an
            // earlier life's order the dispatcher may still hold (one whose plan was forgotten here)
            case CANCELLED -> emit(new Outcome.ToDispatch(new DispatchEvent.CancelRequested(jobId)));
            case FAILED -> {
                emit(new Outcome.ToDispatch(new DispatchEvent.CancelRequested(jobId)));
                // a job never leaves a final state: the submissions still arriving are dropped, and
                // it stays FAILED (each would have been refused as a duplicate id anyway)
                if (!plan.pending.isEmpty()) {
                    plan.closeAll();
                    save(jobId, plan);
                }
            }
            case NONE -> {
                // a job planned so long ago that its plan was forgotten may still be held (paused,
                // say) or in flight: the dispatcher cancels what it holds of the id, since this
                // status frees nothing there (it names no submission, or one not planned yet)
                emit(new Outcome.ToDispatch(new DispatchEvent.CancelRequested(jobId)));
                // the submission it cancels, when one alone was arriving; with none, the reason marks
                // the cancel of an id known of nothing (JobStates.cancelOfUnknownId), which a final
                // status of an earlier life outranks; with several, it says so, and ends the job
                String only = plan.pending.size() == 1 ? plan.pending.keySet().iterator().next() : "";
                String reason = plan.pending.size() > 1
                        ? "cancelled before planning, while " + plan.pending.size() + " submissions of it were arriving"
                        : JobStates.CANCELLED_BEFORE_PLANNING;
                emit(Outcome.status(jobId, plan.tenant, only, JobState.CANCELLED, reason, context.currentSystemTimeMs()));
                plan.settlement = Settlement.CANCELLED;
                plan.closeAll();
                save(jobId, plan);
            }
        }
    }

    /**
     * Whether a submission first seen at firstSeenAt is overdue at now, for a task that started
     * processing at startedAt: incomplete for `timeout`, counted from no earlier than the start.
     * A submission's records are one ingest transaction, all in the partition together; after
     * downtime (or a long restore, or a move to another instance) the rest of a job seen in part
     * before is still in the backlog, so the clock restarts with the task rather than failing the
     * job the moment it comes back, before the backlog is read.
     */
    static boolean overdue(long now, long firstSeenAt, long startedAt, long timeout) {
        return now - Math.max(firstSeenAt, startedAt) >= timeout;
    }

    /**
     * Wall-clock punctuation: submissions incomplete for longer than the timeout fail, at most
     * StoreSweep.SLICE jobs a call, the rest at the next ones: a burst of lone chunks (one tenant's
     * client gone wrong) would otherwise fail all at once, a dead letter and a status each in one
     * transaction, which past its timeout rolls back and is tried again whole.
     */
    private void failIncomplete(long now) {
        long timeout = config.limits().incompleteJobTimeout().toMillis();
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, Long> all = open.all()) {
            while (expired.size() < StoreSweep.SLICE && all.hasNext()) {
                KeyValue<String, Long> kv = all.next();
                if (overdue(now, kv.value, startedAt, timeout)) {
                    expired.add(kv.key);
                }
            }
        }
        for (String jobId : expired) {
            JobPlan plan = load(jobId);
            for (Submission s : List.copyOf(plan.pending.values())) {
                if (overdue(now, s.firstSeenAt, startedAt, timeout)) {
                    fail(jobId, plan, s, s.broken != null ? new Rejection(s.broken, s.brokenDetail)
                            : new Rejection(DeadLetterReason.MISSING_CHUNKS, s.nextIndex + " chunks"
                            + (s.request == null ? " and no request" : "") + " after " + timeout + " ms"));
                }
            }
            save(jobId, plan);
        }
    }

    /**
     * One slice of the retention sweep: forgets plans with nothing pending whose last change is
     * older than the retention, and stamps (and indexes, if open) plans written before savedAt
     * existed.
     */
    private void sweep(long now) {
        long retention = config.limits().settledJobRetention().toMillis();
        for (KeyValue<String, JobPlan> kv : retentionSweep.next(store)) {
            if (kv.value.savedAt == JobPlan.UNKNOWN) {
                // a plan from before version 2 of its encoding: open jobs were not indexed then
                save(kv.key, kv.value);
            } else if (kv.value.pending.isEmpty() && now - kv.value.savedAt >= retention) {
                store.delete(kv.key);
            }
        }
    }

    /** Dead letter; FAILED status unless the job id is already planned (whose status must not change). */
    private void fail(String jobId, JobPlan plan, Submission s, Rejection rejection) {
        letter(jobId, s, rejection);
        if (plan.settlement == Settlement.NONE) { // once settled, the job's status stays what it is
            emit(Outcome.status(jobId, plan.tenant, s.id, JobState.FAILED, rejection.statusReason(), context.currentSystemTimeMs()));
            plan.settlement = Settlement.FAILED;
        }
        plan.close(s.id);
    }

    /** The dead letter of a submission: its request's original bytes, or, without one, its first chunk's coordinates. */
    private void letter(String jobId, Submission s, Rejection rejection) {
        Source at = s.request != null ? s.requestAt : s.firstChunkAt;
        emit(DeadLetters.letter(at, jobId.getBytes(StandardCharsets.UTF_8), s.request, rejection.reason(),
                rejection.detail(), context.currentSystemTimeMs()));
    }

    private JobRequest decodeRequest(Submission s) {
        return topics.jobs.values().deserializer().deserialize(s.requestAt.topic(), s.request);
    }

    private JobPlan load(String jobId) {
        JobPlan plan = store.get(jobId);
        return plan != null ? plan : new JobPlan();
    }

    /** Stores the plan, stamped with the time of this change, and keeps OPEN_STORE in step with it. */
    private void save(String jobId, JobPlan plan) {
        plan.savedAt = context.currentSystemTimeMs();
        store.put(jobId, plan);
        if (!plan.pending.isEmpty()) {
            open.put(jobId, plan.oldestPending());
        } else if (open.get(jobId) != null) {
            open.delete(jobId);
        }
    }

    private void emit(Outcome outcome) {
        String key = switch (outcome) {
            case Outcome.Status st -> st.status().getJobId();
            default -> null;
        };
        context.forward(new Record<>(key, outcome, context.currentSystemTimeMs()));
    }
}
