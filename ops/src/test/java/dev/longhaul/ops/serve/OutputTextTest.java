package dev.longhaul.ops.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.tokenizer.ByteLevelTokenizerFiles;
import dev.longhaul.engine.tokenizer.TextTokenizer;

/**
 * The streamed pieces against the tokenizer's decoding of all tokens at once, with the golden
 * byte-level tokenizer (one byte per token) and with one given merges, whose tokens hold several
 * bytes: whole characters, parts of one, or a character and the start of the next.
 */
class OutputTextTest {
    private static final char INCOMPLETE = '\uFFFD';
    private static final String SAMPLE = "Größe — 東京 🚀 naïve café\n\tend ✓ ok";
    private static TextTokenizer bytes;
    private static TextTokenizer merged;

    @TempDir
    static Path dir;

    @BeforeAll
    static void load() throws IOException {
        bytes = TextTokenizer.load(SharedData.minimaxTiny());
        merged = TextTokenizer.load(withMerges(SharedData.minimaxTiny(), dir));
    }

    @AfterAll
    static void close() {
        bytes.close();
        merged.close();
    }

    @Test
    void theMergedTokenizerHasTokensThatEndInsideACharacter() {
        int[] ids = merged.encode(SAMPLE);
        assertTrue(ids.length < SAMPLE.getBytes(StandardCharsets.UTF_8).length / 2 + 4, "merged: " + ids.length + " tokens");
        long straddling = Arrays.stream(ids).filter(id -> {
            String alone = merged.decodeSkippingSpecial(new int[] {id});
            return alone.length() > 1 && alone.charAt(alone.length() - 1) == INCOMPLETE && alone.charAt(0) != INCOMPLETE;
        }).count();
        assertTrue(straddling > 0, "tokens with a whole character and part of the next: " + straddling);
    }

    @Test
    void piecesOfTextWithCharactersSplitAcrossTokensConcatenateToTheWholeDecoding() {
        for (TextTokenizer tokenizer : List.of(bytes, merged)) {
            // given a text whose multi-byte characters the tokenizer splits across tokens
            int[] ids = tokenizer.encode(SAMPLE);
            // when its tokens arrive one by one
            OutputText output = new OutputText(tokenizer, List.of());
            String streamed = stream(output, ids);
            // then the pieces are the whole decoding
            assertEquals(SAMPLE, streamed);
            assertFalse(output.stopped());
            assertEquals(ids.length, output.tokens());
        }
    }

    @Test
    void randomTokensIncludingSpecialOnesAndBrokenBytesConcatenateToTheWholeDecoding() {
        SplittableRandom random = new SplittableRandom(11);
        for (int run = 0; run < 400; run++) {
            TextTokenizer tokenizer = run % 2 == 0 ? bytes : merged;
            int[] ids = randomIds(random, tokenizer, 1 + random.nextInt(120));
            OutputText output = new OutputText(tokenizer, List.of());
            StringBuilder pieces = new StringBuilder();
            for (int id : ids) {
                String piece = output.accept(id);
                assertTrue(piece.isEmpty() || piece.charAt(piece.length() - 1) != INCOMPLETE,
                        "a piece sent before the end never ends in a character still incomplete");
                pieces.append(piece);
            }
            pieces.append(output.finish());
            assertEquals(tokenizer.decodeSkippingSpecial(ids), pieces.toString(), "run " + run + ": " + Arrays.toString(ids));
        }
    }

    @Test
    void aStopStringEndsTheTextJustBeforeItAtTheTokenThatCompletesIt() {
        SplittableRandom random = new SplittableRandom(5);
        int checked = 0;
        for (int run = 0; run < 600; run++) {
            TextTokenizer tokenizer = run % 2 == 0 ? bytes : merged;
            // given random tokens and a stop string taken from their decoding
            int[] ids = randomIds(random, tokenizer, 2 + random.nextInt(80));
            String whole = tokenizer.decodeSkippingSpecial(ids);
            if (whole.length() < 4) {
                continue;
            }
            int from = random.nextInt(whole.length() - 2);
            String stop = whole.substring(from, from + 1 + random.nextInt(3));
            if (stop.indexOf(INCOMPLETE) >= 0 || Character.isSurrogate(stop.charAt(0))
                    || Character.isSurrogate(stop.charAt(stop.length() - 1))) {
                continue;
            }
            // when the tokens arrive one by one, beside a stop string that never appears
            OutputText output = new OutputText(tokenizer, List.of("\u0001never\u0002", stop));
            String streamed = stream(output, ids);
            // then the text ends before the stop's first occurrence, counted to the token that completed it
            assertEquals(whole.substring(0, whole.indexOf(stop)), streamed, "run " + run);
            assertTrue(output.stopped());
            assertEquals(firstTokensContaining(tokenizer, ids, stop), output.tokens(), "run " + run);
            checked++;
        }
        assertTrue(checked > 100, "enough runs had a usable stop string: " + checked);
    }

    private static String stream(OutputText output, int[] ids) {
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(output.accept(id));
        }
        return text.append(output.finish()).toString();
    }

    /** Random ids of the whole vocabulary; with merges, half of them merged tokens. */
    private static int[] randomIds(SplittableRandom random, TextTokenizer tokenizer, int n) {
        int mergedFrom = bytes.vocabSize();
        return random.ints(n, 0, tokenizer.vocabSize())
                .map(id -> tokenizer == merged && random.nextBoolean() ? random.nextInt(mergedFrom, tokenizer.vocabSize()) : id)
                .toArray();
    }

    /** The fewest leading tokens whose text, less a character still incomplete at its end, holds `stop`. */
    private static int firstTokensContaining(TextTokenizer tokenizer, int[] ids, String stop) {
        for (int k = 1; k <= ids.length; k++) {
            String text = tokenizer.decodeSkippingSpecial(Arrays.copyOf(ids, k));
            int end = text.length();
            while (end > 0 && text.charAt(end - 1) == INCOMPLETE) {
                end--;
            }
            if (text.substring(0, end).contains(stop)) {
                return k;
            }
        }
        throw new AssertionError("the stop string is not in the text");
    }

    /**
     * A copy of the byte-level tokenizer in `golden` with merges learnt from SAMPLE's bytes: pairs
     * of adjacent bytes, then pairs of those, wherever they fall, as ids after the added tokens.
     */
    private static Path withMerges(Path golden, Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(golden.resolve(TextTokenizer.TOKENIZER_FILE).toFile());
        ObjectNode vocab = (ObjectNode) root.path("model").path("vocab");
        ArrayNode merges = (ArrayNode) root.path("model").path("merges");
        // the tokenizers library numbers added tokens missing from the vocabulary after it: put them in
        root.path("added_tokens").forEach(t -> vocab.put(t.path("content").asText(), t.path("id").asInt()));
        int next = 1 + root.path("added_tokens").valueStream().mapToInt(t -> t.path("id").asInt()).max().orElse(255);
        List<String> pieces = new ArrayList<>();
        for (byte b : SAMPLE.getBytes(StandardCharsets.UTF_8)) {
            pieces.add(ByteLevelTokenizerFiles.byteToken(b & 0xff));
        }
        for (int level = 0; level < 2; level++) {
            List<String> joined = new ArrayList<>();
            for (int i = 0; i + 1 < pieces.size(); i += 2) {
                String token = pieces.get(i) + pieces.get(i + 1);
                if (!vocab.has(token)) {
                    vocab.put(token, next++);
                    merges.add(pieces.get(i) + " " + pieces.get(i + 1));
                }
                joined.add(token);
            }
            if (pieces.size() % 2 == 1) {
                joined.add(pieces.getLast());
            }
            pieces = joined;
        }
        Files.writeString(dir.resolve(TextTokenizer.TOKENIZER_FILE), json.writeValueAsString(root));
        Files.copy(golden.resolve(TextTokenizer.CONFIG_FILE), dir.resolve(TextTokenizer.CONFIG_FILE));
        return dir;
    }
}
