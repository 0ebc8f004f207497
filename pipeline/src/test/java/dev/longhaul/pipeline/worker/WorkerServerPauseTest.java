/*
 * The pause before a failed run's next try honours a remote server's Retry-After (capped), and is
 * the worker's own doubling pause when the server said nothing.
 */
package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.CompletionException;

import dev.longhaul.pipeline.remote.OpenAiClient;
import org.junit.jupiter.api.Test;

class WorkerServerPauseTest {
    @Test
    void aServersRetryAfterIsTheLeastPauseUpToTenMinutes() {
        OpenAiClient.RemoteFailure limited = new OpenAiClient.RemoteFailure(429, "rate limited", null, Duration.ofSeconds(300));
        assertEquals(Duration.ofSeconds(300), Worker.serverPause(new CompletionException(limited)), "found under the wrapper");
        assertEquals(Worker.MAX_SERVER_PAUSE, Worker.serverPause(new OpenAiClient.RemoteFailure(503, "busy", null, Duration.ofDays(1))));
        assertEquals(Duration.ZERO, Worker.serverPause(new OpenAiClient.RemoteFailure(503, "busy", null)));
        assertEquals(Duration.ZERO, Worker.serverPause(new IllegalStateException("engine")));
    }
}
