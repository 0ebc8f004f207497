package dev.longhaul.ops.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.tokenizer.TextTokenizer;

/**
 * What `generate` prints: with the golden byte-level tokenizer (one byte a token, so every
 * multi-byte character is split across tokens) the pieces never show a broken character, keep
 * special tokens as their text, and concatenate to the decoding of all the tokens at once.
 */
class TextStreamTest {
    private static final String SAMPLE = "Größe — 東京 🚀 naïve café\n\tend ✓ ok";

    @Test
    void piecesAreWholeCharactersAndConcatenateToTheWholeDecodingSpecialsIncluded() {
        try (TextTokenizer tokenizer = TextTokenizer.load(SharedData.minimaxTiny())) {
            int eos = tokenizer.eosTokenId().orElseThrow();
            int[] text = tokenizer.encode(SAMPLE);
            int[] ids = Arrays.copyOf(text, 2 * text.length + 1);
            ids[text.length] = eos; // a special token in the middle, then the text again
            System.arraycopy(text, 0, ids, text.length + 1, text.length);
            List<String> pieces = new ArrayList<>();
            TextStream stream = new TextStream(tokenizer, pieces::add);
            for (int id : ids) {
                stream.accept(id);
            }
            stream.finish();
            assertEquals(tokenizer.decode(ids), String.join("", pieces));
            assertTrue(String.join("", pieces).contains(SAMPLE + tokenizer.decode(new int[] {eos}) + SAMPLE));
            for (String piece : pieces) {
                assertFalse(piece.isEmpty() || piece.indexOf('\uFFFD') >= 0, "a broken or empty piece: [" + piece + "]");
            }
        }
    }

    /** An output cut inside a character passes its incomplete end on at finish, not dropped. */
    @Test
    void anIncompleteEndIsPassedOnAtFinish() {
        try (TextTokenizer tokenizer = TextTokenizer.load(SharedData.minimaxTiny())) {
            int[] ids = tokenizer.encode("ok 🚀");
            int[] cut = Arrays.copyOf(ids, ids.length - 1); // the rocket's last byte never came
            StringBuilder printed = new StringBuilder();
            TextStream stream = new TextStream(tokenizer, printed::append);
            for (int id : cut) {
                stream.accept(id);
            }
            assertEquals("ok ", printed.toString(), "nothing broken printed while it may still complete");
            stream.finish();
            assertEquals(tokenizer.decode(cut), printed.toString());
        }
    }
}
