/*
 * What escapes a stream thread: a registry outage anywhere in the cause chain replaces the thread
 * (PipelineOnBrokerIT shows the job then planned on a real broker); a registry's refusal, or
 * anything else, stops the client.
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
    void aRegistryOutageReplacesTheThreadAndARefusalOrAnythingElseStopsTheClient() {
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, failures.handle(new StreamsException("in process",
                new RegistryException("cannot reach the schema registry", new java.net.ConnectException("refused")))));
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, failures.handle(new RegistryException(503, 0, "down")));
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, failures.handle(new StreamsException("in process",
                new NullPointerException("a bug"))));
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, failures.handle(new IllegalStateException("no cause")));
        // a refusal meets the same answer at every try: no endless replacing
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, failures.handle(new StreamsException("in process",
                new RegistryException(401, 401, "unauthorized"))));
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, failures.handle(new RegistryException(409, 409, "incompatible")));
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, failures.handle(new RegistryException(429, 429, "slow down")));
    }

    @Test
    void outagesInARowWaitLongerUpToAFewMinutesAndAQuietSpellStartsOver() {
        StreamFailures f = new StreamFailures(Duration.ofSeconds(5));
        long t = 0;
        assertEquals(Duration.ofSeconds(5), f.nextPause(t));
        assertEquals(Duration.ofSeconds(10), f.nextPause(t += 60_000_000_000L));
        assertEquals(Duration.ofSeconds(20), f.nextPause(t += 60_000_000_000L));
        for (int i = 0; i < 10; i++) {
            f.nextPause(t += 60_000_000_000L);
        }
        assertEquals(StreamFailures.MAX_PAUSE, f.nextPause(t += 60_000_000_000L));
        assertEquals(Duration.ofSeconds(5), f.nextPause(t + StreamFailures.STREAK_RESET.toNanos() + 1), "after a quiet spell");
    }

    @Test
    void aRefusalOfATenantsSubjectIsA409OrA403NotOurCredentialsOrOurSchema() {
        assertEquals(true, StreamFailures.registryRefusal(new StreamsException("x", new RegistryException(409, 409, "incompatible"))));
        assertEquals(true, StreamFailures.registryRefusal(new RegistryException(403, 403, "not yours")));
        assertEquals(false, StreamFailures.registryRefusal(new RegistryException(401, 401, "bad credentials")));
        assertEquals(false, StreamFailures.registryRefusal(new RegistryException(422, 42201, "invalid schema")));
        assertEquals(true, StreamFailures.registryRefusal(new RegistryException(422, 42205, "subject in READONLY mode")));
        assertEquals(false, StreamFailures.registryRefusal(new RegistryException(503, 0, "down")));
        assertEquals(false, StreamFailures.registryRefusal(new IllegalStateException("no registry at all")));
    }
}
