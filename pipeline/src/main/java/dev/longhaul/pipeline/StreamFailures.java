/*
 * What a pipeline stream thread does with an exception that escapes the topology. The serdes turn
 * every answer about the data read into a SerializationException, which the processors
 * dead-letter, and a registry's refusal of a schema written to a tenant's own topic drops that
 * copy (TenantOutputFailures, TenantGate); a RegistryException that still escapes with no answer
 * or a 5xx, 408 or 429 means the schema registry could not serve it (an outage, a restart). Such
 * a thread is replaced after a pause, and its tasks start again from their last commit
 * (exactly-once), so an outage stops processing while it lasts and not after; Streams' default stopped the whole client, and
 * with it every tenant, the planner and the dispatcher, until something restarted the process.
 * Anything else stops the client, as before: a fault of the code must not loop.
 */
package dev.longhaul.pipeline;

import java.time.Duration;

import dev.longhaul.schemas.wire.RegistryException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

public final class StreamFailures implements StreamsUncaughtExceptionHandler {
    private static final System.Logger LOG = System.getLogger(StreamFailures.class.getName());
    /** How long a thread that met an outage waits before its replacement starts. */
    public static final Duration OUTAGE_PAUSE = Duration.ofSeconds(5);

    private final Duration pause;

    public StreamFailures() {
        this(OUTAGE_PAUSE);
    }

    StreamFailures(Duration pause) {
        this.pause = pause;
    }

    @Override
    public StreamThreadExceptionResponse handle(Throwable exception) {
        if (!registryOutage(exception)) {
            LOG.log(System.Logger.Level.ERROR, "a pipeline stream thread failed; stopping the pipeline", exception);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        LOG.log(System.Logger.Level.WARNING, "the schema registry failed a pipeline stream thread ({0}); replacing the"
                + " thread in {1} ms, its tasks go on from their last commit", rootMessage(exception), pause.toMillis());
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /** Whether e's cause chain holds a RegistryException that is no outage: the registry's refusal. */
    public static boolean registryRefusal(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof RegistryException) {
                return !registryOutage(c);
            }
        }
        return false;
    }

    /**
     * Whether e's cause chain holds a RegistryException that another try may not meet: no answer,
     * a 5xx, 408 or 429. A refusal (401, 403, 409 for a schema it will not take...) would meet the
     * same answer at every replacement, so it stops the client like any other fault.
     */
    public static boolean registryOutage(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof RegistryException r) {
                return r.status() == 0 || r.status() >= 500 || r.status() == 408 || r.status() == 429;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null && c.getCause() != c && !(c instanceof RegistryException)) {
            c = c.getCause();
        }
        return String.valueOf(c.getMessage());
    }
}
