/*
 * Whether a failed run runs again: a failure that may pass within MAX_TRIES, but a remote server
 * out of the time budget once per order (each try resends the order's every task), whatever
 * failed before it; a bystander of an Error in the batch engine's other work like a failure that
 * may pass.
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
        // a bystander of an Error in the engine's other work runs again like a failure that may pass;
        // a step it shared runs once more (Worker.finish), an Error or engine fault of its own not at all
        var oom = new OutOfMemoryError("Java heap space (test)");
        var bystander = dev.longhaul.engine.batch.StepFailedException.bystander(5, oom);
        assertTrue(Worker.runsAgain(new CompletionException(bystander), tries(Worker.MAX_TRIES - 2, false)));
        assertFalse(Worker.runsAgain(bystander, tries(Worker.MAX_TRIES - 1, false)), "MAX_TRIES in all");
        assertFalse(Worker.runsAgain(new CompletionException(oom), Worker.Tries.NONE));
        assertFalse(Worker.runsAgain(new dev.longhaul.engine.batch.StepFailedException(3, oom), Worker.Tries.NONE));
        // a registry that could not answer may pass; one that refused the id (the REST client's
        // WireFormatException, carrying the registry's 404 as its cause) does not
        var unreachable = new dev.longhaul.schemas.wire.RegistryException("cannot reach the schema registry (test)", null);
        var refused = new dev.longhaul.schemas.wire.WireFormatException(dev.longhaul.schemas.wire.DeadLetterReason.UNKNOWN_SCHEMA_ID,
                "schema id 4711 is not known", new dev.longhaul.schemas.wire.RegistryException(404, 40403, "Schema 4711 not found"));
        assertTrue(Worker.registryDown(new CompletionException(unreachable)));
        assertFalse(Worker.registryDown(refused));
        assertFalse(Worker.runsAgain(new CompletionException(refused), Worker.Tries.NONE));
        assertTrue(Worker.timedOut(new CompletionException(slow)));
        assertFalse(Worker.timedOut(overloaded));
    }
}
