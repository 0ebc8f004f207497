/*
 * The config record's validation and the one function deriving Kafka properties from it: the
 * settings the transactional contract depends on (idempotence, a unique transactional.id, the
 * transaction timeout, a request size that fits a full chunk, read_committed readers).
 */
package dev.longhaul.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

class IngestConfigTest {
    private final IngestConfig defaults = IngestConfig.defaults("localhost:9092");

    @Test
    void defaultsAreTheDocumentedOnes() {
        assertEquals(512 * 1024, defaults.chunkBytes());
        assertEquals("longhaul.", defaults.namespace());
        assertEquals(Duration.ofMinutes(10), defaults.transactionTimeout());
        assertEquals(1L << 30, defaults.maxDocumentBytes(), "the pipeline's default limit");
        assertEquals(4096, defaults.maxChunks(), "the pipeline's default limit");
        assertEquals(4096, defaults.sourceLimits().maxRepositoryFiles(), "a file is at least a chunk");
    }

    @Test
    void aReaderNeverCreatesTheTopicsItLooksFor() {
        // a client following jobs before the pipeline made its topics would otherwise create them
        // with the broker's defaults (one partition, status not compacted)
        assertEquals("false", defaults.kafkaProperties(IngestConfig.Client.READER)
                .getProperty(org.apache.kafka.clients.consumer.ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG));
    }

    @Test
    void chunksAboveHalfAMebibyteOrBelowOneByteAreRefused() {
        IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class, () -> defaults.withChunkBytes(512 * 1024 + 1));
        assertTrue(tooBig.getMessage().contains("chunk size"), tooBig.getMessage());
        assertThrows(IllegalArgumentException.class, () -> defaults.withChunkBytes(0));
        assertEquals(1, defaults.withChunkBytes(1).chunkBytes());
    }

    @Test
    void missingServersAndNonPositiveLimitsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> IngestConfig.defaults(" "));
        assertThrows(IllegalArgumentException.class, () -> defaults.withMaxDocumentBytes(0));
        assertThrows(IllegalArgumentException.class, () -> defaults.withTransactionTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> defaults.withTransactionalIdPrefix(""));
    }

    @Test
    void submitterPropertiesAreTransactionalIdempotentAndFitAFullChunk() {
        Properties p = defaults.withTransactionalIdPrefix("tx-").kafkaProperties(IngestConfig.Client.SUBMITTER);
        assertEquals("localhost:9092", p.getProperty("bootstrap.servers"));
        assertEquals("true", p.getProperty("enable.idempotence"));
        assertEquals("all", p.getProperty("acks"));
        assertEquals("600000", p.getProperty("transaction.timeout.ms"));
        assertTrue(p.getProperty("transactional.id").startsWith("tx-"), p.getProperty("transactional.id"));
        int maxRequest = Integer.parseInt(p.getProperty("max.request.size"));
        assertTrue(maxRequest >= IngestConfig.MAX_CHUNK_BYTES + 64 * 1024, "room for a chunk and its framing: " + maxRequest);
    }

    @Test
    void everySubmitterGetsItsOwnTransactionalId() {
        String a = defaults.kafkaProperties(IngestConfig.Client.SUBMITTER).getProperty("transactional.id");
        String b = defaults.kafkaProperties(IngestConfig.Client.SUBMITTER).getProperty("transactional.id");
        assertNotEquals(a, b);
    }

    @Test
    void readersAreReadCommittedAndControlIsNotTransactional() {
        Properties reader = defaults.kafkaProperties(IngestConfig.Client.READER);
        assertEquals("read_committed", reader.getProperty("isolation.level"));
        assertEquals("false", reader.getProperty("enable.auto.commit"));
        Properties control = defaults.kafkaProperties(IngestConfig.Client.CONTROL);
        assertEquals(null, control.getProperty("transactional.id"));
        assertEquals("true", control.getProperty("enable.idempotence"));
    }

    @Test
    void overridesApplyLast() {
        Properties p = defaults.withClientOverrides(Map.of("security.protocol", "SSL", "acks", "1"))
                .kafkaProperties(IngestConfig.Client.CONTROL);
        assertEquals("SSL", p.getProperty("security.protocol"));
        assertEquals("1", p.getProperty("acks"));
    }
}
