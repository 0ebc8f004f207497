/*
 * TextTokenizer.tokenBytes: the bytes of the tokens of any encoding, concatenated, are the UTF-8 of
 * the text, even where a BPE token holds only part of a character; special tokens have none.
 */
package dev.longhaul.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.longhaul.engine.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TokenBytesTest {
    private static final String TEXT = "the cat, in 中文 and é 😀: {\"key\": [1, 22]}\n\tthe end";

    @ParameterizedTest
    @EnumSource(value = BpeFixture.Style.class, names = {"GPT2", "LLAMA3"})
    void bytesOfAnEncodingAreTheUtf8OfTheText(BpeFixture.Style style, @TempDir Path dir) throws IOException {
        // given a BPE tokenizer with merges inside multi-byte characters
        try (TextTokenizer t = TextTokenizer.load(BpeFixture.write(dir, style))) {
            byte[][] bytes = t.tokenBytes();
            // when the tokens of a text are spelled out
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int id : t.encode(TEXT)) {
                out.writeBytes(bytes[id]);
            }
            // then they are the text's bytes, and every byte value is a one-byte token
            assertArrayEquals(TEXT.getBytes(StandardCharsets.UTF_8), out.toByteArray());
            for (int b = 0; b < 256; b++) {
                assertArrayEquals(new byte[] {(byte) b}, bytes[b], "byte token " + b);
            }
        }
    }

    @Test
    void goldenSpecialsHaveNoBytes() {
        try (TextTokenizer t = TextTokenizer.load(SharedData.minimaxTiny())) {
            byte[][] bytes = t.tokenBytes();
            assertEquals(t.vocabSize(), bytes.length);
            for (int id = 0; id < bytes.length; id++) {
                if (t.isSpecial(id)) {
                    assertNull(bytes[id], "special " + id);
                } else {
                    assertNotNull(bytes[id], "plain " + id);
                }
            }
        }
    }

    @Test
    void withoutAByteLevelDecoderOnlyTwoHexDigitsSpellAByte(@TempDir Path dir) throws IOException {
        // given a SentencePiece-style vocabulary (no ByteLevel decoder) with byte tokens, and
        // look-alikes that are not two hex digits
        java.nio.file.Files.writeString(dir.resolve("tokenizer.json"), """
                {"version": "1.0", "added_tokens": [], "normalizer": null, "pre_tokenizer": null,
                 "post_processor": null, "decoder": null,
                 "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                           "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
                           "vocab": {"<0x41>": 0, "<0xZZ>": 1, "<0x-1>": 2, "\u2581a": 3}, "merges": []}}
                """);
        try (TextTokenizer t = TextTokenizer.load(dir)) {
            byte[][] bytes = t.tokenBytes();
            // then "<0x41>" is the byte 'A', and the look-alikes are their own text, not a number
            assertArrayEquals(new byte[] {0x41}, bytes[0]);
            assertArrayEquals("<0xZZ>".getBytes(StandardCharsets.UTF_8), bytes[1]);
            assertArrayEquals("<0x-1>".getBytes(StandardCharsets.UTF_8), bytes[2]);
            assertArrayEquals(" a".getBytes(StandardCharsets.UTF_8), bytes[3]);
        }
    }
}
