/*
 * One completion's text as its tokens arrive, with OpenAI's stop strings: accept() returns the new
 * text that is safe to send, finish() the rest. Text is the tokenizer's decoding of all tokens so
 * far, special tokens skipped (as vLLM does by default). Held back until a later token settles it:
 * a trailing U+FFFD (a character split across tokens), and any tail that could still grow into a
 * stop string. When a stop string appears the text ends just before it, stopped() turns true, and
 * later tokens add nothing; the caller then cancels the sequence. The concatenation of everything
 * returned is therefore exactly the non-streamed text. Not thread-safe.
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
    private String text = "";
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
        text = tokenizer.decodeSkippingSpecial(Arrays.copyOf(ids, size));
        int stop = firstStop();
        if (stop >= 0) {
            stopped = true;
            return advance(stop);
        }
        int end = text.length();
        while (end > sent && text.charAt(end - 1) == INCOMPLETE) {
            end--;
        }
        return advance(end - partialStop(end));
    }

    /** The rest of the text at the end of the generation. */
    String finish() {
        return stopped ? "" : advance(text.length());
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
                if (text.startsWith(s.substring(0, n), end - n)) {
                    longest = n;
                    break;
                }
            }
        }
        return longest;
    }
}
