/*
 * The ingest client's configuration: one immutable, validated record with its defaults in
 * defaults(), and the only place Kafka client Properties are derived from it (kafkaProperties).
 * Library code never reads the environment; ops maps flags and files onto this record.
 */
package dev.longhaul.ingest;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * @param bootstrapServers      Kafka {@code bootstrap.servers}
 * @param namespace             topic name prefix, e.g. "longhaul." (see {@code Topics})
 * @param chunkBytes            largest chunk of document data, 1 byte to 512 KiB
 * @param maxDocumentBytes      largest document (after decompression) a submission accepts
 * @param maxChunks             most chunks one document is cut into (a repository: at least one a file)
 * @param transactionalIdPrefix prefix of each Submitter's transactional.id (a random suffix follows)
 * @param transactionTimeout    how long one submission's transaction may stay open
 * @param clientOverrides       extra client settings applied last (security, SASL...), as given
 * @param tenant                the tenant whose client this is, or null (the operator's)
 * @param maxInflationRatio     most bytes a gzip input may inflate to per compressed byte (SourceLimits)
 */
public record IngestConfig(
        String bootstrapServers,
        String namespace,
        int chunkBytes,
        long maxDocumentBytes,
        int maxChunks,
        String transactionalIdPrefix,
        Duration transactionTimeout,
        Map<String, String> clientOverrides,
        String tenant,
        int maxInflationRatio) {

    /** DocumentChunk's contract: at most 512 KiB of data, well under Kafka's default 1 MiB message. */
    public static final int MAX_CHUNK_BYTES = 512 * 1024;
    /**
     * 1 GiB and 4,096 chunks: the pipeline's default limits (PipelineConfig), so that a document the
     * planner would refuse is refused here, before it is uploaded and committed; a deployment that
     * raises them raises these too (longhaul submit --max-document-bytes, --max-chunks). A tiny
     * chunk size reaches the chunk limit long before the byte limit, instead of writing millions of
     * records into one transaction.
     */
    public static final long DEFAULT_MAX_DOCUMENT_BYTES = 1L << 30;
    public static final int DEFAULT_MAX_CHUNKS = 4096;
    /**
     * Ten minutes: a 1 GiB document is 2048 chunks, a minute or two on a modest link. The broker
     * caps it with transaction.max.timeout.ms (default 15 minutes), and while a submission's
     * transaction is open, read_committed readers of the partitions it touches wait behind it;
     * after a crash the broker aborts the orphaned transaction when this timeout expires.
     */
    public static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofMinutes(10);
    /**
     * One request carries one full chunk plus the record and batch overhead (key, Avro header,
     * field framing), so 1 MiB, Kafka's default and the broker's default message.max.bytes.
     */
    static final int MAX_REQUEST_BYTES = 1024 * 1024;

    public IngestConfig {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrap servers are required");
        }
        if (namespace == null) {
            throw new IllegalArgumentException("topic namespace must not be null (use \"\" for none)");
        }
        if (chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("chunk size must be 1.." + MAX_CHUNK_BYTES + " bytes, got " + chunkBytes);
        }
        if (maxDocumentBytes < 1) {
            throw new IllegalArgumentException("max document bytes must be positive, got " + maxDocumentBytes);
        }
        if (maxInflationRatio < 1) {
            throw new IllegalArgumentException("max inflation ratio must be positive, got " + maxInflationRatio);
        }
        if (maxChunks < 1) {
            throw new IllegalArgumentException("max chunks must be positive, got " + maxChunks);
        }
        if (transactionalIdPrefix == null || transactionalIdPrefix.isBlank()) {
            throw new IllegalArgumentException("transactional id prefix is required");
        }
        if (transactionTimeout == null || transactionTimeout.toMillis() < 1 || transactionTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("transaction timeout must be positive and fit in int milliseconds: " + transactionTimeout);
        }
        clientOverrides = Map.copyOf(clientOverrides == null ? Map.of() : clientOverrides);
    }

    /**
     * The limits a source is opened with: the document size, the inflation ratio, and as
     * many repository files as there may be chunks (each file is at least one).
     */
    public SourceLimits sourceLimits() {
        return new SourceLimits(maxDocumentBytes, maxInflationRatio,
                Math.min(SourceLimits.DEFAULT_MAX_REPOSITORY_FILES, maxChunks));
    }

    /** Every default in one place: namespace "longhaul.", 512 KiB chunks, 1 GiB and 4,096-chunk documents, 10 minute transactions. */
    public static IngestConfig defaults(String bootstrapServers) {
        return new IngestConfig(bootstrapServers, "longhaul.", MAX_CHUNK_BYTES, DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_MAX_CHUNKS,
                "longhaul-ingest-", DEFAULT_TRANSACTION_TIMEOUT, Map.of(), null, SourceLimits.DEFAULT_MAX_INFLATION_RATIO);
    }

    /**
     * The client of one tenant: its own topics (Topics.tenantNamespace) and transactional ids under
     * the same prefix, which is what the tenant's Kafka ACLs allow. The pipeline stamps the tenant
     * from the topic a job came in on, so JobSpec.tenant is not what decides it. Its job ids are
     * the tenant's (TenantJobIds): generated ones get the tenant's prefix, given ones must have it.
     */
    public IngestConfig withTenant(String tenant) {
        String ns = dev.longhaul.schemas.Topics.tenantNamespace(namespace, tenant);
        return new IngestConfig(bootstrapServers, ns, chunkBytes, maxDocumentBytes, maxChunks, ns, transactionTimeout, clientOverrides,
                tenant, maxInflationRatio);
    }

    public IngestConfig withNamespace(String value) {
        return new IngestConfig(bootstrapServers, value, chunkBytes, maxDocumentBytes, maxChunks, transactionalIdPrefix, transactionTimeout, clientOverrides, tenant, maxInflationRatio);
    }

    public IngestConfig withChunkBytes(int value) {
        return new IngestConfig(bootstrapServers, namespace, value, maxDocumentBytes, maxChunks, transactionalIdPrefix, transactionTimeout, clientOverrides, tenant, maxInflationRatio);
    }

    public IngestConfig withMaxDocumentBytes(long value) {
        return new IngestConfig(bootstrapServers, namespace, chunkBytes, value, maxChunks, transactionalIdPrefix, transactionTimeout, clientOverrides, tenant, maxInflationRatio);
    }

    public IngestConfig withMaxChunks(int value) {
        return new IngestConfig(bootstrapServers, namespace, chunkBytes, maxDocumentBytes, value, transactionalIdPrefix, transactionTimeout, clientOverrides, tenant, maxInflationRatio);
    }

    public IngestConfig withTransactionalIdPrefix(String value) {
        return new IngestConfig(bootstrapServers, namespace, chunkBytes, maxDocumentBytes, maxChunks, value, transactionTimeout, clientOverrides, tenant, maxInflationRatio);
    }

    public IngestConfig withTransactionTimeout(Duration value) {
        return new IngestConfig(bootstrapServers, namespace, chunkBytes, maxDocumentBytes, maxChunks, transactionalIdPrefix, value, clientOverrides, tenant, maxInflationRatio);
    }

    /** A gzip input may inflate to this many bytes per compressed byte (a log of one line repeated can exceed the default). */
    public IngestConfig withMaxInflationRatio(int value) {
        return new IngestConfig(bootstrapServers, namespace, chunkBytes, maxDocumentBytes, maxChunks, transactionalIdPrefix, transactionTimeout,
                clientOverrides, tenant, value);
    }

    public IngestConfig withClientOverrides(Map<String, String> value) {
        return new IngestConfig(bootstrapServers, namespace, chunkBytes, maxDocumentBytes, maxChunks, transactionalIdPrefix, transactionTimeout, value, tenant, maxInflationRatio);
    }

    /** Which client the properties are for. */
    public enum Client {
        /** The transactional, idempotent producer of a Submitter. */
        SUBMITTER,
        /** A plain idempotent producer for single control records (cancel). */
        CONTROL,
        /** A group-less read_committed consumer (status, results). */
        READER,
        /** An admin client (the Submitter's check that its topics exist): the connection settings only. */
        ADMIN
    }

    /**
     * The Kafka client settings for {@code client}: the one function that maps this record onto
     * Kafka properties. Overrides are applied last so a deployment can add security settings.
     */
    public Properties kafkaProperties(Client client) {
        Properties p = new Properties();
        p.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        switch (client) {
            case SUBMITTER -> {
                // A random suffix: two submitters (two CLI runs) never fence each other.
                p.setProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalIdPrefix + UUID.randomUUID());
                p.setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Long.toString(transactionTimeout.toMillis()));
                producerDefaults(p);
            }
            case CONTROL -> producerDefaults(p);
            case READER -> {
                // Only committed submissions and results exist for readers; aborted ones never do.
                p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
                p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
                p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                // a reader looks at topics that may not exist (yet): looking must not create them
                p.setProperty(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
            }
            case ADMIN -> { }
        }
        clientOverrides.forEach(p::setProperty);
        return p;
    }

    private void producerDefaults(Properties p) {
        p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        p.setProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(MAX_REQUEST_BYTES));
        // Logs and contracts are text: lz4 shrinks them several times for little CPU.
        p.setProperty(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    }
}
