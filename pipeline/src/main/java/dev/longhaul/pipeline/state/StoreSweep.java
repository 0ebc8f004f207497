/*
 * A sweep over a key-value store in bounded slices: each call reads at most SLICE entries,
 * starting after the last key the previous call read, and starts again from the first key once it
 * has reached the end. A punctuator that must look at every entry eventually (retention) uses one
 * so that no single punctuation reads the whole store. The position lives in memory only: after a
 * restart the sweep begins again from the first key, which costs one extra pass and loses nothing.
 */
package dev.longhaul.pipeline.state;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

public final class StoreSweep<V> {
    /** Entries read per call (per punctuation of the retention sweeps that use one). */
    public static final int SLICE = 1024;

    /** The last key read; null: the next slice starts at the first key. */
    private String after;

    /**
     * The next slice of entries, copied out so that the caller may change the store while it walks
     * them (a store iterator must be closed before its store is written).
     */
    public List<KeyValue<String, V>> next(KeyValueStore<String, V> store) {
        List<KeyValue<String, V>> out = new ArrayList<>();
        // "\0" appended: the smallest key after `after`, so the range excludes it
        try (KeyValueIterator<String, V> it = after == null ? store.all() : store.range(after + "\0", null)) {
            while (out.size() < SLICE && it.hasNext()) {
                out.add(it.next());
            }
            after = it.hasNext() ? out.getLast().key : null;
        }
        return out;
    }
}
