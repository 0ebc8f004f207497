/*
 * One softmax layer's key/value cache for one sequence, owned by a backend: keys after RoPE and
 * values, `[tokens, n_kv, D]` each, kept in fixed-size pages so that it grows without copying and
 * a branch can share the pages it has not written to.
 */
package dev.longhaul.engine.backend;

public interface KvCache {
    /** Tokens held. */
    int length();

    /** Key/value heads per token (n_kv), as the cache was made for. */
    int kvHeads();

    /** Head size D, as the cache was made for. */
    int headDim();

    /** A copy that shares this cache's full pages and owns a copy of the partial last one. */
    KvCache fork();

    /** Bytes held by this cache's pages (shared pages counted in full). */
    long bytes();
}
