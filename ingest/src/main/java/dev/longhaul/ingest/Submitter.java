/*
 * Submits jobs: writes a document's chunks to `documents` and then its JobRequest to `jobs`, all
 * in ONE Kafka transaction, keyed by the job id, so a job is either fully submitted or not at all
 * (read_committed readers never see a part of one). On any failure (source error, size limit,
 * send error) the transaction is aborted and the error rethrown; a commit that does not finish in
 * time is retried, and if it still does not, SubmissionOutcomeUnknownException names the job id to
 * resubmit under (the transaction cannot be aborted then: the broker may be committing it).
 *
 * Idempotency: the job id is the idempotency key, but this class does not look for earlier
 * submissions of an id; it just writes. The planner downstream is the authority: the same id with
 * the same digest is a no-op there, with a different digest it is rejected. Each submission gets a
 * fresh random submissionId, on the request and every chunk, so the planner can tell two
 * submissions of one id apart.
 *
 * Thread-safe: submissions are serialized (a transactional producer has one open transaction at
 * a time); use several Submitters to submit in parallel. Each has its own transactional.id with a
 * random suffix, so Submitters never fence each other; the flip side is that a submitter that dies
 * mid-transaction leaves it to the broker to abort after transaction.timeout.ms (IngestConfig).
 */
package dev.longhaul.ingest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import dev.longhaul.schemas.DocumentChunk;
import dev.longhaul.schemas.DocumentDescriptor;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.RequestLimits;
import dev.longhaul.schemas.TenantJobIds;
import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.SchemaRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class Submitter implements AutoCloseable {
    private final IngestConfig config;
    private final Topics topics;
    private final Producer<byte[], byte[]> producer;
    private final Clock clock;
    /** Times a commit that timed out is tried again before its outcome is reported unknown. */
    static final int COMMIT_ATTEMPTS = 3;
    /** Set when the producer can no longer be used (fenced, an abort failed, a commit's outcome unknown). */
    private Exception broken;
    /**
     * The submission whose transaction is open (null between submissions): for abandon(), which
     * takes it from OPEN to ABANDONED while submit() takes it from OPEN to COMMITTING, each by a
     * compare-and-set, so that exactly one of an abort and a commit goes ahead.
     */
    private final AtomicReference<Open> open = new AtomicReference<>();

    private record Open(String jobId, Phase phase) {}

    private enum Phase { OPEN, COMMITTING, ABANDONED }

    /**
     * Connects to the brokers of {@code config}, checks that the namespace's jobs and documents
     * topics exist, and registers the transactional id (blocks until reachable).
     *
     * @throws IllegalStateException when a topic is missing: a mistyped namespace would otherwise
     *                               write the job to topics nobody reads (a broker that creates
     *                               topics on first write), or wait a minute and fail obscurely
     */
    public Submitter(IngestConfig config, SchemaRegistry registry) {
        this(config, checked(new Topics(config.namespace(), registry), config),
                new KafkaProducer<>(config.kafkaProperties(IngestConfig.Client.SUBMITTER), new ByteArraySerializer(), new ByteArraySerializer()),
                Clock.systemUTC());
    }

    /** topics, once the cluster has said its jobs and documents topics exist. */
    static Topics checked(Topics topics, IngestConfig config) {
        requireTopics(config, List.of(topics.jobs.name(), topics.documents.name()));
        return topics;
    }

    /**
     * Returns once the cluster has said the named topics exist; an IllegalStateException naming the
     * missing ones otherwise (a namespace mistyped, a pipeline never started: a client writing to a
     * topic nobody reads, on a cluster that creates topics on first use, would report success).
     */
    static void requireTopics(IngestConfig config, List<String> names) {
        try (Admin admin = Admin.create(
                config.kafkaProperties(IngestConfig.Client.ADMIN))) {
            Set<String> missing = new TreeSet<>();
            var described = admin.describeTopics(names).topicNameValues();
            for (String name : names) {
                try {
                    described.get(name).get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    // a tenant's principal may not describe a topic outside its prefix: to it, the same
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException
                            || e.getCause() instanceof TopicAuthorizationException)) {
                        throw new KafkaException("cannot describe topic " + name, e.getCause());
                    }
                    missing.add(name);
                }
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("no topic " + String.join(", ", missing) + " (or none this client may use) on the cluster at "
                        + config.bootstrapServers() + ": is the namespace '" + config.namespace()
                        + "' right, and has the pipeline created its topics (it does when it starts)?");
            }
        } catch (TimeoutException e) {
            throw new KafkaException("the cluster at " + config.bootstrapServers() + " did not answer within 60 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while checking the topics", e);
        }
    }

    Submitter(IngestConfig config, Topics topics, Producer<byte[], byte[]> producer, Clock clock) {
        this.config = config;
        this.topics = topics;
        this.producer = producer;
        this.clock = clock;
        try {
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close();
            throw e;
        }
    }

    public Topics topics() {
        return topics;
    }

    /**
     * Submits one job. Arguments are validated before the transaction starts (kind matches the
     * source, input not empty nor binary, size and chunk count within the limits where known up
     * front: a file's, a repository's, and stdin's once it is copied); limits that only streaming
     * can check (a gzip document's content) abort the transaction.
     *
     * @throws IllegalArgumentException for a request or document that is refused
     * @throws IOException              when reading the source fails (the transaction is aborted)
     * @throws KafkaException           when Kafka refuses the writes (the transaction is aborted)
     * @throws SubmissionOutcomeUnknownException when the commit did not finish in time: resubmit the
     *                                  same document under its jobId(), never under a new one
     */
    public synchronized Submission submit(JobSpec spec, DocumentSource source) throws IOException {
        if (broken != null) {
            throw new IllegalStateException("this submitter can no longer write; create a new one", broken);
        }
        checkKind(spec, source);
        checkTenantRules(spec, config);
        try (DocumentSource.Opened document = source.open(config.sourceLimits())) { // closed: a stream's copy goes, whatever happens
            checkChunks(source, document, config); // a stream's size is known once it is opened (copied)
            return submit(spec, document);
        }
    }

    private Submission submit(JobSpec spec, DocumentSource.Opened document) throws IOException {
        String jobId = spec.jobId().orElseGet(this::nextJobId);
        String submissionId = UUID.randomUUID().toString();
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        producer.beginTransaction();
        Open opened = new Open(jobId, Phase.OPEN);
        open.set(opened);
        try {
            Chunker.Cut cut = new Chunker(config.chunkBytes(), config.maxDocumentBytes(), config.maxChunks()).cut(document.parts(), chunk -> {
                failFast(sendFailure);
                DocumentChunk record = DocumentChunk.newBuilder()
                        .setJobId(jobId)
                        .setIndex(chunk.index())
                        .setData(ByteBuffer.wrap(chunk.data()))
                        .setIsLast(chunk.last())
                        .setPath(chunk.path())
                        .setSubmissionId(submissionId)
                        .build();
                send(topics.documents, jobId, record, sendFailure);
            });
            // after the chunks: a repository's counts then leave out the files that changed meanwhile
            Map<String, String> metadata = new LinkedHashMap<>(document.metadataAfterUpload());
            metadata.putAll(spec.metadata());
            JobRequest request = JobRequest.newBuilder()
                    .setJobId(jobId)
                    .setTenant(spec.tenant())
                    .setKind(spec.kind())
                    .setTasks(spec.tasks())
                    .setPriority(spec.priority())
                    .setDeadline(spec.deadline().orElse(null))
                    .setDocument(DocumentDescriptor.newBuilder()
                            .setChunkCount(cut.chunkCount())
                            .setBytes(cut.bytes())
                            .setSha256(cut.sha256())
                            .setMediaType(document.mediaType())
                            // Chunks carry the bytes as read (decompressed), so no content coding.
                            .setEncoding(null)
                            .build())
                    .setMetadata(metadata)
                    .setSubmittedAt(clock.instant())
                    .setSubmissionId(submissionId)
                    .build();
            failFast(sendFailure);
            send(topics.jobs, jobId, request, sendFailure);
            // what commitTransaction would send first, sent before it: on a slow link that takes
            // minutes, during which a Ctrl-C can still abort (abandon), as it cannot once the commit began
            producer.flush();
            failFast(sendFailure);
            if (!open.compareAndSet(opened, new Open(jobId, Phase.COMMITTING))) {
                throw new KafkaException("the submission of " + jobId + " was abandoned (the process is stopping)");
            }
            commit(jobId);
            return new Submission(request, document.skipped());
        } catch (SubmissionOutcomeUnknownException e) {
            throw e; // nothing to abort: the commit may still go through
        } catch (IOException | RuntimeException | Error e) {
            abort(e);
            throw e;
        } finally {
            open.set(null);
        }
    }

    /**
     * The checks submit() makes before its transaction, with nothing written (a stream is copied
     * and its copy checked, then sent by submit()): for a client submitting several documents, so that one
     * refused does not leave the ones before it submitted and the ones after it not. Where the
     * sizes tell it up front (a plain file; a repository, whose every file starts a chunk), a
     * document needing more than maxChunks is refused here too, not only while it is uploaded.
     *
     * @throws IllegalArgumentException for a request or document that would be refused
     */
    public static void check(JobSpec spec, DocumentSource source, IngestConfig config) throws IOException {
        checkKind(spec, source);
        checkTenantRules(spec, config);
        DocumentSource.Opened opened = source.check(config.sourceLimits());
        if (opened != null) {
            checkChunks(source, opened, config);
        }
    }

    /** Refuses a document whose sizes, where known up front, need more than maxChunks chunks. */
    private static void checkChunks(DocumentSource source, DocumentSource.Opened opened, IngestConfig config) {
        long chunks = opened.chunksUpFront(config.chunkBytes());
        if (chunks > config.maxChunks()) {
            throw new IllegalArgumentException(source + " needs " + chunks + " chunks of " + config.chunkBytes()
                    + " bytes, more than the limit of " + config.maxChunks());
        }
    }

    /**
     * A tenant's client submits only under the tenant's own ids (TenantJobIds), which the pipeline's
     * gate requires, and at most the default priority, to which the gate would lower it unseen.
     */
    private static void checkTenantRules(JobSpec spec, IngestConfig config) {
        String tenant = config.tenant();
        if (tenant == null) {
            return;
        }
        spec.jobId().filter(id -> !TenantJobIds.isTenants(id, tenant)).ifPresent(id -> {
            throw new IllegalArgumentException("job id '" + id + "' is not tenant " + tenant + "'s: a tenant's job ids begin with '"
                    + TenantJobIds.prefix(tenant) + "' (ids without it are the operator's)");
        });
        RequestLimits.requireTenantPriority(spec.priority());
    }

    /** A new job id: a ULID, after the tenant's prefix for a tenant's client. */
    private String nextJobId() {
        return config.tenant() == null ? JobIds.next() : TenantJobIds.prefix(config.tenant()) + JobIds.next();
    }

    private static void checkKind(JobSpec spec, DocumentSource source) {
        boolean repoKind = spec.kind() == DocumentKind.REPO;
        if (repoKind != source.isRepository()) {
            throw new IllegalArgumentException(repoKind
                    ? "kind REPO needs a directory"
                    : "a directory can only be submitted as kind REPO, not " + spec.kind());
        }
    }

    /**
     * Commits, retrying a commit that timed out as Kafka asks (a timed-out commitTransaction must
     * be called again, not aborted: the broker may already be committing). If it still has not
     * finished, or the thread is interrupted, the outcome is unknown: this submitter is done, and
     * the caller learns the job id to resubmit under.
     */
    private void commit(String jobId) {
        org.apache.kafka.common.errors.TimeoutException timedOut = null;
        for (int attempt = 1; ; attempt++) {
            try {
                producer.commitTransaction();
                return;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                timedOut = e;
                if (attempt < COMMIT_ATTEMPTS) {
                    continue;
                }
                broken = e;
                throw new SubmissionOutcomeUnknownException(jobId, e);
            } catch (org.apache.kafka.common.errors.InterruptException e) {
                broken = e;
                throw new SubmissionOutcomeUnknownException(jobId, e);
            } catch (RuntimeException e) {
                if (timedOut == null) {
                    throw e; // refused before any commit could have gone through: the caller aborts
                }
                // a retry after a timeout failed otherwise (the producer closed by abandon(), fenced):
                // the commit that timed out may still have gone through, so nothing is known
                broken = e;
                e.addSuppressed(timedOut);
                throw new SubmissionOutcomeUnknownException(jobId, e);
            }
        }
    }

    private <V> void send(Topic<String, V> topic, String key, V value, AtomicReference<Exception> failure) {
        byte[] k = topic.keys().serializer().serialize(topic.name(), key);
        byte[] v = topic.values().serializer().serialize(topic.name(), value);
        producer.send(new ProducerRecord<>(topic.name(), k, v), (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
    }

    /** Stops a long upload at the first failed send instead of at commit time. */
    private static void failFast(AtomicReference<Exception> failure) {
        Exception e = failure.get();
        if (e != null) {
            throw new KafkaException("a write of this submission failed: " + e.getMessage(), e);
        }
    }

    private void abort(Throwable cause) {
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            // Fenced or fatal: the producer cannot abort or write again; the broker aborts on timeout.
            cause.addSuppressed(e);
            broken = e;
        }
    }

    /**
     * For a process that is exiting (Ctrl-C) while a submission may be open: closes the producer
     * within ABANDON_TIMEOUT without waiting for submit() to return (so not synchronized; a Kafka
     * producer may be closed from another thread). A bounded close aborts the open transaction at
     * the broker, instead of leaving it open until transaction.timeout.ms, during which the
     * read_committed planner waits behind it on those partitions. The submit() under way then
     * fails, aborted.
     *
     * The abort is asked first (within ABANDON_TIMEOUT too): a close alone sends every chunk still
     * buffered before it aborts (up to buffer.memory, tens of MiB), and on a slow link runs out of
     * time first, skipping the abort. A commit already under way is not aborted; its job id is
     * returned, since the job may be submitted although submit() never returns to say so.
     */
    public Optional<String> abandon() {
        Open now = open.get();
        if (now != null && now.phase() == Phase.OPEN && open.compareAndSet(now, new Open(now.jobId(), Phase.ABANDONED))) {
            // submit() will not commit it now: abort, dropping the batches not sent yet
            Thread abort = Thread.ofPlatform().daemon().name("submit-abort").start(() -> {
                try {
                    producer.abortTransaction();
                } catch (RuntimeException e) {
                    // the producer cannot abort (fenced, closed): the close below does what it can
                }
            });
            try {
                abort.join(ABANDON_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            producer.close(ABANDON_TIMEOUT);
            return Optional.empty();
        }
        Open seen = open.get(); // before the close lets a commit under way end and submit() clear it
        producer.close(ABANDON_TIMEOUT);
        // a commit under way (begun before, or just now): the job may be submitted
        return seen != null && seen.phase() == Phase.COMMITTING ? Optional.of(seen.jobId()) : Optional.empty();
    }

    static final java.time.Duration ABANDON_TIMEOUT = java.time.Duration.ofSeconds(5);

    @Override
    /**
     * Closes the producer within CLOSE_TIMEOUT: with the broker gone (when an outcome is unknown, or
     * an abort failed) an unbounded close would retry for ever, and the caller would never get to
     * say which job id to resubmit under.
     */
    public synchronized void close() {
        producer.close(CLOSE_TIMEOUT);
    }

    static final java.time.Duration CLOSE_TIMEOUT = java.time.Duration.ofSeconds(15);
}
