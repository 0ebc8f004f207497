/*
 * A paged key/value cache in the Java heap. Pages hold PAGE_TOKENS tokens of [n_kv, D] keys and
 * values. Only the last page is ever written; full pages are immutable, so fork() shares them and
 * copies just the partial one.
 */
package dev.longhaul.engine.cpu;

import dev.longhaul.engine.backend.KvCache;
import java.util.ArrayList;
import java.util.List;

public final class HostKvCache implements KvCache {
    static final int PAGE_TOKENS = 256;

    private final int width; // n_kv · D
    private final List<float[]> keyPages;
    private final List<float[]> valuePages;
    private int length;

    HostKvCache(int kvHeads, int headDim) {
        this(kvHeads * headDim, new ArrayList<>(), new ArrayList<>(), 0);
    }

    private HostKvCache(int width, List<float[]> keys, List<float[]> values, int length) {
        this.width = width;
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
    public KvCache fork() {
        List<float[]> k = new ArrayList<>(keyPages);
        List<float[]> v = new ArrayList<>(valuePages);
        if (length % PAGE_TOKENS != 0) {
            int last = k.size() - 1;
            k.set(last, k.get(last).clone());
            v.set(last, v.get(last).clone());
        }
        return new HostKvCache(width, k, v, length);
    }

    @Override
    public long bytes() {
        return 2L * keyPages.size() * PAGE_TOKENS * width * Float.BYTES;
    }

    /** Appends one token's key and value rows (each `width` floats from the given offsets). */
    void append(float[] key, int keyOffset, float[] value, int valueOffset) {
        int slot = length % PAGE_TOKENS;
        if (slot == 0) {
            keyPages.add(new float[PAGE_TOKENS * width]);
            valuePages.add(new float[PAGE_TOKENS * width]);
        }
        System.arraycopy(key, keyOffset, keyPages.get(keyPages.size() - 1), slot * width, width);
        System.arraycopy(value, valueOffset, valuePages.get(valuePages.size() - 1), slot * width, width);
        length++;
    }

    float[] keyPage(int token) {
        return keyPages.get(token / PAGE_TOKENS);
    }

    float[] valuePage(int token) {
        return valuePages.get(token / PAGE_TOKENS);
    }

    /** Offset of (token, kvHead) inside its page. */
    int offset(int token, int kvHead, int headDim) {
        return (token % PAGE_TOKENS) * width + kvHead * headDim;
    }
}
