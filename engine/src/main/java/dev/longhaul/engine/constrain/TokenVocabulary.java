/*
 * The vocabulary as constrained decoding sees it: each token id's bytes in decoded text (computed
 * once, from TextTokenizer.tokenBytes), laid out as a byte trie in preorder so that one walk feeds
 * every token to the grammar's automaton, sharing the work of common prefixes and skipping a whole
 * subtree as soon as its prefix is refused. Special tokens and tokens of no bytes are never offered.
 * Contract: the vocabulary holds a one-byte token for each of the 256 byte values (every byte-level
 * BPE vocabulary does, and SentencePiece's byte fallback), which is what lets a constraint always
 * close its output byte by byte within the token budget. Immutable; safe to share across threads.
 */
package dev.longhaul.engine.constrain;

import dev.longhaul.engine.tokenizer.TextTokenizer;
import java.util.Arrays;
import java.util.Comparator;

public final class TokenVocabulary {
    private final byte[][] bytes;  // [id] the token's bytes, null when never allowed
    final int nodes;
    final byte[] label;             // [node] the byte on the edge into the node
    final int[] depth;              // [node] 1 for children of the root
    final int[] end;                // [node] first node after its subtree (preorder)
    final int[] head;               // [node] first token id ending here, −1 when none
    final int[] nextSameBytes;      // [id] next token with the same bytes, −1 when none
    final int longest;              // bytes of the longest token

    public TokenVocabulary(byte[][] bytesById) {
        int v = bytesById.length;
        bytes = new byte[v][];
        Integer[] order = new Integer[v];
        int usable = 0;
        int total = 0;
        int max = 0;
        for (int id = 0; id < v; id++) {
            byte[] b = bytesById[id];
            if (b != null && b.length > 0) {
                bytes[id] = b.clone();
                order[usable++] = id;
                total += b.length;
                max = Math.max(max, b.length);
            }
        }
        longest = max;
        boolean[] single = new boolean[256];
        for (int i = 0; i < usable; i++) {
            byte[] b = bytes[order[i]];
            if (b.length == 1) {
                single[b[0] & 0xFF] = true;
            }
        }
        for (int b = 0; b < 256; b++) {
            if (!single[b]) {
                throw new IllegalArgumentException(String.format(
                        "the vocabulary has no one-byte token for byte 0x%02X: constrained decoding needs all 256", b));
            }
        }
        Integer[] sorted = Arrays.copyOf(order, usable);
        Arrays.sort(sorted, Comparator.comparing((Integer id) -> bytes[id], Arrays::compareUnsigned));
        // Sorted tokens share a path with their predecessor up to the common prefix: new nodes
        // are appended in preorder, and each token hangs off the node its last byte reaches.
        byte[] lab = new byte[total];
        int[] dep = new int[total];
        int[] path = new int[max];
        head = new int[total];
        Arrays.fill(head, -1);
        nextSameBytes = new int[v];
        Arrays.fill(nextSameBytes, -1);
        int n = 0;
        byte[] previous = new byte[0];
        for (Integer id : sorted) {
            byte[] b = bytes[id];
            int common = Arrays.mismatch(previous, b);
            common = common < 0 ? b.length : Math.min(common, Math.min(previous.length, b.length));
            for (int d = common; d < b.length; d++) {
                lab[n] = b[d];
                dep[n] = d + 1;
                path[d] = n++;
            }
            int last = path[b.length - 1];
            nextSameBytes[id] = head[last];
            head[last] = id;
            previous = b;
        }
        nodes = n;
        label = Arrays.copyOf(lab, n);
        depth = Arrays.copyOf(dep, n);
        end = new int[n];
        int[] open = new int[max + 1];
        int top = 0;
        for (int i = 0; i < n; i++) {
            while (top > 0 && depth[open[top - 1]] >= depth[i]) {
                end[open[--top]] = i;
            }
            open[top++] = i;
        }
        while (top > 0) {
            end[open[--top]] = n;
        }
    }

    /** The vocabulary of a loaded tokenizer. */
    public static TokenVocabulary of(TextTokenizer tokenizer) {
        return new TokenVocabulary(tokenizer.tokenBytes());
    }

    /** Number of ids (allowed or not). */
    public int size() {
        return bytes.length;
    }

    /** The bytes of token id, or null when a constraint never allows it. */
    byte[] bytes(int id) {
        return id >= 0 && id < bytes.length ? bytes[id] : null;
    }
}
