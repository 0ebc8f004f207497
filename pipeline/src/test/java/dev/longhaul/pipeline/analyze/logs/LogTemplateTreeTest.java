/*
 * The parse tree and the miner around it: lines that differ only in variables share a template,
 * different structures do not, the template count stays bounded on a long stream, and the result
 * does not depend on how the text was chunked.
 */
package dev.longhaul.pipeline.analyze.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LogTemplateTreeTest {
    private static final String HEAD = "Dec 10 06:55:46 LabSZ sshd[24200]: ";

    @Test
    void linesDifferingOnlyInVariablesShareOneTemplate() {
        // Given lines of one event with different users, addresses and ports
        List<String> lines = List.of(
                "Failed password for root from 183.62.140.253 port 42836 ssh2",
                "Failed password for admin from 119.4.203.64 port 2191 ssh2",
                "Failed password for guest from 5.36.59.76 port 1034 ssh2");
        // When they are mined
        Map<Long, Integer> ids = new HashMap<>();
        LogSummary summary = mine(lines, ids);
        // Then they form one template whose variable words are wildcards
        assertEquals(1, summary.templates().size());
        assertEquals("Failed password for <*> from <*> port <*> ssh2", summary.templates().get(0).template());
        assertEquals(3, summary.templates().get(0).count());
        assertEquals(1, ids.values().stream().distinct().count());
    }

    /**
     * Lines that join a template of another leaf make no path of their own: before, each left an
     * empty leaf behind (a 256-character word in it), thousands per line length, bounded by none of
     * the template bounds.
     */
    @Test
    void linesJoiningAnotherLeafsTemplateGrowNoTree() {
        TemplateTree tree = new TemplateTree(LogTemplateConfig.defaults());
        TemplateTree.Cluster seed = tree.add(List.of(TokenMasker.WILDCARD, TokenMasker.WILDCARD, "x"));
        int before = tree.nodes();
        for (int i = 0; i < 5_000; i++) {
            // words without digits, which the tree routes by (a token with a digit goes down <*>)
            String w = letters(i);
            assertEquals(seed, tree.add(List.of(w, w + "z".repeat(250), "x")), "joins the seed across leaves");
        }
        assertEquals(before, tree.nodes());
        assertEquals(1, tree.clusters().size());
    }

    private static String letters(int i) {
        StringBuilder b = new StringBuilder();
        do {
            b.append((char) ('a' + i % 26));
            i /= 26;
        } while (i > 0);
        return b.toString();
    }

    @Test
    void differentStructuresStaySeparate() {
        // Given events of the same length and first word, and events of other lengths
        List<String> lines = List.of(
                "Received disconnect from 1.2.3.4: 11: Bye Bye [preauth]",
                "Received disconnect from 1.2.3.5: 11: disconnected by user",
                "Invalid user webmaster from 173.234.31.186",
                "Invalid user test from 52.80.34.196",
                "Connection closed by 10.0.0.1 [preauth]");
        // When they are mined
        LogSummary summary = mine(lines, new HashMap<>());
        // Then each structure keeps its own template
        List<String> templates = summary.templates().stream().map(LogSummary.Template::template).toList();
        assertEquals(4, templates.size(), templates.toString());
        assertEquals(2, summary.templates().get(0).count());
        assertEquals("Invalid user <*> from <*>", summary.templates().get(0).template());
    }

    @Test
    void partOfATokenIsGeneralisedAtPunctuation() {
        assertEquals("user=<*>", TemplateTree.mergeToken("user=root", "user=guest"));
        assertEquals("<*>", TemplateTree.mergeToken("root", "robert"));
        assertEquals("[<*>]", TemplateTree.mergeToken("[alpha]", "[beta]"));
        assertEquals("rhost=<*>", TokenMasker.mask("rhost=218.188.2.4"));
        assertEquals("blk_<*>", TokenMasker.mask("blk_-6952295868487656571"));
        assertEquals("t761", TokenMasker.mask("t761"));
    }

    @Test
    void templateCountStaysBoundedOnALongStream() {
        // Given 200,000 lines drawn from five events with random variables (seeded)
        Random random = new Random(42);
        String[] events = {
            "session opened for user %s by (uid=%d)",
            "Accepted publickey for %s from %d.%d.%d.%d port %d ssh2",
            "PacketResponder %d for block blk_%d terminating",
            "Received block blk_%d of size %d from /%d.%d.%d.%d",
            "Connection from %d.%d.%d.%d port %d on %s",
        };
        String[] names = {"root", "alice", "bob", "carol", "dave", "eve"};
        LogTemplateMiner miner = new LogTemplateMiner(LogTemplateConfig.defaults());
        int lines = 200_000;
        for (int i = 0; i < lines; i++) {
            int e = random.nextInt(events.length);
            String content = switch (e) {
                case 0 -> events[0].formatted(names[random.nextInt(names.length)], random.nextInt(1000));
                case 1 -> events[1].formatted(names[random.nextInt(names.length)], random.nextInt(256),
                        random.nextInt(256), random.nextInt(256), random.nextInt(256), random.nextInt(65536));
                case 4 -> events[4].formatted(random.nextInt(256), random.nextInt(256), random.nextInt(256),
                        random.nextInt(256), random.nextInt(65536), names[random.nextInt(names.length)]);
                case 2 -> events[2].formatted(random.nextInt(3), random.nextLong());
                default -> events[3].formatted(random.nextLong(), random.nextInt(1 << 26), random.nextInt(256),
                        random.nextInt(256), random.nextInt(256), random.nextInt(256));
            };
            miner.accept(HEAD + content);
        }
        // When the stream ends
        LogSummary summary = miner.finish();
        // Then every line was read and the template count (the only state that grows) is five
        assertEquals(lines, summary.lines());
        assertEquals(events.length, summary.templates().size(),
                summary.templates().stream().map(LogSummary.Template::template).toList().toString());
    }

    @Test
    void chunkingDoesNotChangeTheResult() {
        // Given a small log as one text
        StringBuilder text = new StringBuilder();
        Random random = new Random(7);
        for (int i = 0; i < 500; i++) {
            text.append(HEAD).append(i % 3 == 0 ? "Invalid user u" + random.nextInt(9) + " from 10.0.0." + i % 200
                    : "Connection closed by 10.1.1." + i % 100 + " [preauth]").append(i % 2 == 0 ? "\r\n" : "\n");
        }
        // When it is fed whole, and in random pieces
        LogTemplateMiner whole = new LogTemplateMiner(LogTemplateConfig.defaults());
        whole.acceptChunk(text);
        LogTemplateMiner pieces = new LogTemplateMiner(LogTemplateConfig.defaults());
        for (int at = 0; at < text.length(); ) {
            int end = Math.min(text.length(), at + 1 + random.nextInt(97));
            pieces.acceptChunk(text.subSequence(at, end));
            at = end;
        }
        // Then the summaries are equal
        assertEquals(whole.finish(), pieces.finish());
    }

    /** LF, CRLF and a lone CR (old Mac files, some devices) each end a line, whatever the pieces. */
    @Test
    void everyLineBreakEndsALineInAnyPieces() {
        StringBuilder lf = new StringBuilder();
        StringBuilder mixed = new StringBuilder();
        String[] breaks = {"\n", "\r\n", "\r"};
        Random random = new Random(8);
        for (int i = 0; i < 300; i++) {
            String line = HEAD + (i % 3 == 0 ? "Invalid user u" + random.nextInt(9) + " from 10.0.0." + i % 200
                    : "Connection closed by 10.1.1." + i % 100 + " [preauth]");
            lf.append(line).append('\n');
            mixed.append(line).append(breaks[i % 3]);
        }
        LogTemplateMiner byLf = new LogTemplateMiner(LogTemplateConfig.defaults());
        byLf.acceptChunk(lf);
        LogSummary expected = byLf.finish();
        assertEquals(300, expected.lines());
        LogTemplateMiner pieces = new LogTemplateMiner(LogTemplateConfig.defaults());
        for (int at = 0; at < mixed.length(); ) {
            int end = Math.min(mixed.length(), at + 1 + random.nextInt(13)); // CRLFs split between pieces too
            pieces.acceptChunk(mixed.subSequence(at, end));
            at = end;
        }
        assertEquals(expected, pieces.finish());
    }

    @Test
    void unrelatedFirstWordsDoNotShareABranchTemplate() {
        LogSummary summary = mine(List.of("alpha beta gamma delta", "omega beta gamma delta"), new HashMap<>());
        assertNotEquals(1, summary.templates().size());
    }

    private static LogSummary mine(List<String> contents, Map<Long, Integer> ids) {
        LogTemplateMiner miner = new LogTemplateMiner(LogTemplateConfig.defaults(), ids::put);
        List<String> lines = new ArrayList<>();
        contents.forEach(c -> lines.add(HEAD + c));
        lines.forEach(miner::accept);
        return miner.finish();
    }

    @Test
    void aLineHoldingAPayloadOfThousandsOfNumbersIsMaskedNotACrash() {
        // a JSON-ish line with 3,000 numbers in one token: java.util.regex recursed per number
        StringBuilder list = new StringBuilder("embedding=[");
        for (int i = 0; i < 3000; i++) {
            list.append(i == 0 ? "" : ",").append(i % 7).append('.').append(i % 10);
        }
        String token = list.append(']').toString();
        assertEquals("embedding=[" + TokenMasker.WILDCARD, TokenMasker.mask(token));
        LogSummary summary = mine(List.of("vector " + token + " stored", "vector " + token.replace('3', '4') + " stored"), new HashMap<>());
        assertEquals(1, summary.templates().size(), "one event: " + summary.templates());
        assertEquals("vector embedding=[<*> stored", summary.templates().getFirst().template());
        // and a short token is still masked part by part
        assertEquals("rhost=<*>", TokenMasker.mask("rhost=10.0.0.1"));
    }

    @Test
    void aLogOfUniqueLinesMakesBoundedTemplatesAndKeepsEveryLinesCount() {
        // 30,000 lines of unrelated words (high-variety text, or binary): one template a line before
        Random random = new Random(3);
        List<String> contents = new ArrayList<>();
        for (int i = 0; i < 30_000; i++) {
            StringBuilder line = new StringBuilder();
            for (int w = 0; w < 6; w++) {
                for (int c = 0; c < 5; c++) {
                    line.append((char) ('a' + random.nextInt(26)));
                }
                line.append(' ');
            }
            contents.add(line.toString().strip());
        }
        LogSummary summary = mine(contents, new HashMap<>());
        assertTrue(summary.templates().size() <= TemplateTree.MAX_TEMPLATES + 1, "templates: " + summary.templates().size());
        assertEquals(30_000, summary.lines());
        assertEquals(30_000, summary.templates().stream().mapToLong(t -> t.count()).sum(), "every line is counted in a template");
        assertTrue(summary.templates().stream().anyMatch(t -> t.template().equals("<*> <*> <*> <*> <*> <*>")),
                "lines past the bounds join their length's catch-all");
    }

    @Test
    void longWordsAreCutAndTheCharsTemplatesHoldAreBounded() {
        // a token of 60,000 letters (no digit, no slash) keeps at most MAX_TOKEN of them
        String letters = "q".repeat(60_000);
        assertEquals("q".repeat(TokenMasker.MAX_TOKEN) + TokenMasker.WILDCARD, TokenMasker.mask(letters));
        assertEquals("key=" + TokenMasker.WILDCARD, TokenMasker.mask("key=" + "7".repeat(300)));
        // given unique lines of long words, each under the cut, one line per length (each its own
        // subtree): about 88,000 tokens, far under the token bound, but 22 million chars
        TemplateTree tree = new TemplateTree(LogTemplateConfig.defaults());
        Random random = new Random(9);
        int lines = 400;
        for (int i = 0; i < lines; i++) {
            List<String> words = new ArrayList<>();
            for (int w = 0; w < 20 + i; w++) {
                char[] word = new char[TokenMasker.MAX_TOKEN];
                for (int c = 0; c < word.length; c++) {
                    word[c] = (char) ('a' + random.nextInt(26));
                }
                words.add(new String(word));
            }
            tree.add(words);
        }
        // then what the templates hold stays within the char bound, and every line is still counted
        assertTrue(tree.heldChars() <= TemplateTree.MAX_HELD_CHARS, "held " + tree.heldChars());
        assertTrue(tree.heldChars() > TemplateTree.MAX_HELD_CHARS / 2, "the bound was reached: " + tree.heldChars());
        assertEquals(lines, tree.clusters().stream().mapToLong(c -> c.count).sum(), "every line is counted");
    }

    @Test
    void longUniqueLinesAreBoundedByTheTokensTemplatesHoldNotOnlyByTheirCount() {
        // 1,500 lines of about 1,000 unrelated words each (SQL or JSON bodies without digits): far
        // under the template count's bound, yet one and a half million tokens to keep
        TemplateTree tree = new TemplateTree(LogTemplateConfig.defaults());
        Random random = new Random(5);
        int lines = 1_500;
        for (int i = 0; i < lines; i++) {
            List<String> words = new ArrayList<>();
            for (int w = 0; w < 1_000 + i % 50; w++) {
                words.add(Character.toString('a' + random.nextInt(26)) + (char) ('a' + random.nextInt(26)) + (char) ('a' + random.nextInt(26)));
            }
            tree.add(words);
        }
        assertTrue(tree.heldTokens() <= TemplateTree.MAX_HELD_TOKENS, "held " + tree.heldTokens());
        assertEquals(lines, tree.clusters().stream().mapToLong(c -> c.count).sum(), "every line is counted");
        // lines past the bound share one catch-all, whatever their length above CATCH_ALL_LENGTHS
        List<TemplateTree.Cluster> catchAlls = tree.clusters().stream()
                .filter(c -> java.util.Arrays.stream(c.tokens).allMatch(TokenMasker.WILDCARD::equals)).toList();
        assertEquals(1, catchAlls.size(), "catch-alls: " + catchAlls.size());
        assertEquals(TemplateTree.CATCH_ALL_LENGTHS, catchAlls.getFirst().tokens.length);
    }

    @Test
    void aLineLongerThanTheMinerReadsIsCountedAsCutWholeOrInPieces() {
        String longLine = HEAD + "payload " + "x".repeat(LogTemplateMiner.MAX_LINE_CHARS + 100);
        String text = HEAD + "short one\n" + longLine + "\n" + HEAD + "short two\n";
        LogTemplateMiner chunks = new LogTemplateMiner(LogTemplateConfig.defaults());
        for (int at = 0; at < text.length(); at += 4096) {
            chunks.acceptChunk(text.substring(at, Math.min(text.length(), at + 4096)));
        }
        LogTemplateMiner lines = new LogTemplateMiner(LogTemplateConfig.defaults());
        text.lines().forEach(lines::accept);
        LogSummary a = chunks.finish();
        assertEquals(1, a.linesCut(), "the summary says a line was not read whole");
        assertEquals(a, lines.finish(), "whole lines and chunks agree");
    }
}
