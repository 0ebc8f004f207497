/*
 * Who owns each tenant job id, and for how long it is remembered: STORE maps a job id to its
 * owning tenant and the wall-clock time the id was last heard of (a tenant's record about it at
 * the gate, or a status of the job). Admission (TenantGate) claims ids and refuses other tenants'
 * records about them; delivery (TenantDelivery) routes a job's results to the owner; a job's
 * progress statuses keep its entry fresh while it runs. An entry not heard of for `retention` (the
 * planner's settled-job retention, which must outlast the longest job) is deleted by the gate's
 * sweep, StoreSweep.SLICE entries per punctuation, so the store does not keep every job id ever
 * seen.
 *
 * An entry is rewritten at most once per refresh interval (a 64th of the retention, at most a
 * minute), not for every chunk and progress status, so a long document costs few changelog
 * records; the id is then forgotten between `retention` and `retention` plus that interval after
 * the job was last heard of.
 *
 * Values are "tenant NUL millis". A value written before the time was kept is the tenant alone;
 * the sweep stamps it with the time it first meets it, so it is kept a full retention from then.
 */
package dev.longhaul.pipeline.tenant;

import java.time.Duration;

import dev.longhaul.pipeline.state.StoreSweep;
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
            return new Owner(value.substring(0, at), Long.parseLong(value.substring(at + 1)));
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
            store.put(jobId, new Owner(o.tenant(), now).encoded());
        }
    }

    /** One slice of the sweep at wall-clock time `now`: deletes the entries not heard of for the retention. */
    void sweep(long now) {
        for (KeyValue<String, String> kv : sweep.next(store)) {
            Owner o = Owner.decode(kv.value);
            if (o.lastSeen() == UNKNOWN) {
                store.put(kv.key, new Owner(o.tenant(), now).encoded());
            } else if (now - o.lastSeen() >= retentionMillis) {
                store.delete(kv.key);
            }
        }
    }
}
