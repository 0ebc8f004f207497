/*
 * The Drain parse tree (He et al., ICWS 2017), online: each masked token sequence descends
 * root -> token count -> its first prefixTokens tokens (a token with a digit or a wildcard takes
 * the <*> branch; a full node also sends new tokens there) -> a leaf holding a few templates. The
 * line joins the most similar template of its leaf when the similarity reaches the threshold; the
 * template then keeps the tokens both agree on and generalises the rest (only the differing middle
 * of a token: `user=root` and `user=guest` give `user=<*>`).
 *
 * Two changes to Drain, both generic:
 *  - similarity ignores positions that are wildcards on both sides, so a line whose every
 *    variable is masked is judged on its constant words only, and a template that has learnt a
 *    position is variable keeps accepting values there (Drain counts those as misses, which splits
 *    events with many parameters);
 *  - a line no template of its leaf accepts is tried against the templates of the same length in
 *    other leaves before a new template is made, with a stricter threshold: a variable first word
 *    without digits (a user name, a host) would otherwise fork a new branch per value.
 *
 * Memory and time are bounded whatever the log: a leaf holds at most LEAF_TEMPLATES templates, a
 * line is tried against at most CROSS_LEAF_TEMPLATES of its length in other leaves (the first made,
 * which the commonest events usually are), at most MAX_TEMPLATES are made in all, and together
 * they hold at most MAX_HELD_TOKENS tokens of MAX_HELD_CHARS chars (lines of thousands of tokens
 * would otherwise make the template count alone a bound of gigabytes); once any is reached the tree
 * grows no new nodes.
 * A line that would need a template past a bound joins its length's catch-all template (every
 * token <*>; one for all lengths from CATCH_ALL_LENGTHS up), so its count is kept; without the bounds, a log of unique lines (or binary data) made a template a
 * line and compared every line with all of them. Drain's tree holds the nodes and templates only;
 * a line is never kept. Cluster ids are dense ints in creation order. Not thread-safe.
 */
package dev.longhaul.pipeline.analyze.logs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

final class TemplateTree {
    /** One template: its tokens (wildcards where the values differed) and how many lines it took. */
    static final class Cluster {
        final int id;
        final String[] tokens;
        long count;

        Cluster(int id, String[] tokens) {
            this.id = id;
            this.tokens = tokens;
        }

        String template() {
            return String.join(" ", tokens);
        }
    }

    private static final class Node {
        final Map<String, Node> children = new HashMap<>();
        final List<Cluster> clusters = new ArrayList<>();
    }

    /** Templates a leaf holds. */
    static final int LEAF_TEMPLATES = 256;
    /** Templates of a line's length in other leaves it is tried against. */
    static final int CROSS_LEAF_TEMPLATES = 512;
    /** Templates made in all (catch-alls aside). */
    static final int MAX_TEMPLATES = 20_000;
    /** Tokens the templates hold in all (catch-alls aside): tens of megabytes at most. */
    static final long MAX_HELD_TOKENS = 1_000_000;
    /** Chars those tokens hold in all (each counted at the length it has when its template is made). */
    static final long MAX_HELD_CHARS = 16_000_000;
    /** Lines of at least this many tokens share one catch-all. */
    static final int CATCH_ALL_LENGTHS = 512;

    private final LogTemplateConfig config;
    private final Map<Integer, Cluster> catchAll = new HashMap<>();
    private final Map<Integer, Node> byLength = new HashMap<>();
    private final Map<Integer, List<Cluster>> sameLength = new HashMap<>();
    private final List<Cluster> clusters = new ArrayList<>();
    private long heldTokens;
    private long heldChars;

    TemplateTree(LogTemplateConfig config) {
        this.config = config;
    }

    /** Places one masked token sequence; returns the template it joined or started. */
    Cluster add(List<String> tokens) {
        String[] seq = tokens.toArray(String[]::new);
        long chars = 0;
        for (String token : seq) {
            chars += token.length();
        }
        boolean full = clusters.size() - catchAll.size() >= MAX_TEMPLATES || heldTokens + seq.length > MAX_HELD_TOKENS
                || heldChars + chars > MAX_HELD_CHARS;
        // the line's leaf if it exists; null where it does not (yet): Drain makes a leaf's path only
        // for a new template, so that a line joining another leaf's template leaves no empty leaf
        // (nodes that counted against no bound, one per such line)
        Node leaf = descend(seq, full ? Descent.LOOK_UP : Descent.PEEK);
        Cluster best = leaf == null ? null : bestMatch(leaf.clusters, seq, config.similarity());
        if (best == null) {
            List<Cluster> others = sameLength.getOrDefault(seq.length, List.of());
            best = bestMatch(others.subList(0, Math.min(others.size(), CROSS_LEAF_TEMPLATES)), seq, config.crossLeafSimilarity());
        }
        if (best == null && (full || leaf != null && leaf.clusters.size() >= LEAF_TEMPLATES)) {
            best = catchAll.computeIfAbsent(Math.min(seq.length, CATCH_ALL_LENGTHS), n -> {
                String[] any = new String[n];
                java.util.Arrays.fill(any, TokenMasker.WILDCARD);
                Cluster c = new Cluster(clusters.size(), any);
                clusters.add(c);
                return c;
            });
        } else if (best == null) {
            if (leaf == null) {
                leaf = descend(seq, Descent.GROW);
            }
            best = new Cluster(clusters.size(), seq.clone());
            heldTokens += seq.length;
            heldChars += chars;
            clusters.add(best);
            leaf.clusters.add(best);
            sameLength.computeIfAbsent(seq.length, k -> new ArrayList<>()).add(best);
        } else {
            generalise(best.tokens, seq);
        }
        best.count++;
        return best;
    }

    /** Tokens the templates hold (catch-alls aside). */
    long heldTokens() {
        return heldTokens;
    }

    /** Chars of those tokens. */
    long heldChars() {
        return heldChars;
    }

    /** Nodes of the parse tree, the length layer's included (what the template bounds must keep small too). */
    int nodes() {
        java.util.ArrayDeque<Node> todo = new java.util.ArrayDeque<>(byLength.values());
        int n = 0;
        for (Node node; (node = todo.poll()) != null; n++) {
            todo.addAll(node.children.values());
        }
        return n;
    }

    /** Every template in creation order (index = cluster id). */
    List<Cluster> clusters() {
        return clusters;
    }

    /** How descend() treats a node on the way that has no branch for the line's word. */
    private enum Descent {
        /** Makes it (the <*> branch of a node with maxChildren words): a new template's path. */
        GROW,
        /** The leaf GROW would reach if it made nothing, else null. */
        PEEK,
        /** The <*> branch, else null: a full tree makes nothing, and sends the word where Drain does. */
        LOOK_UP
    }

    /** The line's leaf, or null where `how` finds none. */
    private Node descend(String[] seq, Descent how) {
        Node node = how == Descent.GROW ? byLength.computeIfAbsent(seq.length, k -> new Node()) : byLength.get(seq.length);
        if (node == null) {
            return null;
        }
        int depth = Math.min(config.prefixTokens(), seq.length);
        for (int i = 0; i < depth; i++) {
            String key = TokenMasker.isVariable(seq[i]) ? TokenMasker.WILDCARD : seq[i];
            Node child = node.children.get(key);
            if (child == null) {
                // Drain: a node with maxChildren distinct words sends any further word to <*>.
                boolean full = node.children.size() >= config.maxChildren() - 1;
                child = switch (how) {
                    case GROW -> node.children.computeIfAbsent(full ? TokenMasker.WILDCARD : key, k -> new Node());
                    case PEEK -> full ? node.children.get(TokenMasker.WILDCARD) : null;
                    case LOOK_UP -> node.children.get(TokenMasker.WILDCARD);
                };
                if (child == null) {
                    return null;
                }
            }
            node = child;
        }
        return node;
    }

    /** The most similar template at or above threshold; ties go to the one with fewer wildcards. */
    private static Cluster bestMatch(List<Cluster> candidates, String[] seq, double threshold) {
        Cluster best = null;
        double bestSim = -1;
        int bestWild = Integer.MAX_VALUE;
        for (Cluster c : candidates) {
            double sim = similarity(c.tokens, seq);
            int wild = wildcards(c.tokens);
            if (sim > bestSim || (sim == bestSim && wild < bestWild)) {
                best = c;
                bestSim = sim;
                bestWild = wild;
            }
        }
        return bestSim >= threshold ? best : null;
    }

    /**
     * Share of the informative positions where template and line agree. A position is
     * informative unless both sides are the bare wildcard; a template wildcard (pure or partial,
     * e.g. `user=<*>`) agrees with any value that fits its constant prefix and suffix. A line with
     * no informative position matches a template with none.
     */
    static double similarity(String[] template, String[] seq) {
        int informative = 0;
        int agree = 0;
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            String s = seq[i];
            if (t.equals(TokenMasker.WILDCARD) && s.equals(TokenMasker.WILDCARD)) {
                continue;
            }
            informative++;
            if (fits(t, s)) {
                agree++;
            }
        }
        return informative == 0 ? 1.0 : (double) agree / informative;
    }

    /** True when the line token is the template token or an instance of its wildcard pattern. */
    static boolean fits(String template, String token) {
        if (template.equals(token)) {
            return true;
        }
        int first = template.indexOf(TokenMasker.WILDCARD);
        if (first < 0) {
            return false;
        }
        int last = template.lastIndexOf(TokenMasker.WILDCARD);
        String prefix = template.substring(0, first);
        String suffix = template.substring(last + TokenMasker.WILDCARD.length());
        return token.length() >= prefix.length() + suffix.length()
                && token.startsWith(prefix) && token.endsWith(suffix);
    }

    private static int wildcards(String[] tokens) {
        int n = 0;
        for (String t : tokens) {
            if (t.contains(TokenMasker.WILDCARD)) {
                n++;
            }
        }
        return n;
    }

    /** Template := template merged with the line, position by position. */
    private static void generalise(String[] template, String[] seq) {
        for (int i = 0; i < template.length; i++) {
            if (!fits(template[i], seq[i])) {
                template[i] = mergeToken(template[i], seq[i]);
            }
        }
    }

    /**
     * The pattern two differing tokens share: their common prefix up to and including its last
     * punctuation mark, a wildcard, and their common suffix from its first punctuation mark on.
     * Cutting at punctuation keeps `user=<*>` from `user=root`/`user=guest` but never makes
     * `ro<*>` out of `root`/`robert`.
     */
    static String mergeToken(String a, String b) {
        int max = Math.min(a.length(), b.length());
        int p = 0;
        while (p < max && a.charAt(p) == b.charAt(p)) {
            p++;
        }
        while (p > 0 && Character.isLetterOrDigit(a.charAt(p - 1))) {
            p--;
        }
        int s = 0;
        while (s < max - p && a.charAt(a.length() - 1 - s) == b.charAt(b.length() - 1 - s)) {
            s++;
        }
        while (s > 0 && Character.isLetterOrDigit(a.charAt(a.length() - s))) {
            s--;
        }
        String prefix = a.substring(0, p);
        String suffix = a.substring(a.length() - s);
        String merged = prefix + TokenMasker.WILDCARD + suffix;
        return merged.replace("<*><*>", TokenMasker.WILDCARD);
    }
}
