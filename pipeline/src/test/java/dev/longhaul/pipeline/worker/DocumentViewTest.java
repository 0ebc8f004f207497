/*
 * The context-budget view on real corpus documents: its middle is chosen by the digest's salience
 * ranking (an HDFS log's warning, no template twice, with the MiniLM encoder), and it stays bounded on a 64 MiB log
 * (the encoder sees at most MAX_CANDIDATES lines, once; the budget is never exceeded; the view
 * still begins with the document's beginning and ends with its end).
 */
package dev.longhaul.pipeline.worker;

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

import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.tokenizer.TextTokenizer;
import dev.longhaul.pipeline.analyze.digest.Encoder;
import dev.longhaul.pipeline.analyze.digest.HashingEncoder;
import dev.longhaul.pipeline.analyze.digest.MiniLmEncoder;
import dev.longhaul.schemas.DocumentKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DocumentViewTest {
    private static final int CHUNK = 64 << 10;
    private static TextTokenizer tokenizer;

    @BeforeAll
    static void loadTokenizer() {
        tokenizer = TextTokenizer.load(SharedData.minimaxTiny());
    }

    @AfterAll
    static void closeTokenizer() {
        tokenizer.close();
    }

    /** What a view fed: the outcome and the text of its tokens. */
    private record Read(DocumentView.Outcome outcome, String text) {
        /** The passages between the beginning and the end, one line each. */
        List<String> middleLines() {
            String[] parts = text.split(java.util.regex.Pattern.quote(Prompts.ELISION), -1);
            List<String> lines = new ArrayList<>();
            for (int i = 1; i < parts.length - 1; i++) {
                Arrays.stream(parts[i].split("\n")).filter(l -> !l.isBlank()).forEach(lines::add);
            }
            return lines;
        }
    }

    private static Read view(Encoder encoder, DocumentKind kind, int budget, long total, Iterable<byte[]> chunks) {
        List<int[]> fed = new ArrayList<>();
        DocumentView view = new DocumentView(new DocumentView.Setup(tokenizer, encoder, budget), kind, total, fed::add);
        chunks.forEach(c -> view.accept(null, c));
        DocumentView.Outcome outcome = view.finish();
        int[] all = fed.stream().flatMapToInt(Arrays::stream).toArray();
        return new Read(outcome, tokenizer.decode(all));
    }

    private static List<byte[]> chunks(byte[] doc) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < doc.length; i += CHUNK) {
            out.add(Arrays.copyOfRange(doc, i, Math.min(doc.length, i + CHUNK)));
        }
        return out;
    }

    @Test
    void theMiddleOfALogIsChosenByTheDigestsSalienceAWarningOnceAndNoTemplateTwice() throws IOException {
        // given a real HDFS log (2000 lines; 80 warnings, all of one template) far longer than the budget
        Path dir = SharedData.corpusDir().resolve("logs/loghub_2k/HDFS");
        byte[] doc = Files.readAllBytes(dir.resolve("HDFS_2k.log"));
        List<String> docLines = Files.readAllLines(dir.resolve("HDFS_2k.log"), StandardCharsets.UTF_8);
        List<String> templates = templatesByLine(dir.resolve("HDFS_2k.log_structured.csv"));
        // when the view reads it with the production sentence encoder
        Read read = view(MiniLmEncoder.load(), DocumentKind.LOG, 4096, doc.length, chunks(doc));
        // then it is a view, not the whole, within the budget
        assertFalse(read.outcome().whole());
        assertTrue(read.outcome().tokensFed() <= 4096, "fed " + read.outcome().tokensFed());
        assertTrue(read.outcome().shareRead() > 0 && read.outcome().shareRead() < 1, "share " + read.outcome().shareRead());
        // and its middle is verbatim lines of the log in document order: a warning (the keyword
        // boost), and no template twice (MMR and the duplicate rule), where the log is 4% warnings
        // and two templates make most of it
        List<String> middle = read.middleLines();
        assertTrue(middle.size() >= 3, "middle " + middle);
        int last = -1;
        List<String> seen = new ArrayList<>();
        for (String line : middle) {
            int at = docLines.indexOf(line);
            assertTrue(at > last, "in document order and verbatim: " + line);
            last = at;
            assertFalse(seen.contains(templates.get(at)), "template " + templates.get(at) + " twice: " + middle);
            seen.add(templates.get(at));
        }
        assertTrue(middle.stream().anyMatch(l -> l.contains(" WARN ")), "a warning: " + middle);
    }

    /** The ground truth's template id (EventId) of each line, by line index. */
    private static List<String> templatesByLine(Path structuredCsv) throws IOException {
        List<String> rows = Files.readAllLines(structuredCsv, StandardCharsets.UTF_8);
        List<String> header = Arrays.asList(rows.getFirst().split(","));
        int column = header.indexOf("EventId");
        return rows.stream().skip(1).map(r -> r.split(",")[column]).toList();
    }

    @Test
    void a64MiBLogIsReadWithABoundedCandidateSetAndKeepsItsBeginningAndEnd() throws IOException {
        // given the full Linux log repeated to 64 MiB, with a distinct last line
        byte[] log = Files.readAllBytes(SharedData.corpusDir().resolve("logs/full/Linux.log"));
        long total = 64L << 20;
        byte[] ending = "Dec 31 23:59:59 combo kernel: the very last line of the document\n".getBytes(StandardCharsets.UTF_8);
        List<byte[]> chunks = new ArrayList<>();
        for (long sent = 0; sent < total - ending.length; ) {
            int n = (int) Math.min(Math.min(CHUNK, log.length - sent % log.length), total - ending.length - sent);
            int from = (int) (sent % log.length);
            chunks.add(Arrays.copyOfRange(log, from, from + n));
            sent += n;
        }
        chunks.add(ending);
        CountingEncoder encoder = new CountingEncoder();
        // when the view reads it under a 4096-token budget
        Read read = view(encoder, DocumentKind.LOG, 4096, total, chunks);
        // then the encoder ran once, on a bounded candidate set, and the budget held
        assertEquals(1, encoder.calls, "encoder calls");
        assertTrue(encoder.texts > 0 && encoder.texts <= DocumentView.MAX_CANDIDATES, "encoded " + encoder.texts);
        assertEquals(total, read.outcome().documentBytes());
        assertTrue(read.outcome().tokensFed() <= 4096, "fed " + read.outcome().tokensFed());
        assertTrue(read.outcome().shareRead() < 0.01, "share " + read.outcome().shareRead());
        // and the view begins with the log's beginning, ends with its end, and has a middle
        String first = new String(log, 0, 40, StandardCharsets.UTF_8);
        assertTrue(read.text().startsWith(first), "begins with " + first);
        assertTrue(read.text().endsWith(new String(ending, StandardCharsets.UTF_8)), "ends with the last line");
        assertFalse(read.middleLines().isEmpty(), "a middle was chosen");
    }

    /** The hashing test encoder, counting its calls and texts. */
    private static final class CountingEncoder implements Encoder {
        private final HashingEncoder inner = new HashingEncoder();
        int calls;
        int texts;

        @Override
        public int dimension() {
            return inner.dimension();
        }

        @Override
        public float[][] encode(List<String> batch) {
            calls++;
            texts += batch.size();
            return inner.encode(batch);
        }
    }

    @Test
    void aDocumentSpellingSpecialTokensIsEstimatedAsFedAndItsViewKeepsTheEndWhateverTheChunkSize() {
        // a document spelling special tokens: encoded, each is one token, but each is fed spelled
        // out, a token a character, far past a budget of 1.25 times its encoded length; the
        // estimate counts what is fed, so it is read as a view, in any chunking (a whole read that
        // turns into a view is the repository test below)
        String special = spelledSpecial();
        byte[] ending = "\nthe very last line of the document\n".getBytes(StandardCharsets.UTF_8);
        byte[] body = (special + " ").repeat(4 * CHUNK / (special.length() + 1)).getBytes(StandardCharsets.UTF_8);
        byte[] doc = Arrays.copyOf(body, body.length + ending.length);
        System.arraycopy(ending, 0, doc, body.length, ending.length);
        int budget = (int) (tokenizer.encode(new String(doc, StandardCharsets.UTF_8)).length / 0.8) + 16;
        for (int chunkBytes : List.of(4 << 10, CHUNK, doc.length)) { // the last: the whole document in one chunk
            List<byte[]> chunks = new ArrayList<>();
            for (int i = 0; i < doc.length; i += chunkBytes) {
                chunks.add(Arrays.copyOfRange(doc, i, Math.min(doc.length, i + chunkBytes)));
            }
            Read read = view(new HashingEncoder(), DocumentKind.TEXT, budget, doc.length, chunks);
            // then it is not whole, the budget held, and the model read the beginning and the end
            assertFalse(read.outcome().whole(), chunkBytes + "-byte chunks: " + read.outcome());
            assertTrue(read.outcome().tokensFed() <= budget, "fed " + read.outcome().tokensFed());
            assertTrue(read.text().startsWith(special + " " + special), "begins with the beginning");
            assertTrue(read.text().endsWith(new String(ending, StandardCharsets.UTF_8)), "ends with the end: "
                    + read.text().substring(Math.max(0, read.text().length() - 80)));
            // and the share read is the bytes whose tokens were fed (a token a byte here, markers aside)
            double fedShare = (double) read.outcome().tokensFed() / doc.length;
            assertEquals(fedShare, read.outcome().shareRead(), 0.02, chunkBytes + "-byte chunks: " + read.outcome());
        }
    }

    @Test
    void aViewOfCjkTextCutsNoCharacterInHalf() {
        // three-byte characters in lines longer than a view keeps whole, far past the budget: the
        // beginning's end, the end's start and the middle lines' cuts fall inside characters
        String line = "长文档的流式阅读测试，每一行都很长。".repeat(100) + "\n";
        byte[] doc = line.repeat(300).getBytes(StandardCharsets.UTF_8);
        Read read = view(new HashingEncoder(), DocumentKind.TEXT, 60_000, doc.length, chunks(doc));
        assertFalse(read.outcome().whole(), read.outcome().toString());
        // a partial character can only stand where a token cap cut a passage (here the last one, or
        // the end trimmed to the room left), never where a byte offset cut (the beginning's end, the
        // end's start, a long middle line): that was 4 here, one a cut
        assertFalse(read.middleLines().isEmpty(), "the view read a middle passage");
        long replaced = read.text().chars().filter(c -> c == 0xFFFD).count();
        assertTrue(replaced <= 2, replaced + " characters cut in half in " + read.text().length() + " read");
        assertEquals(1, DocumentView.completeChars("a长".getBytes(StandardCharsets.UTF_8), 3));
        assertEquals(1, DocumentView.completeChars("a长".getBytes(StandardCharsets.UTF_8), 2));
        assertEquals(4, DocumentView.completeChars("a长".getBytes(StandardCharsets.UTF_8), 4));
        assertEquals(3, DocumentView.charStart("长a".getBytes(StandardCharsets.UTF_8), 1));
    }

    @Test
    void theBeginningIsItsShareOfTheBudgetWhateverTheChunkSize() {
        // a document far over its budget, one token a byte: the beginning is 40% of the budget
        String filler = "filler words of the opening and the closing parts\n";
        byte[] doc = filler.repeat(20_000).getBytes(StandardCharsets.UTF_8);
        int budget = 100_000;
        for (int chunkBytes : List.of(1 << 10, 4 << 10, CHUNK)) {
            List<byte[]> chunks = new ArrayList<>();
            for (int i = 0; i < doc.length; i += chunkBytes) {
                chunks.add(Arrays.copyOfRange(doc, i, Math.min(doc.length, i + chunkBytes)));
            }
            Read read = view(new HashingEncoder(), DocumentKind.TEXT, budget, doc.length, chunks);
            assertFalse(read.outcome().whole());
            int head = read.text().indexOf(Prompts.ELISION);
            assertTrue(head >= 0.35 * budget && head <= 0.45 * budget, chunkBytes + "-byte chunks: a beginning of " + head + " chars");
        }
    }

    @Test
    void aDocumentThatFitsIsReadWholeInAnyChunking() {
        byte[] doc = "plain text, one token a byte in the tiny tokenizer.\n".repeat(2000).getBytes(StandardCharsets.UTF_8);
        for (int chunkBytes : List.of(1000, 4 << 10, CHUNK)) {
            List<byte[]> chunks = new ArrayList<>();
            for (int i = 0; i < doc.length; i += chunkBytes) {
                chunks.add(Arrays.copyOfRange(doc, i, Math.min(doc.length, i + chunkBytes)));
            }
            Read read = view(new HashingEncoder(), DocumentKind.TEXT, (int) (doc.length / 0.8) + 10, doc.length, chunks);
            assertTrue(read.outcome().whole(), chunkBytes + "-byte chunks: " + read.outcome());
            assertEquals(1.0, read.outcome().shareRead());
            assertEquals(new String(doc, StandardCharsets.UTF_8), read.text());
        }
    }

    @Test
    void aRepositoryWhoseFileHeadersOutgrowTheBudgetIsReadAsAViewAndNotCountedAsRead() {
        // given 500 one-line files under long paths: the headers the model reads are not in the
        // first file's estimate, which says the repository fits
        List<String> paths = new ArrayList<>();
        List<byte[]> files = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            paths.add("src/main/java/dev/example/some/deeply/nested/package/name/File" + i + ".java");
            files.add(("class File" + i + " {}\n").getBytes(StandardCharsets.UTF_8));
        }
        long total = files.stream().mapToLong(f -> f.length).sum();
        int budget = (int) (total / 0.8) + 64;
        List<int[]> fed = new ArrayList<>();
        DocumentView view = new DocumentView(new DocumentView.Setup(tokenizer, new HashingEncoder(), budget), DocumentKind.REPO, total, fed::add);
        for (int i = 0; i < files.size(); i++) {
            view.accept(paths.get(i), files.get(i));
        }
        DocumentView.Outcome outcome = view.finish();
        String text = tokenizer.decode(fed.stream().flatMapToInt(Arrays::stream).toArray());
        // then it is not whole, within the budget, ends with the last file, and says it read part
        assertFalse(outcome.whole(), outcome.toString());
        assertTrue(outcome.tokensFed() <= budget, outcome.toString());
        assertTrue(text.endsWith("class File499 {}\n"), text.substring(Math.max(0, text.length() - 80)));
        assertTrue(outcome.shareRead() < 0.9, "most files never reached the model: " + outcome);
        int filesRead = (int) java.util.stream.IntStream.range(0, 500).filter(i -> text.contains("class File" + i + " {}")).count();
        assertEquals((double) filesRead / 500, outcome.shareRead(), 0.1, filesRead + " files read; " + outcome);
    }

    /** A special token of the tiny tokenizer at least four characters long, as text. */
    private static String spelledSpecial() {
        for (int id = 0; id < 1 << 16; id++) {
            if (tokenizer.isSpecial(id) && tokenizer.decode(new int[] {id}).length() >= 4) {
                return tokenizer.decode(new int[] {id});
            }
        }
        throw new AssertionError("the tiny tokenizer has a special token to spell");
    }

    @Test
    void aWholeReadTheBudgetCutsShortIsNeitherWholeNorCountedAsRead() {
        // a document spelling a special token over and over: the first chunk's estimate counts each
        // as one token, so the document is read whole, but each is fed spelled out (LiteralTokens),
        // a token a character, and the budget cuts the read far before the end
        String special = null;
        for (int id = 0; id < 1 << 16 && special == null; id++) {
            if (tokenizer.isSpecial(id) && tokenizer.decode(new int[] {id}).length() >= 4) {
                special = tokenizer.decode(new int[] {id});
            }
        }
        assertTrue(special != null, "the tiny tokenizer has a special token to spell");
        byte[] chunk = (special + " ").repeat(CHUNK / (special.length() + 1)).getBytes(StandardCharsets.UTF_8);
        long total = 3L * chunk.length;
        int estimate = 3 * tokenizer.encode(new String(chunk, StandardCharsets.UTF_8)).length;
        int budget = (int) (estimate / 0.8) + 16;
        Read read = view(new HashingEncoder(), DocumentKind.TEXT, budget, total, List.of(chunk, chunk, chunk));
        assertTrue(read.outcome().tokensFed() <= budget);
        assertFalse(read.outcome().whole(), "the budget cut the read: not whole");
        double fedShare = (double) read.outcome().tokensFed() / total; // a fed token is a byte here
        assertEquals(fedShare, read.outcome().shareRead(), 0.05,
                "the share read is the bytes whose tokens were fed, not every chunk touched: " + read.outcome());
    }

    @Test
    void passagesThatFollowEachOtherInTheDocumentHaveNoElisionMarkerBetweenThemWhateverTheirIndentationAndLineBreaks() {
        // given a document far over its budget whose middle is a few indented CRLF clauses with a
        // blank line between each two: their passages fit the middle's share, so all are read
        String filler = "filler words of the opening and the closing parts\n";
        StringBuilder middle = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            middle.append("    ").append(i).append(". The Supplier shall deliver lot ").append((char) ('A' + i))
                    .append(" on time\r\n\r\n");
        }
        int budget = 2000;
        String doc = filler.repeat(16) + "\n" + middle + filler.repeat(40);
        byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
        // head: 40% of the budget, one token a byte; the middle begins at a line boundary past it
        String head = doc.substring(0, (int) (0.4 * budget));
        assertTrue(head.endsWith("\n") && doc.length() - head.length() > budget, "a view whose head ends at a line");
        Read read = view(new HashingEncoder(), DocumentKind.CONTRACT, budget, bytes.length, chunks(bytes));
        assertFalse(read.outcome().whole());
        // then every clause is read, verbatim, in order
        List<String> lines = read.middleLines();
        for (int i = 0; i < 4; i++) {
            String clause = i + ". The Supplier shall deliver lot " + (char) ('A' + i) + " on time";
            assertTrue(lines.contains(clause), clause + " in " + lines);
        }
        // and the clauses, which follow each other in the document, are one passage: no marker says
        // that something between them was left out
        String text = read.text();
        int first = text.indexOf("0. The Supplier");
        int last = text.indexOf("3. The Supplier");
        assertTrue(first >= 0 && last > first, text);
        assertFalse(text.substring(first, last).contains(Prompts.ELISION.strip()), "a marker between adjacent clauses: " + text);
    }
}
