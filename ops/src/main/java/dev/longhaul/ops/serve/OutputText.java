/*
 * One completion's text as its tokens arrive, with OpenAI's stop strings: accept() returns the new
 * text that is safe to send, finish() the rest. Text is the tokenizer's decoding of all tokens so
 * far, special tokens skipped (as vLLM does by default). Held back until a later token settles it:
 * a trailing U+FFFD (a character split across tokens), and any tail that could still grow into a
 * stop string. When a stop string appears the text ends just before it, stopped() turns true, and
 * later tokens add nothing; the caller then cancels the sequence. The concatenation of everything
 * returned is therefore exactly the non-streamed text. Not thread-safe.
 *
 * Decoding is incremental (IncrementalText), so the cost per token stays bounded however long the
 * output grows.
 */
package dev.longhaul.ops.serve;

import java.util.List;

import dev.longhaul.engine.tokenizer.TextTokenizer;
import dev.longhaul.ops.engine.IncrementalText;

final class OutputText {
    private final IncrementalText decoded;
    private final List<String> stops;
    private final StringBuilder text = new StringBuilder();
    private int sent;
    private boolean stopped;

    OutputText(TextTokenizer tokenizer, List<String> stops) {
        this.decoded = new IncrementalText(tokenizer, true);
        this.stops = List.copyOf(stops);
    }

    /** Adds one generated token; the text it makes safe to send (often empty). */
    String accept(int id) {
        if (stopped) {
            return "";
        }
        text.append(decoded.accept(id));
        return release(false);
    }

    /** The rest of the text at the end of the generation. */
    String finish() {
        if (stopped) {
            return "";
        }
        text.append(decoded.finish());
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
        return decoded.tokens();
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
