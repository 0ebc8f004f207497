/*
 * Which decoding failures the dashboard's feed reads again: a registry that did not answer, or
 * answered with a server error, is retried (skipping the record would lose it until the next
 * start); an answer that the schema is unknown, or bytes that are not ours, are skipped.
 */
package dev.longhaul.ops.dashboard;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.schemas.wire.RegistryException;
import dev.longhaul.schemas.wire.WireFormatException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class DashboardFeedTest {
    @Test
    void anUnreachableOrFailingRegistryIsRetriedAndAnUnknownSchemaOrBadBytesAreSkipped() {
        assertTrue(DashboardFeed.transientRegistryError(new RegistryException("connection refused", new java.net.ConnectException())));
        assertTrue(DashboardFeed.transientRegistryError(new RegistryException(503, 50001, "store error")));
        assertTrue(DashboardFeed.transientRegistryError(new SerializationException("wrapped",
                new RegistryException(500, 0, "internal"))), "found in the cause chain");
        assertFalse(DashboardFeed.transientRegistryError(new RegistryException(404, RegistryException.SCHEMA_NOT_FOUND, "no schema 7")));
        assertFalse(DashboardFeed.transientRegistryError(new SerializationException("not avro")));
        assertFalse(DashboardFeed.transientRegistryError(new WireFormatException(dev.longhaul.schemas.wire.DeadLetterReason.BAD_MAGIC, "bad magic byte")));
    }
}
