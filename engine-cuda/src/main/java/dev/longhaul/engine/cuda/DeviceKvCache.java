/*
 * One softmax layer's KV cache for one sequence in device memory, in pages of PAGE_TOKENS tokens:
 * a key page is [n_kv][D][PAGE_TOKENS] and a value page [PAGE_TOKENS][n_kv][D] (the layouts the
 * attention kernels read; the same as the CPU backends'). Only the last page is ever written and
 * full pages are immutable, so fork() shares the full pages and copies the partial last one on the
 * device. A page goes back to its pool when no cache refers to it any more.
 */
package dev.longhaul.engine.cuda;

import dev.longhaul.engine.backend.KvCache;
import java.util.ArrayList;
import java.util.List;

final class DeviceKvCache implements KvCache {
    static final int PAGE_TOKENS = 256;

    private final KvPages pool;
    private final List<KvPages.Page> keys;
    private final List<KvPages.Page> values;
    private int length;

    DeviceKvCache(KvPages pool) {
        this(pool, new ArrayList<>(), new ArrayList<>(), 0);
    }

    private DeviceKvCache(KvPages pool, List<KvPages.Page> keys, List<KvPages.Page> values, int length) {
        this.pool = pool;
        this.keys = keys;
        this.values = values;
        this.length = length;
    }

    static DeviceKvCache of(KvCache c) {
        if (c instanceof DeviceKvCache d) {
            return d;
        }
        throw new IllegalArgumentException("cache " + c + " does not belong to the CUDA backend");
    }

    /** Pages needed to hold `tokens` tokens. */
    static int pagesFor(int tokens) {
        return (tokens + PAGE_TOKENS - 1) / PAGE_TOKENS;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int kvHeads() {
        return pool.kvHeads;
    }

    @Override
    public int headDim() {
        return pool.headDim;
    }

    /**
     * The pages holding the `length` tokens are the fork's: full ones shared, the partial one copied.
     * Pages reserved past them (a call that failed after reserving) stay this cache's alone, since
     * both caches would write into a shared one.
     */
    @Override
    public KvCache fork() {
        int held = pagesFor(length);
        List<KvPages.Page> k = new ArrayList<>(keys.subList(0, held));
        List<KvPages.Page> v = new ArrayList<>(values.subList(0, held));
        if (length % PAGE_TOKENS != 0) {
            int last = held - 1;
            k.set(last, pool.copyOf(k.get(last)));
            v.set(last, pool.copyOf(v.get(last)));
        }
        return new DeviceKvCache(pool, k, v, length);
    }

    @Override
    public long bytes() {
        return 2L * keys.size() * pool.pageBytes();
    }

    /** Makes room for `tokens` tokens in total (pages are allocated, not yet written). */
    void reserve(int tokens) {
        while (keys.size() < pagesFor(tokens)) {
            // both pages before either list grows: a value page the device cannot give would
            // otherwise leave a key page without its value page, and the page table and fork()
            // index past the values (an unkept key page goes back to the pool by its Cleaner)
            KvPages.Page key = pool.take();
            KvPages.Page value = pool.take();
            keys.add(key);
            values.add(value);
        }
    }

    /** Records that `tokens` more tokens were written by the append kernel. */
    void advance(int tokens) {
        length += tokens;
    }

    int pageCount() {
        return keys.size();
    }

    /** Writes the device addresses of this cache's key pages, then its value pages, from `at`. */
    int writePageTable(long[] table, int at) {
        for (int p = 0; p < keys.size(); p++) {
            table[at + p] = keys.get(p).buffer().address();
            table[at + keys.size() + p] = values.get(p).buffer().address();
        }
        return at + 2 * keys.size();
    }
}
