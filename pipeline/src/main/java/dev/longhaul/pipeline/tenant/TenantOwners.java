/*
 * Who owns each tenant job id, and for how long it is remembered: STORE maps a job id to its
 * owning tenant and the wall-clock time the id was last heard of (a tenant's record about it at
 * the gate, or a status of the job). Admission (TenantGate) claims ids and refuses other tenants'
 * records about them; delivery (TenantDelivery) routes a job's results to the owner; a job's
 * progress statuses keep its entry fresh while it runs. An entry not heard of for `retention` (the
 * planner's settled-job retention) is deleted by the gate's sweep, StoreSweep.SLICE entries per
 * punctuation, once its job has ended (below), so the store does not keep every job id ever seen.
 *
 * An entry is rewritten at most once per refresh interval (a 64th of the retention, at most a
 * minute), not for every chunk and progress status, so a long document costs few changelog
 * records; the id is then forgotten between `retention` and `retention` plus that interval after
 * the job was last heard of.
 *
 * A job that has not ended is never forgotten, however long it goes unheard of: a job paused for
 * longer than the retention sends no statuses, and its tenant must still be able to resume or
 * cancel it (and receive its results). So the entry also keeps the state and submission of the
 * job's latest status (judged as every reader of `status` judges it, JobStates.staleAfter: a
 * duplicate id refused at once, or a late tick of an ended life, changes nothing), and the sweep
 * forgets only entries whose job has ended, or of which no status was ever heard (an id claimed
 * by records that never became a job).
 *
 * Values are "tenant NUL millis [NUL state NUL submission]". A value written before the time was
 * kept is the tenant alone; the sweep stamps it with the time it first meets it, so it is kept a
 * full retention from then. A value without a state is of a job of which no status was heard.
 */
package dev.longhaul.pipeline.tenant;

import java.time.Duration;

import dev.longhaul.pipeline.state.StoreSweep;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStates;
import dev.longhaul.schemas.JobStatus;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

public final class TenantOwners {
    /** Job id -> "tenant NUL last-heard-of millis". */
    public static final String STORE = "tenant-owners";
    private static final char SEPARATOR = '\0';
    private static final long UNKNOWN = -1;

    /**
     * The owning tenant, when the job id was last heard of (UNKNOWN for an entry written without
     * it), and the state and submission of the job's latest status (null state: none heard).
     */
    record Owner(String tenant, long lastSeen, JobState state, String submission) {
        Owner(String tenant, long lastSeen) {
            this(tenant, lastSeen, null, "");
        }

        Owner seenAt(long now) {
            return new Owner(tenant, now, state, submission);
        }

        /** Whether the job has had a status and has not ended: such an entry is never swept. */
        boolean open() {
            return state != null && !JobStates.isFinal(state);
        }

        String encoded() {
            String value = tenant + SEPARATOR + lastSeen;
            return state == null ? value : value + SEPARATOR + state.name() + SEPARATOR + submission;
        }

        static Owner decode(String value) {
            String[] parts = value.split(String.valueOf(SEPARATOR), -1);
            if (parts.length == 1) {
                return new Owner(value, UNKNOWN);
            }
            long lastSeen = Long.parseLong(parts[1]);
            return parts.length < 4 ? new Owner(parts[0], lastSeen) : new Owner(parts[0], lastSeen, JobState.valueOf(parts[2]), parts[3]);
        }
    }

    private final KeyValueStore<String, String> store;
    private final long retentionMillis;
    private final long refreshMillis;
    private final StoreSweep<String> sweep = new StoreSweep<>();

    /** The owners in `store`, each forgotten `retention` after the job was last heard of. */
    TenantOwners(KeyValueStore<String, String> store, Duration retention) {
        this.store = store;
        this.retentionMillis = retention.toMillis();
        this.refreshMillis = Math.min(60_000, retentionMillis / 64);
    }

    public static StoreBuilder<KeyValueStore<String, String>> storeBuilder() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.String());
    }

    /** The tenant that owns the job id, or null. */
    String owner(String jobId) {
        String value = store.get(jobId);
        return value == null ? null : Owner.decode(value).tenant();
    }

    /**
     * The job id was heard of at `now` on behalf of `tenant`: claims it for `tenant` if nobody owns
     * it, and keeps it remembered. The owner never changes.
     */
    void heardOf(String jobId, String tenant, long now) {
        String value = store.get(jobId);
        if (value == null) {
            store.put(jobId, new Owner(tenant, now).encoded());
            return;
        }
        Owner o = Owner.decode(value);
        if (o.lastSeen() == UNKNOWN || now - o.lastSeen() >= refreshMillis) {
            store.put(jobId, o.seenAt(now).encoded());
        }
    }

    /**
     * A status of the job was heard of at `now`: as heardOf, and the entry follows the job's
     * latest status, unless this one is stale after it (JobStates.staleAfter).
     */
    void statusOf(String jobId, String tenant, JobStatus status, long now) {
        String value = store.get(jobId);
        Owner o = value == null ? new Owner(tenant, now) : Owner.decode(value);
        boolean follows = o.state() == null
                || !JobStates.staleAfter(o.state(), o.submission(), status.getState(), status.getSubmissionId());
        Owner next = follows ? new Owner(o.tenant(), o.lastSeen(), status.getState(), status.getSubmissionId()) : o;
        if (value == null || !next.equals(o) || o.lastSeen() == UNKNOWN || now - o.lastSeen() >= refreshMillis) {
            store.put(jobId, next.seenAt(now).encoded());
        }
    }

    /** One slice of the sweep at wall-clock time `now`: deletes the entries not heard of for the retention. */
    void sweep(long now) {
        for (KeyValue<String, String> kv : sweep.next(store)) {
            Owner o = Owner.decode(kv.value);
            if (o.lastSeen() == UNKNOWN) {
                store.put(kv.key, o.seenAt(now).encoded());
            } else if (!o.open() && now - o.lastSeen() >= retentionMillis) {
                store.delete(kv.key);
            }
        }
    }
}
