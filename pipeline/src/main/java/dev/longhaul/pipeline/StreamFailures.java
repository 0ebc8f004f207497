/*
 * What a pipeline stream thread does with an exception that escapes the topology. The serdes turn
 * every answer about the data itself into a SerializationException, which the processors
 * dead-letter; a RegistryException that still escapes means the schema registry could not be
 * reached or answered with an error of its own (an outage, a restart). Such a thread is replaced
 * after a pause, and its tasks start again from their last commit (exactly-once), so an outage
 * stops processing while it lasts and not after; Streams' default stopped the whole client, and
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

    /** Whether e's cause chain holds a RegistryException. */
    static boolean registryOutage(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof RegistryException) {
                return true;
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
