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
    /** How long a thread that met an outage waits before its replacement starts; doubled for each outage in a row. */
    public static final Duration OUTAGE_PAUSE = Duration.ofSeconds(5);
    /** The longest pause: a registry down for long is tried every five minutes or so. */
    static final Duration MAX_PAUSE = Duration.ofMinutes(5);
    /** Outages further apart than this are not in a row. */
    static final Duration STREAK_RESET = Duration.ofMinutes(10);

    private final Duration pause;
    private int streak;
    private long lastOutage;

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
        Duration wait = nextPause(System.nanoTime());
        LOG.log(System.Logger.Level.WARNING, "the schema registry failed a pipeline stream thread ({0}); replacing the"
                + " thread in {1} ms, its tasks go on from their last commit",
                Failures.find(exception, RegistryException.class).map(Throwable::getMessage).orElse(null), wait.toMillis());
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /**
     * The pause before the next replacement: OUTAGE_PAUSE, doubled for each outage less than
     * STREAK_RESET after the one before (a record that meets the same 5xx at every try, a registry
     * down for an hour), at most MAX_PAUSE.
     */
    synchronized Duration nextPause(long nowNanos) {
        if (streak > 0 && nowNanos - lastOutage > STREAK_RESET.toNanos()) {
            streak = 0;
        }
        streak++;
        lastOutage = nowNanos;
        long millis = pause.toMillis() << Math.min(streak - 1, 20);
        return Duration.ofMillis(Math.min(millis, MAX_PAUSE.toMillis()));
    }

    /**
     * Whether e's cause chain holds the registry's refusal of a schema under a subject: 409 (it is
     * incompatible with what the subject holds), 403 (the subject is not ours to write) or 42205
     * (the subject is read-only or importing). Other refusals (401: our credentials; 422 otherwise:
     * our schema) are faults of this deployment, not of a tenant's subject.
     */
    public static boolean registryRefusal(Throwable e) {
        return Failures.find(e, RegistryException.class)
                .filter(r -> r.status() == 409 || r.status() == 403 || r.errorCode() == 42205).isPresent();
    }

    /**
     * Whether e's cause chain holds a RegistryException that another try may not meet: no answer,
     * a 5xx, 408 or 429. A refusal (401, 403, 409 for a schema it will not take...) would meet the
     * same answer at every replacement, so it stops the client like any other fault.
     */
    public static boolean registryOutage(Throwable e) {
        return Failures.find(e, RegistryException.class)
                .filter(r -> r.status() == 0 || r.status() >= 500 || r.status() == 408 || r.status() == 429).isPresent();
    }
}
