/*
 * Turns generated token ids into text as they arrive. A byte-level tokenizer may split one
 * character over several tokens, so decoding token by token would print broken characters: this
 * decodes the whole output so far and hands on only the new, complete part, holding back a trailing
 * U+FFFD (an incomplete UTF-8 sequence) until the next token completes it or the stream ends.
 * Special tokens are kept (as their text, e.g. "<eos>"), so nothing the model produced is hidden.
 * Not thread-safe.
 */
package dev.longhaul.ops.engine;

import dev.longhaul.engine.tokenizer.TextTokenizer;
import java.util.Arrays;
import java.util.function.Consumer;

public final class TextStream {
    private static final char INCOMPLETE = '\uFFFD';

    private final TextTokenizer tokenizer;
    private final Consumer<String> sink;
    private int[] ids = new int[64];
    private int size;
    private String emitted = "";

    public TextStream(TextTokenizer tokenizer, Consumer<String> sink) {
        this.tokenizer = tokenizer;
        this.sink = sink;
    }

    /** Adds one token and passes on whatever text it completes. */
    public void accept(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, 2 * size);
        }
        ids[size++] = id;
        String text = tokenizer.decode(Arrays.copyOf(ids, size));
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == INCOMPLETE) {
            end--;
        }
        emit(text.substring(0, end));
    }

    /** Passes on the rest, incomplete characters included; call once at the end. */
    public void finish() {
        emit(tokenizer.decode(Arrays.copyOf(ids, size)));
    }

    private void emit(String text) {
        // The decoded prefix never changes once complete; should a tokenizer's clean-up rewrite it,
        // the new text is passed on from where the old one ended rather than printed twice.
        if (text.length() > emitted.length()) {
            sink.accept(text.substring(emitted.length()));
            emitted = text;
        }
    }
}
