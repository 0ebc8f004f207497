/*
 * One completion's text as its tokens arrive, with OpenAI's stop strings: accept() returns the new
 * text that is safe to send, finish() the rest. Text is the tokenizer's decoding of all tokens so
 * far, special tokens skipped (as vLLM does by default). Held back until a later token settles it:
 * a trailing U+FFFD (a character split across tokens), and any tail that could still grow into a
 * stop string. When a stop string appears the text ends just before it, stopped() turns true, and
 * later tokens add nothing; the caller then cancels the sequence. The concatenation of everything
 * returned is therefore exactly the non-streamed text. Not thread-safe.
 *
 * Decoding is incremental, as in vLLM and TGI: each token decodes only the window of tokens since
 * the last point where the text was complete, together with the tokens before that point (so a
 * decoder that treats the first token of a text specially sees it in context), and the window's
 * new text is what the new tokens add. A window starts where a text ended without U+FFFD, so at a
 * character boundary, and the cost per token stays bounded however long the output grows.
 */
package dev.longhaul.ops.serve;

import java.util.Arrays;
import java.util.List;

import dev.longhaul.engine.tokenizer.TextTokenizer;

final class OutputText {
    private static final char INCOMPLETE = '\uFFFD';

    private final TextTokenizer tokenizer;
    private final List<String> stops;
    private int[] ids = new int[64];
    private int size;
    private int prefixStart;         // the window decoded for each token starts here
    private int readStart;           // tokens before this are settled text
    private String prefixText = "";  // the decoding of ids[prefixStart, readStart)
    private int provisional;         // chars of the unsettled tokens' text already in `text`
    private final StringBuilder text = new StringBuilder();
    private int sent;
    private boolean stopped;

    OutputText(TextTokenizer tokenizer, List<String> stops) {
        this.tokenizer = tokenizer;
        this.stops = List.copyOf(stops);
    }

    /** Adds one generated token; the text it makes safe to send (often empty). */
    String accept(int id) {
        if (stopped) {
            return "";
        }
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, 2 * size);
        }
        ids[size++] = id;
        String window = tokenizer.decodeSkippingSpecial(Arrays.copyOfRange(ids, prefixStart, size));
        String unsettled = window.length() > prefixText.length() ? window.substring(prefixText.length()) : "";
        int ready = unsettled.length();
        while (ready > 0 && unsettled.charAt(ready - 1) == INCOMPLETE) {
            ready--;
        }
        if (ready > provisional) {
            text.append(unsettled, provisional, ready);
            provisional = ready;
        }
        if (ready == unsettled.length() && ready > 0) {
            // the new tokens end on a whole character: the next window starts after them
            prefixStart = readStart;
            readStart = size;
            prefixText = tokenizer.decodeSkippingSpecial(Arrays.copyOfRange(ids, prefixStart, readStart));
            provisional = 0;
        }
        return release(false);
    }

    /** The rest of the text at the end of the generation. */
    String finish() {
        if (stopped) {
            return "";
        }
        String window = tokenizer.decodeSkippingSpecial(Arrays.copyOfRange(ids, prefixStart, size));
        if (window.length() > prefixText.length() + provisional) {
            text.append(window, prefixText.length() + provisional, window.length());
        }
        return release(true);
    }

    /** What may be sent now: up to a stop string, and short of a tail that may become one unless `last`. */
    private String release(boolean last) {
        int stop = firstStop();
        if (stop >= 0) {
            stopped = true;
            return advance(stop);
        }
        int end = text.length();
        return advance(last ? end : end - partialStop(end));
    }

    boolean stopped() {
        return stopped;
    }

    /** Tokens accepted, up to and including the one that completed a stop string. */
    int tokens() {
        return size;
    }

    private String advance(int end) {
        if (end <= sent) {
            return "";
        }
        String piece = text.substring(sent, end);
        sent = end;
        return piece;
    }

    /** Start of the earliest stop string in the text, or −1. */
    private int firstStop() {
        int first = -1;
        for (String s : stops) {
            int at = text.indexOf(s, Math.max(0, sent - s.length()));
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first < 0 ? -1 : Math.max(first, sent);
    }

    /** Length of the longest tail of text[..end) that is a proper prefix of a stop string. */
    private int partialStop(int end) {
        int longest = 0;
        for (String s : stops) {
            for (int n = Math.min(s.length() - 1, end - sent); n > longest; n--) {
                if (regionEquals(end - n, s, n)) {
                    longest = n;
                    break;
                }
            }
        }
        return longest;
    }

    private boolean regionEquals(int at, String s, int n) {
        for (int i = 0; i < n; i++) {
            if (text.charAt(at + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
