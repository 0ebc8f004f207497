/*
 * Test fixture: the production topology (PipelineTopology.build) in a TopologyTestDriver with an
 * in-memory schema registry, typed pipes for every topic, and builders for submissions. The wall
 * clock starts at T0 and moves only when a test advances it, so every timestamp is exact.
 */
package dev.longhaul.pipeline;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.ControlAction;
import dev.longhaul.schemas.DeadLetter;
import dev.longhaul.schemas.DocumentChunk;
import dev.longhaul.schemas.DocumentDescriptor;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkOrder;
import dev.longhaul.schemas.WorkerHeartbeat;
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

final class PipelineDriver implements AutoCloseable {
    static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    /** A small test configuration: 2 lanes, no output-token term, so costs follow from bytes alone. */
    static final PipelineConfig CONFIG = PipelineConfig.DEFAULTS
            .withDispatch(new PipelineConfig.Dispatch(2, 1_000_000, Duration.ofSeconds(30), Duration.ofSeconds(1)))
            .withCost(new PipelineConfig.Cost(0.25, 8, 32_768, 0, 1L << 20));

    /** The registry, which a test may take down for one lookup of a record type, failing as an unreachable one does. */
    final FlakyRegistry registry = new FlakyRegistry(new InMemorySchemaRegistry());
    final Topics topics = Topics.of(registry);
    final TopologyTestDriver driver;
    final TestInputTopic<String, JobRequest> jobs;
    final TestInputTopic<String, DocumentChunk> documents;
    final TestInputTopic<String, Control> control;
    final TestInputTopic<String, WorkerHeartbeat> workers;
    final TestInputTopic<String, JobStatus> statusIn;
    final TestInputTopic<byte[], byte[]> rawJobs;
    final TestInputTopic<byte[], byte[]> rawDocuments;
    final TestOutputTopic<String, JobStatus> status;
    final TestOutputTopic<byte[], DeadLetter> deadLetters;
    final TestOutputTopic<Integer, WorkOrder> work;
    private final java.nio.file.Path stateDir;

    /** CONFIG with job ids (plans, owners, final statuses) forgotten `retention` after they settle. */
    static PipelineConfig withRetention(Duration retention) {
        return CONFIG.withLimits(CONFIG.limits().withSettledJobRetention(retention));
    }

    PipelineDriver() {
        this(CONFIG);
    }

    PipelineDriver(PipelineConfig config) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.kafka().applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        // a state folder of its own: under the default one, test runs sharing a machine would
        // fight over the RocksDB locks of the same store folders
        try {
            stateDir = java.nio.file.Files.createTempDirectory("longhaul-topology-test-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        // what a record without a valid timestamp is processed at, and what a record that cannot
        // be written does, as in production
        Properties production = config.streamsProperties("unused:9092", stateDir);
        for (String key : List.of(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                dev.longhaul.pipeline.tenant.TenantOutputFailures.TENANT_PREFIX_CONFIG)) {
            props.put(key, production.get(key));
        }
        driver = new TopologyTestDriver(PipelineTopology.build(config, topics), props, T0);
        jobs = in(topics.jobs);
        documents = in(topics.documents);
        control = in(topics.control);
        workers = in(topics.workers);
        statusIn = in(topics.status);
        rawJobs = driver.createInputTopic(topics.jobs.name(), new ByteArraySerializer(), new ByteArraySerializer(), T0, Duration.ZERO);
        rawDocuments = driver.createInputTopic(topics.documents.name(), new ByteArraySerializer(), new ByteArraySerializer(), T0, Duration.ZERO);
        status = driver.createOutputTopic(topics.status.name(), topics.status.keys().deserializer(), topics.status.values().deserializer());
        deadLetters = driver.createOutputTopic(topics.deadLetters.name(), topics.deadLetters.keys().deserializer(), topics.deadLetters.values().deserializer());
        work = driver.createOutputTopic(topics.work.name(), topics.work.keys().deserializer(), topics.work.values().deserializer());
    }

    private <V> TestInputTopic<String, V> in(dev.longhaul.schemas.Topic<String, V> topic) {
        return driver.createInputTopic(topic.name(), new StringSerializer(), topic.values().serializer(), T0, Duration.ZERO);
    }

    /** A submission: its chunks (in order) and its request; tests may alter either before sending. */
    record Submission(JobRequest request, List<DocumentChunk> chunks) {
        Submission withRequest(JobRequest changed) {
            return new Submission(changed, chunks);
        }
    }

    /** A TEXT job of `document` in chunks of at most chunkBytes, with one SUMMARIZE task. */
    static Submission submission(String jobId, String tenant, byte[] document, int chunkBytes, String submissionId) {
        List<DocumentChunk> chunks = new ArrayList<>();
        int count = Math.max(1, (document.length + chunkBytes - 1) / chunkBytes);
        for (int i = 0; i < count; i++) {
            int from = i * chunkBytes;
            int to = Math.min(document.length, from + chunkBytes);
            chunks.add(DocumentChunk.newBuilder().setJobId(jobId).setIndex(i)
                    .setData(ByteBuffer.wrap(java.util.Arrays.copyOfRange(document, from, to)))
                    .setIsLast(i == count - 1).setSubmissionId(submissionId).build());
        }
        JobRequest request = JobRequest.newBuilder()
                .setJobId(jobId).setTenant(tenant).setKind(DocumentKind.TEXT)
                .setTasks(List.of(Task.newBuilder().setType(TaskType.SUMMARIZE).build()))
                .setPriority(0).setDeadline(null)
                .setDocument(DocumentDescriptor.newBuilder().setChunkCount(count).setBytes(document.length)
                        .setSha256(sha256(document)).setMediaType("text/plain").build())
                .setMetadata(Map.of()).setSubmittedAt(T0).setSubmissionId(submissionId).build();
        return new Submission(request, chunks);
    }

    static Submission submission(String jobId, String tenant, int bytes) {
        return submission(jobId, tenant, text(jobId, bytes), 100, jobId + "-s1");
    }

    /** Chunks first, then the request, as the ingest transaction writes them. */
    void submit(Submission s) {
        for (DocumentChunk chunk : s.chunks()) {
            documents.pipeInput(chunk.getJobId(), chunk);
        }
        jobs.pipeInput(s.request().getJobId(), s.request());
    }

    void heartbeat(String workerId, List<Integer> lanes, long outstanding, Instant at) {
        workers.pipeInput(workerId, WorkerHeartbeat.newBuilder().setWorkerId(workerId).setBackend("cpu")
                .setLanes(lanes).setCapacityTokensPerSecond(100).setOutstandingCostTokens(outstanding).setAt(at).build());
    }

    void cancel(String jobId) {
        control(jobId, ControlAction.CANCEL, null);
    }

    /** A control record about jobId, as JobControl writes it. */
    void control(String jobId, ControlAction action, Integer priority) {
        control.pipeInput(jobId, Control.newBuilder().setJobId(jobId).setAction(action).setPriority(priority).setRequestedAt(now()).build());
    }

    /** A final status, as a worker writes it. */
    void finished(String jobId, String tenant, JobState state) {
        finished(jobId, tenant, state, "");
    }

    /** A final status of one submission of a job, as a worker writes it. */
    void finished(String jobId, String tenant, JobState state, String submissionId) {
        statusIn.pipeInput(jobId, JobStatus.newBuilder().setJobId(jobId).setTenant(tenant).setState(state)
                .setProgress(1.0).setUpdatedAt(now()).setSubmissionId(submissionId).build());
    }

    /** A paused job's order handed back by its worker, as the worker's status says it (JobStates.handedBack). */
    void handedBack(WorkOrder order) {
        handedBack(order, false);
    }

    /** A worker's hand-back of the order, saying whether a run of it had started (ResultWriter.handedBack). */
    void handedBack(WorkOrder order, boolean started) {
        String jobId = order.getRequest().getJobId();
        statusIn.pipeInput(jobId, JobStatus.newBuilder().setJobId(jobId).setTenant(order.getRequest().getTenant())
                .setState(JobState.QUEUED).setReason(dev.longhaul.schemas.JobStates.handedBack(order.getReleasedAt(), started))
                .setUpdatedAt(now()).setSubmissionId(order.getRequest().getSubmissionId()).setRelease(order.getReleasedAt()).build());
    }

    /** A worker's RUNNING tick of the order, naming its release as ResultWriter does. */
    void tick(WorkOrder order, double progress) {
        String jobId = order.getRequest().getJobId();
        statusIn.pipeInput(jobId, JobStatus.newBuilder().setJobId(jobId).setTenant(order.getRequest().getTenant())
                .setState(JobState.RUNNING).setProgress(progress).setUpdatedAt(now())
                .setSubmissionId(order.getRequest().getSubmissionId()).setRelease(order.getReleasedAt()).build());
    }

    Instant now() {
        return T0.plusMillis(elapsed);
    }

    private long elapsed;

    void advance(Duration d) {
        elapsed += d.toMillis();
        driver.advanceWallClockTime(d);
    }

    /** The statuses written since the last call, as "job STATE reason" lines. */
    List<String> statuses() {
        return status.readValuesToList().stream()
                .map(s -> s.getJobId() + " " + s.getState() + (s.getReason() == null ? "" : " " + s.getReason()))
                .toList();
    }

    /** The status the pipeline writes about the job's submission(jobId, tenant, bytes). */
    static JobStatus expectedStatus(String jobId, String tenant, JobState state, String reason, Instant at) {
        return JobStatus.newBuilder().setJobId(jobId).setTenant(tenant).setState(state).setReason(reason).setUpdatedAt(at)
                .setSubmissionId(jobId + "-s1").build();
    }

    static byte[] text(String seed, int bytes) {
        byte[] out = new byte[bytes];
        byte[] pattern = (seed + " says the log is the database. ").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes; i++) {
            out[i] = pattern[i % pattern.length];
        }
        return out;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        driver.close();
        try (var files = java.nio.file.Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
