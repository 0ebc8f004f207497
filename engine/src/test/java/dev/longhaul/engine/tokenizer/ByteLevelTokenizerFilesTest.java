/*
 * ByteLevelTokenizerFiles: a 512-token vocabulary reproduces the golden minimax-tiny tokenizer files
 * byte for byte; a 600-token one loads through TextTokenizer, round-trips random UTF-8 text as its
 * bytes and decodes ids 256..599 to their special names; reserved tokens are special up to
 * MAX_SPECIAL_VOCAB_SIZE and plain vocabulary above; a 32000-token one loads in reasonable time
 * (printed); vocabularies under 260 are refused.
 */
package dev.longhaul.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ByteLevelTokenizerFilesTest {

    @Test
    void vocab512IsTheGoldenTokenizer(@TempDir Path dir) throws IOException {
        ByteLevelTokenizerFiles.write(dir, 512);
        for (String file : new String[] {TextTokenizer.TOKENIZER_FILE, TextTokenizer.CONFIG_FILE}) {
            assertEquals(Files.readString(SharedData.minimaxTiny().resolve(file)), Files.readString(dir.resolve(file)),
                    file);
        }
    }

    @Test
    void vocab600RoundTripsTextAndDecodesEverySpecialId(@TempDir Path dir) {
        ByteLevelTokenizerFiles.write(dir, 600);
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            assertEquals(600, tokenizer.vocabSize());
            assertEquals(OptionalInt.of(ByteLevelTokenizerFiles.BOS_ID), tokenizer.bosTokenId());
            assertEquals(OptionalInt.of(ByteLevelTokenizerFiles.EOS_ID), tokenizer.eosTokenId());
            for (int id = 256; id < 600; id++) {
                String name = ByteLevelTokenizerFiles.specialTokenName(id);
                assertEquals(name, tokenizer.decode(new int[] {id}));
                assertEquals(OptionalInt.of(id), tokenizer.tokenId(name));
                assertArrayEquals(new int[] {id}, tokenizer.encode(name));
            }
            assertEquals("<bos>", ByteLevelTokenizerFiles.specialTokenName(256));
            assertEquals("<unk>", ByteLevelTokenizerFiles.specialTokenName(259));
            assertEquals("<reserved_599>", ByteLevelTokenizerFiles.specialTokenName(599));
            Random random = new Random(600);
            for (int round = 0; round < 200; round++) {
                String text = randomText(random, random.nextInt(300));
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                int[] ids = tokenizer.encode(text);
                assertEquals(bytes.length, ids.length, text);
                for (int i = 0; i < bytes.length; i++) {
                    assertEquals(bytes[i] & 0xFF, ids[i]);
                }
                assertEquals(text, tokenizer.decode(ids));
            }
        }
    }

    @Test
    void aVocabOf32000LoadsWithItsSpecialsAndReservedNames(@TempDir Path dir) {
        long t0 = System.nanoTime();
        ByteLevelTokenizerFiles.write(dir, 32000);
        long t1 = System.nanoTime();
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            long t2 = System.nanoTime();
            String text = "hello <reserved_31999> wörld<eos>";
            int[] ids = tokenizer.encode(text);
            long t3 = System.nanoTime();
            System.out.printf("vocab 32000: write %.0f ms, load %.0f ms, first encode %.1f ms%n",
                    (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6);
            assertEquals(32000, tokenizer.vocabSize());
            assertEquals(ByteLevelTokenizerFiles.EOS_ID, ids[ids.length - 1], "named specials stay added tokens");
            assertEquals(text.getBytes(StandardCharsets.UTF_8).length - 4, ids.length, "reserved names are plain text");
            assertEquals("<reserved_31999>", tokenizer.decode(new int[] {31999}));
            assertEquals("<reserved_4096>", tokenizer.decode(new int[] {4096}));
            assertEquals(OptionalInt.of(31999), tokenizer.tokenId("<reserved_31999>"));
            assertTrue(tokenizer.isSpecial(ByteLevelTokenizerFiles.EOS_ID));
            assertFalse(tokenizer.isSpecial(31999)); // the times printed above are for reading, not a check
        }
    }

    @Test
    void reservedTokensAreSpecialUpToTheLimit(@TempDir Path dir) {
        int limit = ByteLevelTokenizerFiles.MAX_SPECIAL_VOCAB_SIZE;
        ByteLevelTokenizerFiles.write(dir.resolve("at"), limit);
        ByteLevelTokenizerFiles.write(dir.resolve("above"), limit + 1);
        try (TextTokenizer at = TextTokenizer.load(dir.resolve("at"));
                TextTokenizer above = TextTokenizer.load(dir.resolve("above"))) {
            assertTrue(at.isSpecial(limit - 1));
            assertEquals("", at.decodeSkippingSpecial(new int[] {limit - 1}));
            assertFalse(above.isSpecial(limit - 1));
            for (TextTokenizer t : new TextTokenizer[] {at, above}) {
                assertEquals("<reserved_" + (limit - 1) + ">", t.decode(new int[] {limit - 1}));
                assertEquals(OptionalInt.of(limit - 1), t.tokenId("<reserved_" + (limit - 1) + ">"));
            }
        }
    }

    @Test
    void smallVocabulariesAreRefused(@TempDir Path dir) {
        assertThrows(IllegalArgumentException.class, () -> ByteLevelTokenizerFiles.write(dir, 259));
        assertThrows(IllegalArgumentException.class, () -> ByteLevelTokenizerFiles.specialTokenName(255));
        ByteLevelTokenizerFiles.write(dir, 260);
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            assertEquals(260, tokenizer.vocabSize());
        }
    }

    @Test
    void byteAlphabetIsGpt2s() {
        assertEquals("Ġ", ByteLevelTokenizerFiles.byteToken(' '));
        assertEquals("Ċ", ByteLevelTokenizerFiles.byteToken('\n'));
        assertEquals("Ā", ByteLevelTokenizerFiles.byteToken(0));
        assertEquals("A", ByteLevelTokenizerFiles.byteToken('A'));
        assertEquals("Ń", ByteLevelTokenizerFiles.byteToken(0xAD));
        assertEquals("ÿ", ByteLevelTokenizerFiles.byteToken(0xFF));
    }

    private static String randomText(Random random, int codePoints) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            int kind = random.nextInt(6);
            int cp = switch (kind) {
                case 0 -> 0x20 + random.nextInt(0x5F);
                case 1 -> 0xA0 + random.nextInt(0x700);
                case 2 -> 0x4E00 + random.nextInt(0x5000);
                case 3 -> 0x1F300 + random.nextInt(0x300);
                case 4 -> "\n\r\t ".charAt(random.nextInt(4));
                default -> 0x61 + random.nextInt(26);
            };
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }
}
