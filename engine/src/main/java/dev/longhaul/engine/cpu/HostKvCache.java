/*
 * A paged key/value cache in the Java heap. A page holds PAGE_TOKENS tokens. Keys are stored
 * transposed within a page, [n_kv][D][PAGE_TOKENS], so a query's scores against a page are
 * contiguous multiply-adds along the tokens; values are [PAGE_TOKENS][n_kv][D], so the weighted
 * value sum runs along D. Only the last page is ever written; full pages are immutable, so fork()
 * shares them and copies just the partial one.
 */
package dev.longhaul.engine.cpu;

import dev.longhaul.engine.backend.KvCache;
import java.util.ArrayList;
import java.util.List;

public final class HostKvCache implements KvCache {
    static final int PAGE_TOKENS = 256;

    private final int kvHeads;
    private final int headDim;
    private final List<float[]> keyPages;   // [n_kv][D][PAGE_TOKENS]
    private final List<float[]> valuePages; // [PAGE_TOKENS][n_kv][D]
    private int length;

    HostKvCache(int kvHeads, int headDim) {
        this(kvHeads, headDim, new ArrayList<>(), new ArrayList<>(), 0);
    }

    private HostKvCache(int kvHeads, int headDim, List<float[]> keys, List<float[]> values, int length) {
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.keyPages = keys;
        this.valuePages = values;
        this.length = length;
    }

    static HostKvCache of(KvCache c) {
        if (c instanceof HostKvCache h) {
            return h;
        }
        throw new IllegalArgumentException("cache " + c + " does not belong to a CPU backend");
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int kvHeads() {
        return kvHeads;
    }

    @Override
    public int headDim() {
        return headDim;
    }

    @Override
    public KvCache fork() {
        List<float[]> k = new ArrayList<>(keyPages);
        List<float[]> v = new ArrayList<>(valuePages);
        if (length % PAGE_TOKENS != 0) {
            int last = k.size() - 1;
            k.set(last, k.get(last).clone());
            v.set(last, v.get(last).clone());
        }
        return new HostKvCache(kvHeads, headDim, k, v, length);
    }

    @Override
    public long bytes() {
        return 2L * keyPages.size() * PAGE_TOKENS * kvHeads * headDim * Float.BYTES;
    }

    /** Appends one token's key and value rows ([n_kv][D] each, from the given offsets). */
    void append(float[] key, int keyOffset, float[] value, int valueOffset) {
        int slot = length % PAGE_TOKENS;
        int width = kvHeads * headDim;
        if (slot == 0) {
            keyPages.add(new float[PAGE_TOKENS * width]);
            valuePages.add(new float[PAGE_TOKENS * width]);
        }
        float[] kp = keyPages.get(keyPages.size() - 1);
        for (int i = 0; i < width; i++) {
            kp[i * PAGE_TOKENS + slot] = key[keyOffset + i]; // i = g·D + a
        }
        System.arraycopy(value, valueOffset, valuePages.get(valuePages.size() - 1), slot * width, width);
        length++;
    }

    /** Keys of page p, [n_kv][D][PAGE_TOKENS]. */
    float[] keyPage(int p) {
        return keyPages.get(p);
    }

    /** Values of page p, [PAGE_TOKENS][n_kv][D]. */
    float[] valuePage(int p) {
        return valuePages.get(p);
    }

    /** Element a of the key of (token, kvHead). */
    float key(int token, int kvHead, int a) {
        return keyPages.get(token / PAGE_TOKENS)[(kvHead * headDim + a) * PAGE_TOKENS + token % PAGE_TOKENS];
    }

    /** Offset of the value row of (token, kvHead) inside valuePage(token / PAGE_TOKENS). */
    int valueOffset(int token, int kvHead) {
        return ((token % PAGE_TOKENS) * kvHeads + kvHead) * headDim;
    }

    /** Offset of the keys of (kvHead, dim a) inside a key page: PAGE_TOKENS contiguous tokens. */
    static int keyOffset(int kvHead, int a, int headDim) {
        return (kvHead * headDim + a) * PAGE_TOKENS;
    }
}
