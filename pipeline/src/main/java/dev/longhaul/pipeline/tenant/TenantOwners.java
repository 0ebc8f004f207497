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
 * cancel it (and receive its results). So the state and submission of the job's latest status are
 * kept too (judged as every reader of `status` judges it, JobStates.staleAfter: a
 * duplicate id refused at once, or a late tick of an ended life, changes nothing), and the sweep
 * forgets only entries whose job has ended, or of which no status was ever heard (an id claimed
 * by records that never became a job).
 *
 * Values are "tenant NUL millis" (STORE), and "STATE NUL submission" of the latest status (LIVES,
 * a store of its own so that STORE's values keep the form earlier versions read). A value written
 * before the time was kept is the tenant alone; the sweep stamps it with the time it first meets
 * it, so it is kept a full retention from then. A job without a LIVES entry had no status heard.
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
    /**
     * Job id -> "STATE NUL submission" of the job's latest status, in a store of its own so that
     * STORE's values keep the form every version reads (an instance of a version before this one,
     * during a rollback, parses them).
     */
    public static final String LIVES = "tenant-owner-lives";
    /** Both stores, which every processor that reads or writes owners connects. */
    public static final String[] STORES = {STORE, LIVES};
    private static final char SEPARATOR = '\0';
    private static final long UNKNOWN = -1;

    /** The owning tenant, and when the job id was last heard of (UNKNOWN for an entry written without it). */
    record Owner(String tenant, long lastSeen) {
        String encoded() {
            return tenant + SEPARATOR + lastSeen;
        }

        static Owner decode(String value) {
            int at = value.indexOf(SEPARATOR);
            if (at < 0) {
                return new Owner(value, UNKNOWN);
            }
            int end = value.indexOf(SEPARATOR, at + 1); // more fields after it: ignored
            return new Owner(value.substring(0, at), Long.parseLong(value.substring(at + 1, end < 0 ? value.length() : end)));
        }
    }

    /** The state and submission of a job's latest status. */
    record Life(JobState state, String submission) {
        String encoded() {
            return state.name() + SEPARATOR + submission;
        }

        static Life decode(String value) {
            int at = value.indexOf(SEPARATOR);
            return new Life(JobState.valueOf(value.substring(0, at)), value.substring(at + 1));
        }

        /** Whether the job has not ended: its owner is never swept. */
        boolean open() {
            return !JobStates.isFinal(state);
        }
    }

    private final KeyValueStore<String, String> store;
    private final KeyValueStore<String, String> lives;
    private final long retentionMillis;
    private final long refreshMillis;
    private final StoreSweep<String> sweep = new StoreSweep<>();

    /** The owners in the processor's stores (STORES), each forgotten `retention` after the job was last heard of. */
    TenantOwners(org.apache.kafka.streams.processor.api.ProcessingContext context, Duration retention) {
        this(context.getStateStore(STORE), context.getStateStore(LIVES), retention);
    }

    TenantOwners(KeyValueStore<String, String> store, KeyValueStore<String, String> lives, Duration retention) {
        this.store = store;
        this.lives = lives;
        this.retentionMillis = retention.toMillis();
        this.refreshMillis = Math.min(60_000, retentionMillis / 64);
    }

    public static java.util.List<StoreBuilder<KeyValueStore<String, String>>> storeBuilders() {
        return java.util.List.of(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.String()),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LIVES), Serdes.String(), Serdes.String()));
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
            store.put(jobId, new Owner(o.tenant(), now).encoded());
        }
    }

    /**
     * A status of the job was heard of at `now`: as heardOf, and the job's life follows its latest
     * status, unless this one is stale after it (JobStates.staleAfter).
     */
    void statusOf(String jobId, String tenant, JobStatus status, long now) {
        heardOf(jobId, tenant, now);
        String value = lives.get(jobId);
        Life was = value == null ? null : Life.decode(value);
        if (was == null || !JobStates.staleAfter(was.state(), was.submission(), status.getState(), status.getSubmissionId())) {
            Life is = new Life(status.getState(), status.getSubmissionId());
            if (!is.equals(was)) {
                lives.put(jobId, is.encoded());
            }
        }
    }

    /**
     * One slice of the sweep at wall-clock time `now`: deletes the entries not heard of for the
     * retention, unless their job has had a status and not ended.
     */
    void sweep(long now) {
        for (KeyValue<String, String> kv : sweep.next(store)) {
            Owner o = Owner.decode(kv.value);
            if (o.lastSeen() == UNKNOWN) {
                store.put(kv.key, new Owner(o.tenant(), now).encoded());
            } else if (now - o.lastSeen() >= retentionMillis) {
                String life = lives.get(kv.key);
                if (life == null || !Life.decode(life).open()) {
                    store.delete(kv.key);
                    lives.delete(kv.key);
                }
            }
        }
    }
}
