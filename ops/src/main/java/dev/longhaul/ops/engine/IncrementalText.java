/*
 * The text of generated tokens as they arrive, decoded incrementally as vLLM and TGI do: each token
 * decodes only the window of tokens since the last point where the text was complete, together with
 * the tokens before that point (so a decoder that treats the first token of a text specially sees
 * it in context), and the window's new text is what the new tokens add. A window starts where a
 * text ended without U+FFFD, so at a character boundary, and the cost per token stays bounded
 * however long the output grows (decoding everything so far for each token is quadratic). A
 * trailing U+FFFD (a character split across tokens) is held back until a later token completes it
 * or finish() passes it on. The concatenation of everything returned is the decoding of all the
 * tokens. Not thread-safe.
 */
package dev.longhaul.ops.engine;

import java.util.Arrays;

import dev.longhaul.engine.tokenizer.TextTokenizer;

public final class IncrementalText {
    private static final char INCOMPLETE = '\uFFFD';

    private final TextTokenizer tokenizer;
    private final boolean skipSpecial;
    private int[] ids = new int[64];
    private int size;
    private int prefixStart;         // the window decoded for each token starts here
    private int readStart;           // tokens before this are settled text
    private String prefixText = "";  // the decoding of ids[prefixStart, readStart)
    private int provisional;         // chars of the unsettled tokens' text already returned

    /** skipSpecial: special tokens decode to nothing (as OpenAI servers send), else to their text. */
    public IncrementalText(TextTokenizer tokenizer, boolean skipSpecial) {
        this.tokenizer = tokenizer;
        this.skipSpecial = skipSpecial;
    }

    /** Adds one token; the text it completes (often empty). */
    public String accept(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, 2 * size);
        }
        ids[size++] = id;
        String unsettled = unsettled();
        int ready = unsettled.length();
        while (ready > 0 && unsettled.charAt(ready - 1) == INCOMPLETE) {
            ready--;
        }
        String added = ready > provisional ? unsettled.substring(provisional, ready) : "";
        provisional = Math.max(provisional, ready);
        if (ready == unsettled.length() && ready > 0) {
            // the new tokens end on a whole character: the next window starts after them
            prefixStart = readStart;
            readStart = size;
            prefixText = decode(prefixStart, readStart);
            provisional = 0;
        }
        return added;
    }

    /** The rest of the text, incomplete characters included; call once, at the end. */
    public String finish() {
        String unsettled = unsettled();
        return unsettled.length() > provisional ? unsettled.substring(provisional) : "";
    }

    /** Tokens accepted so far. */
    public int tokens() {
        return size;
    }

    /** The text of the tokens since readStart, as the window decodes it. */
    private String unsettled() {
        String window = decode(prefixStart, size);
        return window.length() > prefixText.length() ? window.substring(prefixText.length()) : "";
    }

    private String decode(int from, int to) {
        int[] window = Arrays.copyOfRange(ids, from, to);
        return skipSpecial ? tokenizer.decodeSkippingSpecial(window) : tokenizer.decode(window);
    }
}
