/*
 * TextTokenizer against the golden minimax-tiny folder (every cases.json case with a text encodes to
 * its input_ids and decodes back), its metadata (vocab size, bos/eos, token lookup, special tokens),
 * char spans, the empty string, long texts (no truncation), offline mode, and the errors for missing
 * or broken files, which must name the file.
 */
package dev.longhaul.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.engine.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextTokenizerTest {
    private static TextTokenizer golden;

    @BeforeAll
    static void load() {
        golden = TextTokenizer.load(SharedData.minimaxTiny());
    }

    @AfterAll
    static void close() {
        golden.close();
    }

    @Test
    void goldenCasesEncodeToTheirIdsAndDecodeBack() throws IOException {
        JsonNode cases = new ObjectMapper().readTree(SharedData.minimaxTiny().resolve("cases.json").toFile());
        int checked = 0;
        for (JsonNode c : cases.get("cases")) {
            JsonNode text = c.path("text");
            if (text.isMissingNode() || text.isNull()) {
                continue;
            }
            int[] expected = new int[c.get("input_ids").size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = c.get("input_ids").get(i).asInt();
            }
            assertArrayEquals(expected, golden.encode(text.asText()), c.get("name").asText());
            assertEquals(text.asText(), golden.decode(expected), c.get("name").asText());
            checked++;
        }
        assertTrue(checked >= 3, "cases with text: " + checked);
    }

    @Test
    void goldenMetadata() {
        assertEquals(512, golden.vocabSize());
        assertEquals(OptionalInt.of(256), golden.bosTokenId());
        assertEquals(OptionalInt.of(257), golden.eosTokenId());
        assertEquals(OptionalInt.of(258), golden.tokenId("<pad>"));
        assertEquals(OptionalInt.of(511), golden.tokenId("<reserved_511>"));
        assertEquals(OptionalInt.of(32), golden.tokenId("Ġ"));
        assertEquals(OptionalInt.empty(), golden.tokenId("nope"));
        assertTrue(golden.isSpecial(259));
        assertFalse(golden.isSpecial(65));
    }

    @Test
    void decodeKeepsSpecialTokensUnlessAskedToSkipThem() {
        int[] ids = {256, 77, 105, 257, 300};
        assertEquals("<bos>Mi<eos><reserved_300>", golden.decode(ids));
        assertEquals("Mi", golden.decodeSkippingSpecial(ids));
        assertArrayEquals(new int[] {77, 256, 105}, golden.encode("M<bos>i"));
        // an id past the tokenizer (a padded embedding's row) decodes to nothing, as in Hugging Face
        assertEquals("Mi", golden.decode(new int[] {77, 512, 105, 600}));
        assertThrows(IllegalArgumentException.class, () -> golden.decode(new int[] {-1}));
    }

    @Test
    void emptyTextHasNoIds() {
        assertEquals(0, golden.encode("").length);
        assertEquals(0, golden.encodeWithSpans("").size());
        assertEquals("", golden.decode(new int[0]));
    }

    @Test
    void longTextIsNeitherTruncatedNorPadded() {
        Random random = new Random(7);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 100_000) {
            sb.append((char) ('a' + random.nextInt(26))).append(random.nextInt(9) == 0 ? "é 中\n" : "");
        }
        String text = sb.toString();
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = golden.encode(text);
        assertEquals(bytes.length, ids.length);
        for (int i = 0; i < bytes.length; i++) {
            assertEquals(bytes[i] & 0xFF, ids[i]);
        }
        assertEquals(text, golden.decode(ids));
    }

    @Test
    void spansAreUtf16IndicesIntoTheText() {
        String text = "héllo 中文 😀x<eos>y\r\n";
        TokenSpans spans = golden.encodeWithSpans(text);
        assertArrayEquals(golden.encode(text), spans.ids());
        StringBuilder rebuilt = new StringBuilder();
        int covered = 0;
        for (int i = 0; i < spans.size(); i++) {
            int start = spans.starts()[i];
            int end = spans.ends()[i];
            assertTrue(start < end && start >= covered - 2, "span " + i);
            if (start >= covered) {
                assertEquals(covered, start, "gap before token " + i);
                rebuilt.append(text, start, end);
                covered = end;
            }
        }
        assertEquals(text, rebuilt.toString());
        int x = text.indexOf('x');
        int emoji = text.indexOf("😀");
        int k = 0;
        while (spans.starts()[k] < x) {
            k++;
        }
        assertEquals('x', spans.ids()[k]);
        for (int i = k - 4; i < k; i++) {
            assertEquals(emoji, spans.starts()[i], "each byte token of the emoji spans the whole pair");
            assertEquals(x, spans.ends()[i]);
        }
    }

    @Test
    void unpairedSurrogatesEncodeAsReplacementCharacters() {
        assertArrayEquals(golden.encode("a\uFFFDb😀"), golden.encode("a\uD83Db😀"));
        assertArrayEquals(golden.encode("😀\uFFFD"), golden.encode("😀\uDE00"));
        TokenSpans spans = golden.encodeWithSpans("\uDE00x😀");
        assertEquals(0, spans.starts()[0]);
        assertEquals(1, spans.starts()[3]);
        assertEquals(2, spans.starts()[4]);
        assertEquals(4, spans.ends()[spans.size() - 1]);
    }

    @Test
    void loadingTurnsDjlOfflineMode() {
        assertTrue(ai.djl.util.Utils.isOfflineMode());
    }

    @Test
    void missingFolderNamesTheFile(@TempDir Path dir) {
        TokenizerException e = assertThrows(TokenizerException.class, () -> TextTokenizer.load(dir.resolve("none")));
        assertTrue(e.getMessage().contains(dir.resolve("none").resolve("tokenizer.json").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void brokenJsonNamesTheFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {");
        TokenizerException e = assertThrows(TokenizerException.class, () -> TextTokenizer.load(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer.json") + ": is not valid JSON"), e.getMessage());

        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Nonsense\", \"vocab\": {\"a\": 0}}}");
        e = assertThrows(TokenizerException.class, () -> TextTokenizer.load(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer.json") + ": rejected"), e.getMessage());

        Files.writeString(dir.resolve("tokenizer.json"), "[]");
        e = assertThrows(TokenizerException.class, () -> TextTokenizer.load(dir));
        assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());
    }

    @Test
    void tokenizerConfigIsOptionalButMustBeConsistent(@TempDir Path dir) throws IOException {
        ByteLevelTokenizerFiles.write(dir, 300);
        Path config = dir.resolve("tokenizer_config.json");
        Files.writeString(config, "{\"bos_token\": {\"__type\": \"AddedToken\", \"content\": \"<bos>\"},"
                + " \"eos_token\": null, \"add_bos_token\": true}");
        try (TextTokenizer t = TextTokenizer.load(dir)) {
            assertEquals(OptionalInt.of(256), t.bosTokenId());
            assertEquals(OptionalInt.empty(), t.eosTokenId());
            assertArrayEquals(new int[] {104, 105}, t.encode("hi"), "add_bos_token is not applied");
        }
        Files.delete(config);
        try (TextTokenizer t = TextTokenizer.load(dir)) {
            assertEquals(OptionalInt.empty(), t.bosTokenId());
            assertEquals(300, t.vocabSize());
        }
        Files.writeString(config, "{\"eos_token\": \"</s>\"}");
        TokenizerException e = assertThrows(TokenizerException.class, () -> TextTokenizer.load(dir));
        assertTrue(e.getMessage().startsWith(config + ": eos_token \"</s>\""), e.getMessage());
        Files.writeString(config, "{\"eos_token\": ");
        e = assertThrows(TokenizerException.class, () -> TextTokenizer.load(dir));
        assertTrue(e.getMessage().startsWith(config + ": is not valid JSON"), e.getMessage());
    }

    @Test
    void addedTokenIdsMustBeTheOnesTheTokenizerAssigns(@TempDir Path dir) throws IOException {
        ByteLevelTokenizerFiles.write(dir, 300);
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, Files.readString(file).replace("\"id\": 299,", "\"id\": 999,"));
        TokenizerException e = assertThrows(TokenizerException.class, () -> TextTokenizer.load(dir));
        assertTrue(e.getMessage().startsWith(file + ": token \"<reserved_299>\" has id 999"), e.getMessage());
        // an id so large that the vocabulary's size (largest id + 1) would overflow is refused by name
        Files.writeString(file, Files.readString(file).replace("\"id\": 999,", "\"id\": 2147483647,"));
        e = assertThrows(TokenizerException.class, () -> TextTokenizer.load(dir));
        assertTrue(e.getMessage().startsWith(file + ": added token \"<reserved_299>\" has id 2147483647, above the largest"),
                e.getMessage());
    }

    @Test
    void aNonSpecialAddedTokenMustHaveTheIdTheTokenizerGivesIt(@TempDir Path dir) throws IOException {
        // an added token that is not special, with an id past the others: the native tokenizer
        // numbers it right after them (300), while the file says 400
        ByteLevelTokenizerFiles.write(dir, 300);
        Path file = dir.resolve("tokenizer.json");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        var root = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(file.toFile());
        ((com.fasterxml.jackson.databind.node.ArrayNode) root.get("added_tokens")).addObject().put("id", 400).put("content", "foo")
                .put("single_word", false).put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", false);
        json.writeValue(file.toFile(), root);
        TokenizerException e = assertThrows(TokenizerException.class, () -> TextTokenizer.load(dir));
        assertTrue(e.getMessage().startsWith(file + ": token \"foo\" has id 400"), e.getMessage());
        // with the id the tokenizer gives it, it loads and the ids agree
        ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("added_tokens").get(root.get("added_tokens").size() - 1)).put("id", 300);
        json.writeValue(file.toFile(), root);
        try (TextTokenizer t = TextTokenizer.load(dir)) {
            assertArrayEquals(new int[] {300}, t.encode("foo"));
            assertEquals(300, t.tokenId("foo").orElseThrow());
        }
    }

    @Test
    void bpeFixtureMergesAndSpecials(@TempDir Path dir) throws IOException {
        try (TextTokenizer t = TextTokenizer.load(BpeFixture.write(dir, BpeFixture.Style.GPT2))) {
            int the = t.tokenId("Ġthe").orElseThrow();
            int[] ids = t.encode(" the error<|endoftext|>");
            assertEquals(the, ids[0]);
            assertEquals(t.tokenId("<|endoftext|>").orElseThrow(), ids[ids.length - 1]);
            assertEquals(t.eosTokenId().orElseThrow(), ids[ids.length - 1]);
            assertEquals(" the error<|endoftext|>", t.decode(ids));
            assertEquals(" the error", t.decodeSkippingSpecial(ids));
            assertEquals(" a .", t.decode(t.encode(" a .")), "no clean-up of spaces");
        }
    }
}
