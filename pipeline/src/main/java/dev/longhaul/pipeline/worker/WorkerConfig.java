/*
 * Everything a worker is configured with, validated once, defaults in one place (defaults()).
 * Kafka client properties are derived here and nowhere else; clientOverrides (security, SASL...,
 * handed in by ops) are applied last to every client. The context budget is the most
 * document tokens the model reads per job: contextTokens, further capped at start by the model's
 * maximum context and by what the engine prefills in timeBudget (measured on this machine).
 * backend names the engine backend ("cpu", "scalar", ...) or, as "remote:http://host:port/v1", an
 * OpenAI-compatible server (RemoteEngine); modelDir then only needs the served model's
 * tokenizer.json, which sizes the document view in that model's tokens. batchSequences: the slots of
 * the worker's BatchEngine, shared by the task branches and document feeds of every order in
 * progress (the step's token budget is prefillChunk + batchSequences − 1, see BatchConfig).
 * concurrentOrders: how many orders the worker runs at once, never two of one lane (so each lane's
 * offsets commit in order); 1 runs one order at a time.
 */
package dev.longhaul.pipeline.worker;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

public record WorkerConfig(
        String workerId,
        String bootstrapServers,
        String namespace,
        Path modelDir,
        String backend,
        int threads,
        int contextTokens,
        Duration timeBudget,
        int maxOutputTokens,
        int prefillChunk,
        int batchSequences,
        int concurrentOrders,
        Duration heartbeatInterval,
        Duration sessionTimeout,
        Duration transactionTimeout,
        Map<String, String> clientOverrides) {

    /** The consumer group every worker of the default namespace joins; lanes are its partitions of `work`. */
    public static final String GROUP_ID = "longhaul-workers";

    /** The workers' consumer group in `namespace` (Topics.scopedId of GROUP_ID). */
    public static String groupId(String namespace) {
        return dev.longhaul.schemas.Topics.scopedId(namespace, GROUP_ID);
    }

    /** Engine slots by default: the branches of a few orders at once, and their document feeds. */
    public static final int DEFAULT_BATCH_SEQUENCES = 16;

    /** Orders in progress at once by default: one per lane of a worker holding the default four lanes. */
    public static final int DEFAULT_CONCURRENT_ORDERS = 4;

    /** The prefix of a backend that names an OpenAI-compatible server's base URL. */
    public static final String REMOTE = "remote:";

    public WorkerConfig {
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(backend, "backend");
        if (!workerId.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("worker id must be letters, digits, '.', '_' or '-': " + workerId);
        }
        if (threads < 1 || contextTokens < 64 || maxOutputTokens < 1 || prefillChunk < 1) {
            throw new IllegalArgumentException("threads ≥ 1, contextTokens ≥ 64, maxOutputTokens ≥ 1, prefillChunk ≥ 1; got "
                    + threads + ", " + contextTokens + ", " + maxOutputTokens + ", " + prefillChunk);
        }
        if (batchSequences < 1) {
            throw new IllegalArgumentException("batchSequences must be >= 1, is " + batchSequences);
        }
        if (concurrentOrders < 1) {
            throw new IllegalArgumentException("concurrentOrders must be >= 1, is " + concurrentOrders);
        }
        if (timeBudget.isNegative() || timeBudget.isZero()) {
            throw new IllegalArgumentException("time budget must be positive: " + timeBudget);
        }
        clientOverrides = Map.copyOf(clientOverrides == null ? Map.of() : clientOverrides);
        remoteUrl(backend);
    }

    /** The server's base URL (ending in /v1, say) when the backend is remote; empty for a local engine. */
    public Optional<URI> remoteUrl() {
        return remoteUrl(backend);
    }

    private static Optional<URI> remoteUrl(String backend) {
        if (!backend.startsWith(REMOTE)) {
            return Optional.empty();
        }
        String url = backend.substring(REMOTE.length());
        URI uri;
        try {
            uri = new URI(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("backend " + backend + ": not a URL: " + e.getMessage(), e);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("backend " + backend + ": expected remote:http://host:port/v1");
        }
        return Optional.of(uri);
    }

    /** CPU defaults: a few thousand document tokens per job, two minutes of prefill at most. */
    public static WorkerConfig defaults(String workerId, String bootstrapServers, Path modelDir) {
        return new WorkerConfig(workerId, bootstrapServers, "longhaul.", modelDir, "cpu",
                Runtime.getRuntime().availableProcessors(), 4096, Duration.ofMinutes(2), 48, 256, DEFAULT_BATCH_SEQUENCES, DEFAULT_CONCURRENT_ORDERS,
                Duration.ofSeconds(1), Duration.ofSeconds(15), Duration.ofSeconds(60), Map.of());
    }

    public WorkerConfig withContext(int tokens, Duration budget) {
        return new WorkerConfig(workerId, bootstrapServers, namespace, modelDir, backend, threads, tokens, budget,
                maxOutputTokens, prefillChunk, batchSequences, concurrentOrders, heartbeatInterval, sessionTimeout, transactionTimeout, clientOverrides);
    }

    public WorkerConfig withOutput(int tokens) {
        return new WorkerConfig(workerId, bootstrapServers, namespace, modelDir, backend, threads, contextTokens, timeBudget,
                tokens, prefillChunk, batchSequences, concurrentOrders, heartbeatInterval, sessionTimeout, transactionTimeout, clientOverrides);
    }

    public WorkerConfig withNamespace(String ns) {
        return new WorkerConfig(workerId, bootstrapServers, ns, modelDir, backend, threads, contextTokens, timeBudget,
                maxOutputTokens, prefillChunk, batchSequences, concurrentOrders, heartbeatInterval, sessionTimeout, transactionTimeout, clientOverrides);
    }

    public WorkerConfig withEngine(String backendName, int threadCount) {
        return new WorkerConfig(workerId, bootstrapServers, namespace, modelDir, backendName, threadCount, contextTokens,
                timeBudget, maxOutputTokens, prefillChunk, batchSequences, concurrentOrders, heartbeatInterval, sessionTimeout, transactionTimeout, clientOverrides);
    }

    /** At most `sequences` sequences (task branches, document feeds) in the engine's batch (1: one after another). */
    public WorkerConfig withBatch(int sequences) {
        return new WorkerConfig(workerId, bootstrapServers, namespace, modelDir, backend, threads, contextTokens, timeBudget,
                maxOutputTokens, prefillChunk, sequences, concurrentOrders, heartbeatInterval, sessionTimeout, transactionTimeout, clientOverrides);
    }

    /** Document chunks of `chunk` tokens, and `sequences` engine slots. */
    public WorkerConfig withBatching(int chunk, int sequences) {
        return new WorkerConfig(workerId, bootstrapServers, namespace, modelDir, backend, threads, contextTokens, timeBudget,
                maxOutputTokens, chunk, sequences, concurrentOrders, heartbeatInterval, sessionTimeout, transactionTimeout, clientOverrides);
    }

    /** At most `orders` orders in progress at once, one per lane (1: one at a time). */
    public WorkerConfig withConcurrentOrders(int orders) {
        return new WorkerConfig(workerId, bootstrapServers, namespace, modelDir, backend, threads, contextTokens, timeBudget,
                maxOutputTokens, prefillChunk, batchSequences, orders, heartbeatInterval, sessionTimeout, transactionTimeout, clientOverrides);
    }

    /** How long the group waits for a silent worker before its lanes move (the consumer's session timeout). */
    public WorkerConfig withSessionTimeout(Duration timeout) {
        return new WorkerConfig(workerId, bootstrapServers, namespace, modelDir, backend, threads, contextTokens, timeBudget,
                maxOutputTokens, prefillChunk, batchSequences, concurrentOrders, heartbeatInterval, timeout, transactionTimeout, clientOverrides);
    }

    /** Extra client settings (security, SASL, TLS stores) applied last to every client of this worker. */
    public WorkerConfig withClientOverrides(Map<String, String> overrides) {
        return new WorkerConfig(workerId, bootstrapServers, namespace, modelDir, backend, threads, contextTokens, timeBudget,
                maxOutputTokens, prefillChunk, batchSequences, concurrentOrders, heartbeatInterval, sessionTimeout, transactionTimeout, overrides);
    }

    /** The `work` consumer: in the worker group, read_committed, offsets only through transactions. */
    Map<String, Object> workConsumer() {
        Map<String, Object> p = common();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId(namespace));
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, workerId + "-work");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // topics are made by TopicsAdmin, never by a read
        // A few orders buffered per poll is enough: a lane with an order in progress is paused.
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 4);
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) sessionTimeout.toMillis());
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(100, sessionTimeout.toMillis() / 5));
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
        return withOverrides(p);
    }

    /** A group-less consumer reading chunks by offset, or the control topic from its start. */
    Map<String, Object> assignedConsumer(String role) {
        Map<String, Object> p = common();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, workerId + "-" + role);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // topics are made by TopicsAdmin, never by a read
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 << 20);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 8);
        return withOverrides(p);
    }

    /**
     * The result producer of a worker in the group. Its transactional id is the worker's (in its
     * namespace): a restarted worker with the same id fences its previous incarnation; a different
     * worker taking over a lane is fenced by the consumer group generation carried in
     * sendOffsetsToTransaction (KIP-447).
     */
    Map<String, Object> transactionalProducer() {
        return transactionalProducer(LaneAssignment.group());
    }

    /**
     * The result producer for lanes taken as `lanes` says. Pinned lanes have no group generation to
     * fence a worker that still runs on them (a hung one, or the old one of a rolling deploy, under
     * another worker id): their transactional id is the lanes', so the worker that starts on them
     * fences any other on the same lanes, whatever its id. Only on exactly the same set: a worker
     * pinned to [0, 1] is not fenced by one on [1]; replace pinned workers lane set for lane set.
     */
    Map<String, Object> transactionalProducer(LaneAssignment lanes) {
        Map<String, Object> p = common();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, workerId + "-results");
        // under the namespace (as its topics: "longhaul.worker-ID"): two deployments on one cluster
        // with a worker id or a pinned lane in common must not fence each other
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, namespace + switch (lanes) {
            case LaneAssignment.Group g -> "worker-" + workerId;
            case LaneAssignment.Pinned pinned -> "lanes-" + pinned.lanes().stream().distinct().sorted()
                    .map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
        });
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) transactionTimeout.toMillis());
        return withOverrides(p);
    }

    /** Heartbeats and progress ticks: informational, outside any transaction. */
    Map<String, Object> plainProducer() {
        Map<String, Object> p = common();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, workerId + "-ticks");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return withOverrides(p);
    }

    private Map<String, Object> common() {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    /** Last, so that a deployment's settings reach every client whatever the defaults above say. */
    private Map<String, Object> withOverrides(Map<String, Object> p) {
        p.putAll(clientOverrides);
        return p;
    }
}
