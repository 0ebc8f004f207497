/*
 * Constrained decoding of JSON: a TokenConstraint.Factory over one JsonGrammar and one
 * TokenVocabulary. At each step a token is allowed iff feeding its bytes to the grammar's automaton
 * from the current state is accepted and the shortest completion after it still fits the tokens
 * left (one token per byte at worst, since every byte has a one-byte token); stop tokens are
 * allowed iff the document may end there, and the output stops by itself once nothing may follow.
 * So every output is complete, parses and validates, whatever the weights: near the budget only
 * the tokens on a shortest closing path remain. The allowed ids of a state (with the closing cost
 * after each) come from one walk of the vocabulary trie and are cached per state (LRU of
 * CACHE_STATES), keyed by Frame.key so that states no token can tell apart share an entry; the
 * budget check is then one comparison per allowed id. The factory is thread-safe; each Cursor
 * belongs to one sequence.
 */
package dev.longhaul.engine.constrain;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

public final class SchemaConstraint implements TokenConstraint.Factory {
    static final int CACHE_STATES = 256;

    private final JsonGrammar grammar;
    private final TokenVocabulary vocabulary;
    private final Map<Frame, Allowed> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Frame, Allowed> eldest) {
            return size() > CACHE_STATES;
        }
    };
    private final AtomicLong walks = new AtomicLong();
    private final AtomicLong lookups = new AtomicLong();

    public SchemaConstraint(JsonGrammar grammar, TokenVocabulary vocabulary) {
        this.grammar = Objects.requireNonNull(grammar, "grammar");
        this.vocabulary = Objects.requireNonNull(vocabulary, "vocabulary");
    }

    @Override
    public TokenConstraint start(int maxTokens, Set<Integer> stopTokens) {
        Frame first = grammar.start();
        if (first.closeCost() > maxTokens) {
            throw new IllegalArgumentException("the shortest output of the schema takes " + first.closeCost()
                    + " bytes, more than maxTokens " + maxTokens + " can be sure to hold");
        }
        return new Cursor(first, maxTokens, stopTokens.stream().mapToInt(Integer::intValue).sorted().toArray());
    }

    /** Trie walks done (cache misses) and mask look-ups so far, for diagnostics. */
    public long[] cacheCounters() {
        return new long[] {walks.get(), lookups.get()};
    }

    /** The ids allowed after `state` and the closing cost after each, in id-trie order. */
    record Allowed(int[] ids, int[] costs) {}

    Allowed allowed(Frame state) {
        lookups.incrementAndGet();
        Frame key = state.key(vocabulary.longest);
        Allowed hit;
        synchronized (cache) {
            hit = cache.get(key);
        }
        if (hit != null) {
            return hit;
        }
        Allowed computed = walk(key);
        synchronized (cache) {
            cache.put(key, computed);
        }
        return computed;
    }

    /** One preorder pass over the trie; a refused prefix skips its whole subtree. */
    private Allowed walk(Frame from) {
        walks.incrementAndGet();
        TokenVocabulary v = vocabulary;
        int[] ids = new int[64];
        int[] costs = new int[64];
        int n = 0;
        Frame[] at = new Frame[v.longest + 1];
        at[0] = from;
        for (int i = 0; i < v.nodes; ) {
            Frame f = at[v.depth[i] - 1].feed(v.label[i] & 0xFF);
            if (f == null) {
                i = v.end[i];
                continue;
            }
            at[v.depth[i]] = f;
            for (int id = v.head[i]; id >= 0; id = v.nextSameBytes[id]) {
                if (n == ids.length) {
                    ids = Arrays.copyOf(ids, 2 * n);
                    costs = Arrays.copyOf(costs, 2 * n);
                }
                ids[n] = id;
                costs[n++] = f.closeCost();
            }
            i++;
        }
        return new Allowed(Arrays.copyOf(ids, n), Arrays.copyOf(costs, n));
    }

    /** The constraint of one sequence: its automaton state and how many tokens it has emitted. */
    private final class Cursor implements TokenConstraint {
        private final int maxTokens;
        private final int[] stops;
        private Frame state;
        private int emitted;
        private float[] kept = new float[0];

        Cursor(Frame state, int maxTokens, int[] stops) {
            this.state = state;
            this.maxTokens = maxTokens;
            this.stops = stops;
        }

        @Override
        public void restrict(float[] logits) {
            Allowed a = allowed(state);
            int left = maxTokens - emitted - 1; // tokens that may follow this one
            if (kept.length < a.ids.length + stops.length) {
                kept = new float[a.ids.length + stops.length];
            }
            for (int k = 0; k < a.ids.length; k++) {
                kept[k] = a.ids[k] < logits.length ? logits[a.ids[k]] : Float.NEGATIVE_INFINITY;
            }
            for (int s = 0; s < stops.length; s++) {
                kept[a.ids.length + s] = stops[s] < logits.length ? logits[stops[s]] : Float.NEGATIVE_INFINITY;
            }
            Arrays.fill(logits, Float.NEGATIVE_INFINITY);
            int open = 0;
            for (int k = 0; k < a.ids.length; k++) {
                // a stop id inside the vocabulary would end the output: only where it may end
                if (a.costs[k] <= left && a.ids[k] < logits.length && Arrays.binarySearch(stops, a.ids[k]) < 0) {
                    logits[a.ids[k]] = kept[k];
                    open++;
                }
            }
            if (state.mayEnd()) {
                for (int s = 0; s < stops.length; s++) {
                    if (stops[s] < logits.length) {
                        logits[stops[s]] = kept[a.ids.length + s];
                        open++;
                    }
                }
            }
            if (open == 0) {
                throw new IllegalStateException("the constraint allows no token after " + emitted
                        + " tokens (state " + state + "); this is a bug");
            }
        }

        @Override
        public void accept(int tokenId) {
            byte[] b = vocabulary.bytes(tokenId);
            Frame f = b == null ? null : state;
            for (int i = 0; f != null && i < b.length; i++) {
                f = f.feed(b[i] & 0xFF);
            }
            if (f == null) {
                throw new IllegalStateException("token " + tokenId + " is not allowed here by the constraint");
            }
            state = f;
            emitted++;
        }

        /**
         * Done, or a document that may end here (a top-level number) with no stop token to end it
         * and no token that still fits the tokens left: it ends now, rather than at a next step
         * that could allow nothing.
         */
        @Override
        public boolean complete() {
            if (state.done()) {
                return true;
            }
            if (!state.mayEnd() || stops.length > 0) {
                return false;
            }
            int left = maxTokens - emitted - 1; // as restrict() will count for the next token
            Allowed a = allowed(state);
            for (int k = 0; k < a.ids.length; k++) {
                if (a.costs[k] <= left) {
                    return false;
                }
            }
            return true;
        }
    }
}
