/*
 * StreamingTokenizer's contract: for any split of the input, as Strings or as UTF-8 bytes (split
 * inside characters, malformed bytes included), everything emitted equals encode(wholeText); the
 * retained tail stays under the documented bound. Checked with seeded random splits on the golden
 * tokenizer and on BPE tokenizers with merges (GPT-2 and Llama-3 pre-tokenizers), on synthetic texts
 * (multi-byte UTF-8, emoji, long white-space runs, CRLF, special tokens) and on real log and contract
 * text from the shared corpus (skipped only if that folder is missing), with small limits so that
 * cuts, and forced cuts in long runs without word ends, happen often.
 */
package dev.longhaul.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.SharedData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamingTokenizerTest {
    private static final StreamingTokenizer.Limits SMALL = new StreamingTokenizer.Limits(64, 40, 512);
    private static final Map<String, TextTokenizer> TOKENIZERS = new LinkedHashMap<>();

    @TempDir
    static Path fixtures;

    @BeforeAll
    static void load() throws IOException {
        TOKENIZERS.put("golden", TextTokenizer.load(SharedData.minimaxTiny()));
        for (BpeFixture.Style style : List.of(BpeFixture.Style.GPT2, BpeFixture.Style.LLAMA3)) {
            Path dir = BpeFixture.write(fixtures.resolve(style.name()), style);
            TOKENIZERS.put(style.name(), TextTokenizer.load(dir));
        }
    }

    @AfterAll
    static void close() {
        TOKENIZERS.values().forEach(TextTokenizer::close);
    }

    @Test
    void randomStringSplitsEmitTheWholeEncoding() {
        Random random = new Random(1234);
        List<String> texts = new ArrayList<>(List.of(synthetic(new Random(1), 3000), synthetic(new Random(2), 1500),
                "", "x", " ", "\r\n", "<eos>", "a<|endoftext|>b\n", "end of text without newline  "));
        texts.addAll(corpusTexts(6000));
        int runs = 0;
        for (Map.Entry<String, TextTokenizer> entry : TOKENIZERS.entrySet()) {
            for (String text : texts) {
                int[] expected = entry.getValue().encode(text);
                for (int split = 0; split < 25; split++) {
                    StreamingTokenizer.Limits limits = split % 5 == 4 ? StreamingTokenizer.Limits.DEFAULT : SMALL;
                    StreamingTokenizer stream = new StreamingTokenizer(entry.getValue(), limits);
                    List<int[]> emitted = new ArrayList<>();
                    for (String piece : randomPieces(random, text)) {
                        emitted.add(stream.accept(piece));
                        assertTrue(stream.retainedChars() < limits.hardLimitChars());
                    }
                    emitted.add(stream.finish());
                    assertArrayEquals(expected, concat(emitted), entry.getKey() + " split " + split + " of "
                            + abbreviate(text));
                    assertEquals(0, stream.retainedChars());
                    runs++;
                }
            }
        }
        assertTrue(runs >= 500, "runs: " + runs);
    }

    @Test
    void addedTokensThatStripOrMatchOnlyWholeWordsStreamToTheWholeEncoding() throws IOException {
        // <eos> with rstrip eats the spaces after it, and with single_word is a token only between
        // word boundaries: a cut just after it, or inside the word it touches, changed the ids
        Random random = new Random(77);
        for (BpeFixture.Style style : List.of(BpeFixture.Style.RSTRIP, BpeFixture.Style.SINGLE_WORD)) {
            try (TextTokenizer tokenizer = TextTokenizer.load(BpeFixture.write(fixtures.resolve(style.name()), style))) {
                StringBuilder text = new StringBuilder();
                for (int i = 0; i < 300; i++) {
                    text.append(random.nextBoolean() ? "<eos>   xxxx " : "abc<eos>def ").append(synthetic(random, 20)).append(' ');
                }
                String whole = text.toString();
                int[] expected = tokenizer.encode(whole);
                for (int split = 0; split < 10; split++) {
                    StreamingTokenizer stream = new StreamingTokenizer(tokenizer, SMALL);
                    List<int[]> emitted = new ArrayList<>();
                    for (String piece : randomPieces(random, whole)) {
                        emitted.add(stream.accept(piece));
                    }
                    emitted.add(stream.finish());
                    assertArrayEquals(expected, concat(emitted), style + " split " + split);
                }
            }
        }
    }

    @Test
    void randomByteSplitsEmitTheWholeEncoding() {
        Random random = new Random(99);
        List<String> texts = new ArrayList<>(List.of(synthetic(new Random(3), 2500)));
        texts.addAll(corpusTexts(3000));
        for (Map.Entry<String, TextTokenizer> entry : TOKENIZERS.entrySet()) {
            for (String text : texts) {
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                int[] expected = entry.getValue().encode(text);
                for (int split = 0; split < 20; split++) {
                    assertArrayEquals(expected, streamBytes(entry.getValue(), bytes, random),
                            entry.getKey() + " byte split " + split + " of " + abbreviate(text));
                }
            }
        }
    }

    @Test
    void malformedUtf8BecomesWhatNewStringMakesOfIt() {
        Random random = new Random(5);
        byte[] fragments = "aé中😀\n ".getBytes(StandardCharsets.UTF_8);
        for (int round = 0; round < 150; round++) {
            byte[] bytes = new byte[random.nextInt(400)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = random.nextInt(3) == 0 ? (byte) random.nextInt(256) : fragments[random.nextInt(fragments.length)];
            }
            for (TextTokenizer tokenizer : TOKENIZERS.values()) {
                int[] expected = tokenizer.encode(new String(bytes, StandardCharsets.UTF_8));
                assertArrayEquals(expected, streamBytes(tokenizer, bytes, random), "round " + round);
            }
        }
    }

    @Test
    void stringsAndBytesMix() {
        TextTokenizer tokenizer = TOKENIZERS.get("GPT2");
        StreamingTokenizer stream = new StreamingTokenizer(tokenizer, SMALL);
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        List<int[]> emitted = new ArrayList<>();
        emitted.add(stream.accept("price: "));
        emitted.add(stream.acceptBytes(euro, 0, 2));
        emitted.add(stream.acceptBytes(ByteBuffer.wrap(euro, 2, 1)));
        emitted.add(stream.accept(" 5\n"));
        emitted.add(stream.acceptBytes(euro, 0, 1));
        emitted.add(stream.accept("x"));
        emitted.add(stream.finish());
        assertArrayEquals(tokenizer.encode("price: € 5\n\uFFFDx"), concat(emitted));
        assertArrayEquals(tokenizer.encode("again"), concat(List.of(stream.accept("again"), stream.finish())),
                "finish() readies the instance for a new text");
        assertEquals(0, stream.finish().length);
    }

    @Test
    void longRunsWithoutWordEndsAreCutAndStayExact() {
        Random random = new Random(77);
        String[] runs = {"a", " ", "=", "-", "😀", "0", "中", "\n", "\r\n", "ab", "é"};
        for (Map.Entry<String, TextTokenizer> entry : TOKENIZERS.entrySet()) {
            long forced = 0;
            for (String run : runs) {
                String text = "start " + run.repeat(3000 / run.length()) + " end\n" + run.repeat(1777) + "x";
                int[] expected = entry.getValue().encode(text);
                for (int split = 0; split < 3; split++) {
                    StreamingTokenizer stream = new StreamingTokenizer(entry.getValue(), SMALL);
                    List<int[]> emitted = new ArrayList<>();
                    for (String piece : randomPieces(random, text)) {
                        emitted.add(stream.accept(piece));
                        assertTrue(stream.retainedChars() < SMALL.hardLimitChars());
                    }
                    emitted.add(stream.finish());
                    assertArrayEquals(expected, concat(emitted), entry.getKey() + " run of " + abbreviate(run));
                    forced += stream.forcedCuts();
                }
            }
            assertTrue(forced > 0, entry.getKey() + " made no forced cut");
        }
    }

    @Test
    void megabytesOfLinesKeepOnlyABoundedTail() {
        Random random = new Random(2024);
        List<String> lines = new ArrayList<>(corpusTexts(200_000).stream().flatMap(t -> t.lines()).toList());
        lines.addAll(synthetic(new Random(4), 20_000).lines().toList());
        StringBuilder whole = new StringBuilder();
        while (whole.length() < 2_000_000) {
            whole.append(lines.get(random.nextInt(lines.size()))).append(random.nextInt(10) == 0 ? "\r\n" : "\n");
        }
        StreamingTokenizer.Limits limits = StreamingTokenizer.Limits.DEFAULT;
        for (Map.Entry<String, TextTokenizer> entry : TOKENIZERS.entrySet()) {
            // 2 MB through the golden tokenizer; the merge fixtures (slower to encode) get 300 K chars.
            String text = entry.getKey().equals("golden") ? whole.toString() : whole.substring(0, 300_000);
            StreamingTokenizer stream = new StreamingTokenizer(entry.getValue());
            List<int[]> emitted = new ArrayList<>();
            int maxRetained = 0;
            for (int i = 0; i < text.length(); ) {
                int n = Math.min(text.length() - i, 1 + random.nextInt(5000));
                emitted.add(stream.accept(text.substring(i, i + n)));
                i += n;
                maxRetained = Math.max(maxRetained, stream.retainedChars());
            }
            // Between calls the tail is below the next attempt, which comes flushChars after the last cut,
            // and a cut leaves about marginChars (plus the distance to the previous word end).
            assertTrue(maxRetained < limits.flushChars() + 2 * limits.marginChars(), "retained " + maxRetained);
            emitted.add(stream.finish());
            assertArrayEquals(entry.getValue().encode(text), concat(emitted), entry.getKey());
            assertEquals(0, stream.forcedCuts(), entry.getKey());
        }
    }

    @Test
    void aLongTextWithoutWordEndsStaysBounded() {
        TextTokenizer tokenizer = TOKENIZERS.get("GPT2");
        StreamingTokenizer stream = new StreamingTokenizer(tokenizer);
        String piece = "aaaaaaaaaa".repeat(3000);
        long ids = 0;
        for (int i = 0; i < 20; i++) {
            ids += stream.accept(piece).length;
            assertTrue(stream.retainedChars() < StreamingTokenizer.Limits.DEFAULT.hardLimitChars());
        }
        ids += stream.finish().length;
        assertEquals(tokenizer.encode(piece.repeat(20)).length, ids);
        assertTrue(stream.forcedCuts() > 0);
    }

    @Test
    void tokenizersWithAPrefixSpaceAreRefused(@TempDir Path dir) throws IOException {
        try (TextTokenizer tokenizer = TextTokenizer.load(BpeFixture.write(dir, BpeFixture.Style.PREFIX_SPACE))) {
            assertTrue(tokenizer.streamingProblem().isPresent());
            TokenizerException e = assertThrows(TokenizerException.class, () -> new StreamingTokenizer(tokenizer));
            assertTrue(e.getMessage().contains("cannot be streamed"), e.getMessage());
        }
    }

    @Test
    void limitsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new StreamingTokenizer.Limits(0, 10, 100));
        assertThrows(IllegalArgumentException.class, () -> new StreamingTokenizer.Limits(64, 40, 143));
        TextTokenizer golden = TOKENIZERS.get("golden");
        assertThrows(IllegalArgumentException.class,
                () -> new StreamingTokenizer(golden, new StreamingTokenizer.Limits(1, 1, 20)),
                "margin raised to the longest added token no longer fits");
        // sums past Integer.MAX_VALUE are refused, not wrapped into limits that pass and then loop forever
        assertThrows(IllegalArgumentException.class, () -> new StreamingTokenizer.Limits(Integer.MAX_VALUE, 512, 65536));
        assertThrows(IllegalArgumentException.class, () -> new StreamingTokenizer.Limits(1 << 30, 1 << 30, 1 << 30));
    }

    @Test
    void wordEnds() {
        String text = "ab, c\n1 é\u0301x😀 y\t\t";
        List<Integer> ends = new ArrayList<>();
        for (int c = 0; c <= text.length(); c++) {
            if (CutPoints.isWordEnd(text, c)) {
                ends.add(c);
            }
        }
        // after "ab", after "," (before " "), after "c", after "1", after "x" (not between é and its
        // combining mark), after the emoji (before " "), after "y"
        assertEquals(List.of(2, 3, 5, 7, 11, 13, 15), ends);
        assertFalse(CutPoints.isWordEnd("a\uD83D\uDE00", 2), "inside a surrogate pair");
    }

    // ---- helpers ----

    private static int[] streamBytes(TextTokenizer tokenizer, byte[] bytes, Random random) {
        StreamingTokenizer stream = new StreamingTokenizer(tokenizer, SMALL);
        List<int[]> emitted = new ArrayList<>();
        for (int i = 0; i < bytes.length; ) {
            int n = Math.min(bytes.length - i, random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 1 + random.nextInt(200));
            switch (random.nextInt(3)) {
                case 0 -> emitted.add(stream.acceptBytes(java.util.Arrays.copyOfRange(bytes, i, i + n)));
                case 1 -> emitted.add(stream.acceptBytes(bytes, i, n));
                default -> {
                    ByteBuffer buffer = ByteBuffer.allocateDirect(n + 2).put(bytes, i, n).flip();
                    emitted.add(stream.acceptBytes(buffer));
                    assertFalse(buffer.hasRemaining());
                }
            }
            assertTrue(stream.retainedChars() < SMALL.hardLimitChars());
            i += n;
        }
        emitted.add(stream.finish());
        return concat(emitted);
    }

    /** Pieces of random sizes, sometimes single chars (which splits surrogate pairs). */
    private static List<String> randomPieces(Random random, String text) {
        List<String> pieces = new ArrayList<>();
        int max = 1 + random.nextInt(random.nextBoolean() ? 8 : 700);
        for (int i = 0; i < text.length(); ) {
            int n = Math.min(text.length() - i, 1 + random.nextInt(max));
            pieces.add(text.substring(i, i + n));
            i += n;
        }
        if (random.nextInt(4) == 0) {
            pieces.add(random.nextInt(pieces.size() + 1), "");
        }
        return pieces;
    }

    /** Words, numbers, punctuation, multi-byte text, emoji, white-space runs, CRLF, special tokens. */
    static String synthetic(Random random, int length) {
        String[] words = {"the", "error", "and", "in", "a", "is", "ing", "é", "café", "中文", "文", "😀", "👍🏽",
            "aaaa", "abc", "123", "2023-06-01", "x=1", "==", "--", "...", "'s", "don't", "<eos>",
            "<|endoftext|>", "e\u0301", "½", "Ⅻ", "naïve", "über", "ÆØÅ", "\u00A0", "Ω"};
        String[] gaps = {" ", " ", " ", "  ", "    ", "\t", "\n", "\r\n", "\n\n", " \n", ".\n", ", ", "",
            "          ", "\n   \n"};
        StringBuilder sb = new StringBuilder();
        while (sb.length() < length) {
            sb.append(words[random.nextInt(words.length)]).append(gaps[random.nextInt(gaps.length)]);
        }
        return sb.toString();
    }

    /** A few KB of two loghub logs and one CUAD contract; the corpus is shared test data CI has. */
    static List<String> corpusTexts(int maxChars) {
        Path corpus = SharedData.corpusDir();
        if (!Files.isDirectory(corpus)) {
            throw new AssertionError("the shared corpus is missing at " + corpus + " (tests expect ../shared/corpus)");
        }
        try (Stream<Path> contracts = Files.list(corpus.resolve("contracts/cuad/docs"))) {
            Path contract = contracts.filter(p -> p.toString().endsWith(".txt")).sorted().findFirst().orElseThrow();
            return List.of(
                    SharedData.head(corpus.resolve("logs/loghub_2k/HDFS/HDFS_2k.log"), maxChars),
                    SharedData.head(corpus.resolve("logs/loghub_2k/Android/Android_2k.log"), maxChars),
                    SharedData.head(contract, maxChars));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void corpusIsThereInCi() {
        assertEquals(3, corpusTexts(100).size());
    }

    private static int[] concat(List<int[]> parts) {
        int n = parts.stream().mapToInt(p -> p.length).sum();
        int[] all = new int[n];
        int at = 0;
        for (int[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    private static String abbreviate(String text) {
        String shown = text.length() > 60 ? text.substring(0, 60) + "…(" + text.length() + " chars)" : text;
        return "\"" + shown.replace("\n", "\\n").replace("\r", "\\r") + "\"";
    }
}
