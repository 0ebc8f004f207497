/*
 * The pipeline's one typed, immutable, validated configuration (STYLE.md, Configuration): Kafka
 * identity, planning limits, dispatch settings, the cost model and the tenants with topics of their
 * own (withTenants), with every default in DEFAULTS
 * below. Only ops reads files or the environment and overrides fields with the with* methods; the
 * topology reads nothing else. streamsProperties is the single place Kafka Streams settings are
 * derived from it.
 */
package dev.longhaul.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;

import dev.longhaul.pipeline.state.BoundedStateMemory;
import dev.longhaul.schemas.DocumentKind;
import org.apache.kafka.streams.StreamsConfig;

public record PipelineConfig(Kafka kafka, Limits limits, Dispatch dispatch, Cost cost, Set<String> tenants) {

    /**
     * How long a job may wait for its request or chunks: past the longest a broker lets a client
     * hold a transaction open (transaction.max.timeout.ms, 15 minutes by default) and the
     * coordinator's check that aborts it (10 s). A complete, committed submission can have its
     * request readable while its chunks wait behind another client's transaction still open on their
     * documents partition (a read_committed reader stops at the first open one); a shorter timeout
     * failed it with MISSING_CHUNKS and dropped the chunks arriving after.
     */
    public static final Duration DEFAULT_INCOMPLETE_JOB_TIMEOUT = Duration.ofMinutes(20);

    /** The defaults, in one place: a local single-node setup running the CPU demo. */
    public static final PipelineConfig DEFAULTS = new PipelineConfig(
            new Kafka("longhaul-pipeline", dev.longhaul.schemas.Topics.DEFAULT_NAMESPACE, 3, Duration.ofMillis(200)),
            new Limits(1L << 30, 4096, EnumSet.of(DocumentKind.CONTRACT, DocumentKind.LOG, DocumentKind.REPO, DocumentKind.TEXT),
                    new TenantQuotas(Map.of(), 2_000_000_000L), DEFAULT_INCOMPLETE_JOB_TIMEOUT),
            new Dispatch(4, 2_000_000L, Duration.ofSeconds(30), Duration.ofSeconds(1)),
            new Cost(0.25, 8, 32_768, 512, 1L << 20),
            Set.of());

    /**
     * The Streams application id a pipeline in `namespace` gets when none is given: the default's
     * in the default namespace, prefixed by the namespace elsewhere (Topics.scopedId), so that
     * deployments in two namespaces never share internal topics or state.
     */
    public static String defaultApplicationId(String namespace) {
        return dev.longhaul.schemas.Topics.scopedId(namespace, DEFAULTS.kafka().applicationId());
    }

    public PipelineConfig {
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(dispatch, "dispatch");
        Objects.requireNonNull(cost, "cost");
        tenants.forEach(t -> dev.longhaul.schemas.Topics.tenantNamespace(kafka.namespace(), t));
        tenants = Set.copyOf(tenants);
    }

    /**
     * Kafka identity of the application. namespace prefixes every topic name (it must equal the
     * Topics catalog's); replicationFactor applies to the internal topics Streams creates.
     */
    public record Kafka(String applicationId, String namespace, int replicationFactor, Duration commitInterval, long stateMemoryBytes) {
        /** RocksDB memory of all the pipeline's stores in one process, by default (BoundedStateMemory). */
        public static final long DEFAULT_STATE_MEMORY_BYTES = 64L << 20;

        public Kafka {
            require(applicationId != null && applicationId.matches("[A-Za-z0-9._-]+"), "applicationId must be letters, digits, '.', '_' or '-'");
            require(namespace != null && namespace.matches("[A-Za-z0-9._-]*"), "namespace must be letters, digits, '.', '_' or '-'");
            require(replicationFactor >= 1, "replicationFactor must be at least 1");
            require(positive(commitInterval), "commitInterval must be positive");
            require(stateMemoryBytes == 0 || stateMemoryBytes >= BoundedStateMemory.MIN_BYTES,
                    "stateMemoryBytes must be 0 (RocksDB's own per-store defaults, unbounded) or at least " + BoundedStateMemory.MIN_BYTES);
        }

        /** With the default state memory budget. */
        public Kafka(String applicationId, String namespace, int replicationFactor, Duration commitInterval) {
            this(applicationId, namespace, replicationFactor, commitInterval, DEFAULT_STATE_MEMORY_BYTES);
        }

        public Kafka withStateMemoryBytes(long value) {
            return new Kafka(applicationId, namespace, replicationFactor, commitInterval, value);
        }
    }

    /**
     * What the planner accepts: document size and chunk count, the kinds allowed, per-tenant quotas,
     * how long a submission may stay incomplete (wall clock since its first record) before it
     * fails with MISSING_CHUNKS, and how long the planner remembers a settled job id (planned,
     * failed or cancelled, nothing pending) after its last record. Within that time the same
     * document resubmitted is a no-op and a different one a DUPLICATE_JOB_ID; after it the job id
     * is forgotten and may be used again. It must outlast the longest job's time to finish: a
     * CANCEL for a forgotten job id is taken as one for a job never planned.
     */
    public record Limits(long maxDocumentBytes, int maxChunks, Set<DocumentKind> allowedKinds,
                         TenantQuotas tenants, Duration incompleteJobTimeout, Duration settledJobRetention) {
        public static final Duration DEFAULT_SETTLED_JOB_RETENTION = Duration.ofDays(7);
        /**
         * Most chunks a job may declare: the planner's state of a job id holds the chunk positions
         * (12 bytes each) of up to 8 submissions at once beside their requests, in one changelog
         * record, which must stay under the broker's 1 MiB; more would fail that write on every
         * replay and block the partition.
         */
        public static final int MAX_CHUNKS = 6_000;

        /** With the default settled-job retention. */
        public Limits(long maxDocumentBytes, int maxChunks, Set<DocumentKind> allowedKinds,
                      TenantQuotas tenants, Duration incompleteJobTimeout) {
            this(maxDocumentBytes, maxChunks, allowedKinds, tenants, incompleteJobTimeout, DEFAULT_SETTLED_JOB_RETENTION);
        }

        public Limits withSettledJobRetention(Duration value) {
            return new Limits(maxDocumentBytes, maxChunks, allowedKinds, tenants, incompleteJobTimeout, value);
        }

        public Limits {
            require(maxDocumentBytes > 0, "maxDocumentBytes must be positive");
            require(maxChunks > 0 && maxChunks <= MAX_CHUNKS, "maxChunks must be in 1.." + MAX_CHUNKS
                    + " (a job's planner state holds the positions of 8 submissions' chunks in one changelog record under 1 MiB)");
            require(allowedKinds != null && !allowedKinds.isEmpty(), "allowedKinds must name at least one kind");
            require(!allowedKinds.contains(DocumentKind.UNKNOWN), "allowedKinds cannot include UNKNOWN (a kind no reader knows)");
            Objects.requireNonNull(tenants, "tenants");
            require(positive(incompleteJobTimeout), "incompleteJobTimeout must be positive");
            require(positive(settledJobRetention), "settledJobRetention must be positive");
            // past it, readers of `status` (followers, the dashboard, tenants) lose a job's final
            // status while the planner still takes the id as that job: a resubmission would then be
            // a no-op that writes no status anyone can see
            require(settledJobRetention.compareTo(dev.longhaul.schemas.Topics.STATUS_RETENTION) <= 0,
                    "settledJobRetention must not exceed the status topic's retention (" + dev.longhaul.schemas.Topics.STATUS_RETENTION + ")");
            allowedKinds = Set.copyOf(allowedKinds);
        }
    }

    /**
     * Tokens a tenant may have dispatched and unfinished at once: a job costing more than this is
     * refused by the planner (it could never run); below it, the dispatcher holds the tenant's orders
     * until enough of its work finishes.
     */
    public record TenantQuotas(Map<String, Long> maxOutstandingTokens, long defaultMaxOutstandingTokens) {
        public TenantQuotas {
            require(defaultMaxOutstandingTokens > 0, "defaultMaxOutstandingTokens must be positive");
            maxOutstandingTokens = Map.copyOf(maxOutstandingTokens);
            maxOutstandingTokens.forEach((tenant, max) -> require(max > 0, "quota of tenant " + tenant + " must be positive"));
        }

        public long maxOutstandingTokens(String tenant) {
            return maxOutstandingTokens.getOrDefault(tenant, defaultMaxOutstandingTokens);
        }
    }

    /**
     * Dispatch: lanes is the partition count of `work`; a worker's lanes accept another order while
     * its outstanding cost (all its lanes) is below windowTokens; a lane unheard of for laneTimeout is not used; the
     * wall-clock punctuators (expiry, timeouts, re-dispatch) run every punctuationInterval.
     */
    public record Dispatch(int lanes, long windowTokens, Duration laneTimeout, Duration punctuationInterval) {
        public Dispatch {
            require(lanes >= 1, "lanes must be at least 1");
            require(windowTokens > 0, "windowTokens must be positive");
            require(positive(laneTimeout), "laneTimeout must be positive");
            require(positive(punctuationInterval), "punctuationInterval must be positive");
        }
    }

    /**
     * Cost model (WorkCost): document tokens are bytes times tokensPerByte; one layer in every
     * softmaxEveryNthLayer is softmax attention, whose cost grows with the square of the length and
     * equals its linear part at softmaxScaleTokens; each task adds outputTokensPerTask; the model
     * reads at most modelContextTokens of a document (the largest worker context budget), the rest
     * is streamed past it at a fraction of the cost.
     */
    public record Cost(double tokensPerByte, int softmaxEveryNthLayer, long softmaxScaleTokens, long outputTokensPerTask,
                       long modelContextTokens) {
        public Cost {
            require(modelContextTokens > 0, "modelContextTokens must be positive");
            require(tokensPerByte > 0 && Double.isFinite(tokensPerByte), "tokensPerByte must be positive");
            require(softmaxEveryNthLayer >= 1, "softmaxEveryNthLayer must be at least 1");
            require(softmaxScaleTokens > 0, "softmaxScaleTokens must be positive");
            require(outputTokensPerTask >= 0, "outputTokensPerTask must not be negative");
        }
    }

    public PipelineConfig withKafka(Kafka kafka) {
        return new PipelineConfig(kafka, limits, dispatch, cost, tenants);
    }

    public PipelineConfig withLimits(Limits limits) {
        return new PipelineConfig(kafka, limits, dispatch, cost, tenants);
    }

    public PipelineConfig withDispatch(Dispatch dispatch) {
        return new PipelineConfig(kafka, limits, dispatch, cost, tenants);
    }

    public PipelineConfig withCost(Cost cost) {
        return new PipelineConfig(kafka, limits, dispatch, cost, tenants);
    }

    /**
     * Tenants with topics of their own (Topics.forTenant): the pipeline admits their jobs from
     * there, stamping the tenant, and delivers their statuses and results back there. Empty (the
     * default): only the shared topics, as in the single-tenant demo.
     */
    public PipelineConfig withTenants(Set<String> value) {
        return new PipelineConfig(kafka, limits, dispatch, cost, value);
    }

    /**
     * Kafka Streams settings for this configuration. exactly_once_v2 makes every stage's outputs,
     * store changes and input offsets commit atomically, and sets the consumers to read_committed,
     * so aborted ingest transactions are never seen.
     */
    public Properties streamsProperties(String bootstrapServers, Path stateDir) {
        return streamsProperties(bootstrapServers, stateDir, Map.of());
    }

    /**
     * The same, with client settings a deployment adds (security.protocol, SASL, TLS stores) applied
     * last; Streams hands them to every consumer, producer and admin client it creates.
     */
    public Properties streamsProperties(String bootstrapServers, Path stateDir, Map<String, String> clientOverrides) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, kafka.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, kafka.replicationFactor());
        // its changelog and repartition topics as the catalog's (TopicsAdmin): a commit is on more than the leader
        TopicsAdmin.minInsyncReplicas(kafka.replicationFactor()).ifPresent(n -> p.put(
                StreamsConfig.topicPrefix(org.apache.kafka.common.config.TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG), Integer.toString(n)));
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, kafka.commitInterval().toMillis());
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        // a record stamped with no valid time (-1, from a client that can write one) gets its
        // partition's time (the wall clock on a partition without one), and is then decoded or
        // dead-lettered like any other: the default extractor failed the stream thread on it
        p.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, InvalidTimestamps.class);
        // a tenant's status copy whose schema the registry refuses under the tenant's own subject is
        // dropped, not a failed task for every tenant (TenantOutputFailures)
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, dev.longhaul.pipeline.tenant.TenantOutputFailures.class);
        p.put(dev.longhaul.pipeline.tenant.TenantOutputFailures.TENANT_PREFIX_CONFIG, kafka.namespace() + "tenant.");
        if (kafka.stateMemoryBytes() > 0) {
            p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedStateMemory.class);
            p.put(BoundedStateMemory.BYTES_CONFIG, Long.toString(kafka.stateMemoryBytes()));
        }
        p.putAll(clientOverrides);
        return p;
    }

    private static boolean positive(Duration d) {
        return d != null && !d.isNegative() && !d.isZero();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
