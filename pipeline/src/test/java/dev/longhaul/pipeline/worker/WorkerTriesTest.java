/*
 * Whether a failed run runs again: a failure that may pass within MAX_TRIES, but a remote server
 * out of the time budget once per order (each try resends the order's every task), whatever
 * failed before it.
 */
package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.pipeline.remote.OpenAiClient;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class WorkerTriesTest {
    private static Worker.Tries tries(int count, boolean timedOut) {
        return new Worker.Tries(count, 0, null, timedOut);
    }

    @Test
    void aServerOutOfTheTimeBudgetRunsAgainOnceAndOtherFailuresThatMayPassUpToMaxTries() {
        OpenAiClient.RemoteFailure overloaded = new OpenAiClient.RemoteFailure(503, "overloaded", null);
        OpenAiClient.RemoteFailure slow = OpenAiClient.RemoteFailure.timedOut("did not answer in full within PT2M", null);
        assertTrue(Worker.runsAgain(new CompletionException(overloaded), Worker.Tries.NONE));
        assertTrue(Worker.runsAgain(overloaded, tries(Worker.MAX_TRIES - 2, false)));
        assertFalse(Worker.runsAgain(overloaded, tries(Worker.MAX_TRIES - 1, false)), "MAX_TRIES in all");
        assertFalse(Worker.runsAgain(new IllegalStateException("an engine fault"), Worker.Tries.NONE));
        // a first timeout runs again, also after three 503s; a second one does not
        assertTrue(Worker.runsAgain(new CompletionException(slow), Worker.Tries.NONE));
        assertTrue(Worker.runsAgain(slow, tries(3, false)));
        assertFalse(Worker.runsAgain(slow, tries(1, true)));
        // an overloaded server after a timeout still has its tries
        assertTrue(Worker.runsAgain(overloaded, tries(2, true)));
        assertTrue(Worker.timedOut(new CompletionException(slow)));
        assertFalse(Worker.timedOut(overloaded));
    }
}
