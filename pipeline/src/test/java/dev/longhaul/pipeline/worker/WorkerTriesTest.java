/*
 * How many tries a failed run gets: a remote server out of the time budget twice in all (each try
 * resends the order's every task), any other failure that may pass MAX_TRIES.
 */
package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.longhaul.pipeline.remote.OpenAiClient;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class WorkerTriesTest {
    @Test
    void aServerOutOfTheTimeBudgetIsTriedTwiceAndOtherFailuresThatMayPassMaxTriesTimes() {
        OpenAiClient.RemoteFailure overloaded = new OpenAiClient.RemoteFailure(503, "overloaded", null);
        OpenAiClient.RemoteFailure unreachable = new OpenAiClient.RemoteFailure(0, "connection refused", null);
        assertEquals(Worker.MAX_TRIES, Worker.triesFor(new CompletionException(overloaded)));
        assertEquals(Worker.MAX_TRIES, Worker.triesFor(unreachable));
        assertEquals(Worker.MAX_TRIES, Worker.triesFor(new IllegalStateException("an engine fault")));
        OpenAiClient.RemoteFailure slow = OpenAiClient.RemoteFailure.timedOut("did not answer in full within PT2M", null);
        assertEquals(Worker.TIMED_OUT_TRIES, Worker.triesFor(new CompletionException(slow)));
    }
}
