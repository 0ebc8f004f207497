/*
 * Sentence boundaries in prose (cased and case-folded), abbreviations, blank lines, log lines, the
 * length cap, and that streaming in pieces of any size gives exactly the sentences of the whole text.
 */
package dev.longhaul.pipeline.analyze.digest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SentenceSplitterTest {
    private static List<String> texts(String doc, SentenceSplitter.Mode mode) {
        return SentenceSplitter.split(doc, mode).stream().map(Sentence::text).toList();
    }

    @Test
    void proseSplitsAtStopsButNotAbbreviations() {
        String doc = "Acme Inc. sells to Initech Corp. under the U.S. rules. Payment is due in 30 days! Is it late? See sec. 10.2 below.";
        assertEquals(List.of("Acme Inc. sells to Initech Corp. under the U.S. rules.", "Payment is due in 30 days!",
                "Is it late?", "See sec. 10.2 below."), texts(doc, SentenceSplitter.Mode.PROSE));
    }

    @Test
    void aNumberEndsASentenceUnlessItNumbersIt() {
        assertEquals(List.of("Revenue rose in 2019.", "Costs fell by 12.", "Margins held."),
                texts("Revenue rose in 2019. Costs fell by 12. Margins held.", SentenceSplitter.Mode.PROSE));
        assertEquals(List.of("1. The Company pays.", "2. The Buyer receives under 3.1. of the annex."),
                texts("1. The Company pays. 2. The Buyer receives under 3.1. of the annex.", SentenceSplitter.Mode.PROSE));
        // a year at the start of a wrapped line still ends its sentence
        assertEquals(List.of("Sales fell in\n2019.", "Costs rose."), texts("Sales fell in\n2019. Costs rose.", SentenceSplitter.Mode.PROSE));
        // items numbered at the start of their lines, inside one sentence, keep it going
        assertEquals(List.of("The Licensee shall:\n1. pay the fees when due;\n 2. keep true records.", "The Licensor may audit them."),
                texts("The Licensee shall:\n1. pay the fees when due;\n 2. keep true records.\nThe Licensor may audit them.",
                        SentenceSplitter.Mode.PROSE));
    }

    @Test
    void caseFoldedTextSplitsToo() {
        String doc = "welcome to the app. to make these terms easier to read our services are called the services. please read carefully.";
        assertEquals(3, texts(doc, SentenceSplitter.Mode.PROSE).size());
    }

    @Test
    void blankLineEndsAHeadingAndWrappedLinesStayTogether() {
        String doc = "1. DEFINITIONS\n\nThe Licensee shall pay\nthe fee within ten days.\n";
        assertEquals(List.of("1. DEFINITIONS", "The Licensee shall pay\nthe fee within ten days."),
                texts(doc, SentenceSplitter.Mode.PROSE));
    }

    @Test
    void linesModeTakesEveryLineAndDropsLinesWithoutWords() {
        String doc = "a=1 started\r\n----\r\nb=2 failed. retry\r\n";
        assertEquals(List.of("a=1 started", "b=2 failed. retry"), texts(doc, SentenceSplitter.Mode.LINES));
    }

    @Test
    void runOnTextIsCutAtTheCap() {
        String doc = "word ".repeat(1000);
        List<String> parts = texts(doc, SentenceSplitter.Mode.PROSE);
        assertTrue(parts.size() >= 5, "cut into pieces: " + parts.size());
        assertTrue(parts.stream().allMatch(p -> p.length() <= 2 * SentenceSplitter.MAX_SENTENCE));
    }

    @Test
    void offsetsPointAtTheTextAndStreamingAgreesWithWholeSplits() {
        // given a mixed document, split whole and streamed in random pieces (seeded)
        String doc = "First one. Second one, with Inc. inside.\n\nHeading\n\nThird? yes. fourth!  \n  end without stop";
        for (SentenceSplitter.Mode mode : SentenceSplitter.Mode.values()) {
            List<Sentence> whole = SentenceSplitter.split(doc, mode);
            for (Sentence s : whole) {
                assertEquals(s.text(), doc.substring((int) s.offset(), (int) s.offset() + s.text().length()));
            }
            Random random = new Random(7);
            for (int trial = 0; trial < 20; trial++) {
                List<Sentence> streamed = new ArrayList<>();
                SentenceSplitter splitter = new SentenceSplitter(mode, streamed::add);
                for (int at = 0; at < doc.length(); ) {
                    int n = Math.min(doc.length() - at, 1 + random.nextInt(6));
                    splitter.accept(doc.substring(at, at + n));
                    at += n;
                }
                splitter.finish();
                assertEquals(whole, streamed, mode + " trial " + trial);
            }
        }
    }

    @Test
    void aLongGapAfterALineBreakSplitsTheSameWholeOrStreamed() {
        // given a line, then 1,500 spaces and more text on the line after the break
        String doc = "Hello world\n" + " ".repeat(1500) + "next words. And more.";
        List<Sentence> whole = SentenceSplitter.split(doc, SentenceSplitter.Mode.PROSE);
        assertEquals("Hello world", whole.getFirst().text(), "a gap longer than a sentence ends it");
        // then streamed in two pieces (cut inside the gap) or in random small ones, the sentences are the same
        List<Sentence> streamed = new ArrayList<>();
        SentenceSplitter splitter = new SentenceSplitter(SentenceSplitter.Mode.PROSE, streamed::add);
        splitter.accept(doc.substring(0, 1300));
        splitter.accept(doc.substring(1300));
        splitter.finish();
        assertEquals(whole, streamed);
        Random random = new Random(3);
        for (int trial = 0; trial < 10; trial++) {
            List<Sentence> pieces = new ArrayList<>();
            SentenceSplitter s = new SentenceSplitter(SentenceSplitter.Mode.PROSE, pieces::add);
            for (int at = 0; at < doc.length(); ) {
                int n = Math.min(doc.length() - at, 1 + random.nextInt(400));
                s.accept(doc.substring(at, at + n));
                at += n;
            }
            s.finish();
            assertEquals(whole, pieces, "trial " + trial);
        }
    }

    @Test
    void runsOfStopsOrOfWhitespaceLinesAreHeldNoLongerThanTwoSentences() {
        // a megabyte of dots, then of newlines with spaces, in 8K pieces: neither reached the cap before
        for (String unit : List.of(".", " ", "?!")) {
            List<Sentence> out = new ArrayList<>();
            SentenceSplitter splitter = new SentenceSplitter(SentenceSplitter.Mode.PROSE, out::add);
            splitter.accept("A first sentence. And a line\n"); // spaces after it: a line whitespace so far
            String piece = unit.repeat(8192 / unit.length());
            int most = 0;
            for (int i = 0; i < 128; i++) {
                splitter.accept(piece);
                most = Math.max(most, splitter.buffered());
            }
            splitter.accept("The last one.");
            splitter.finish();
            assertTrue(most <= 2 * SentenceSplitter.MAX_SENTENCE + piece.length(), unit.strip() + " held " + most + " chars");
            assertEquals("A first sentence.", out.getFirst().text());
            assertTrue(out.get(1).text().startsWith("And a line"), out.get(1).text().substring(0, Math.min(20, out.get(1).text().length())));
            assertEquals("The last one.", out.getLast().text().replaceAll("^[.?!]+", ""), "the text after the run still ends a sentence");
        }
    }
}
