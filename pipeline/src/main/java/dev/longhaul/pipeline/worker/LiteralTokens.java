/*
 * Document tokens as literal text: a tokenizer matches its added tokens inside any text it
 * encodes, so a document holding "<eos>" or a chat-template marker would reach the model as that
 * special token, a control signal no document may send. literal() replaces each special id by
 * the ids of its content spelled one character at a time, which encode to ordinary tokens: the
 * model reads the same characters, as text. Ids are only copied when a special one is present.
 */
package dev.longhaul.pipeline.worker;

import java.util.Arrays;

import dev.longhaul.engine.tokenizer.TextTokenizer;

final class LiteralTokens {
    private final TextTokenizer tokenizer;

    LiteralTokens(TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** ids with every special token spelled out as ordinary tokens. */
    int[] literal(int[] ids) {
        int first = 0;
        while (first < ids.length && !tokenizer.isSpecial(ids[first])) {
            first++;
        }
        if (first == ids.length) {
            return ids;
        }
        int[] out = Arrays.copyOf(ids, first);
        int size = first;
        for (int i = first; i < ids.length; i++) {
            int[] add = tokenizer.isSpecial(ids[i]) ? spelled(ids[i]) : new int[] {ids[i]};
            if (size + add.length > out.length) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, size + add.length) + 8);
            }
            System.arraycopy(add, 0, out, size, add.length);
            size += add.length;
        }
        return Arrays.copyOf(out, size);
    }

    /** A special token's content, one code point at a time; a piece that is itself special is dropped. */
    private int[] spelled(int id) {
        String content = tokenizer.decode(new int[] {id});
        return content.codePoints()
                .flatMap(cp -> Arrays.stream(tokenizer.encode(Character.toString(cp))))
                .filter(t -> !tokenizer.isSpecial(t))
                .toArray();
    }
}
