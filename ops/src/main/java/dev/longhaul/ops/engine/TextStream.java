/*
 * Turns generated token ids into text as they arrive, for a printing sink. A byte-level tokenizer
 * may split one character over several tokens, so decoding token by token would print broken
 * characters: IncrementalText holds a trailing U+FFFD (an incomplete UTF-8 sequence) back until the
 * next token completes it or the stream ends, at a bounded cost per token. Special tokens are kept
 * (as their text, e.g. "<eos>"), so nothing the model produced is hidden. Not thread-safe.
 */
package dev.longhaul.ops.engine;

import dev.longhaul.engine.tokenizer.TextTokenizer;
import java.util.function.Consumer;

public final class TextStream {
    private final IncrementalText text;
    private final Consumer<String> sink;

    public TextStream(TextTokenizer tokenizer, Consumer<String> sink) {
        this.text = new IncrementalText(tokenizer, false);
        this.sink = sink;
    }

    /** Adds one token and passes on whatever text it completes. */
    public void accept(int id) {
        emit(text.accept(id));
    }

    /** Passes on the rest, incomplete characters included; call once at the end. */
    public void finish() {
        emit(text.finish());
    }

    private void emit(String piece) {
        if (!piece.isEmpty()) {
            sink.accept(piece);
        }
    }
}
