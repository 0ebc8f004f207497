/*
 * What escapes a stream thread: a registry failure anywhere in the cause chain replaces the thread
 * (PipelineOnBrokerIT shows the job then planned on a real broker); anything else stops the client.
 */
package dev.longhaul.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import dev.longhaul.schemas.wire.RegistryException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class StreamFailuresTest {
    private final StreamFailures failures = new StreamFailures(Duration.ZERO);

    @Test
    void aRegistryFailureReplacesTheThreadAndAnythingElseStopsTheClient() {
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, failures.handle(new StreamsException("in process",
                new RegistryException("cannot reach the schema registry", new java.net.ConnectException("refused")))));
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, failures.handle(new RegistryException(503, 0, "down")));
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, failures.handle(new StreamsException("in process",
                new NullPointerException("a bug"))));
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, failures.handle(new IllegalStateException("no cause")));
    }
}
