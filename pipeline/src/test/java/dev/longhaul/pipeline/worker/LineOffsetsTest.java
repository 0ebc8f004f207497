/*
 * LineOffsets: exact line spans while the document is short, covering spans once the index has
 * thinned out (more lines than MAX_ENTRIES), whatever the chunking.
 */
package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

class LineOffsetsTest {
    @Test
    void shortDocumentsGiveExactLines() {
        String doc = "first\nsecond line\n\nfourth";
        LineOffsets index = feed(doc, 3);
        assertEquals("second line", cut(doc, index.span(2, 2)));
        assertEquals("second line\n\nfourth", cut(doc, index.span(2, 4)));
        assertEquals("first", cut(doc, index.span(1, 1)));
    }

    /** A lone CR ends a line as LF does; a CRLF, also split between chunks, is one break. */
    @Test
    void aLoneCarriageReturnEndsALine() {
        String doc = "first\rsecond line\r\rfourth";
        for (int chunk : new int[] {1, 3, 100}) {
            LineOffsets index = feed(doc, chunk);
            assertEquals("first", cut(doc, index.span(1, 1)));
            assertEquals("second line", cut(doc, index.span(2, 2)));
            assertEquals("fourth", cut(doc, index.span(4, 4)));
        }
        String crlf = "a\r\nb\r\nc";
        LineOffsets split = feed(crlf, 2); // "a\r", "\nb", ...: the LF is not a line of its own
        assertEquals("b\r", cut(crlf, split.span(2, 2)));
        assertEquals("c", cut(crlf, split.span(3, 3)));
    }

    @Test
    void longDocumentsGiveCoveringSpans() {
        StringBuilder sb = new StringBuilder();
        int lines = LineOffsets.MAX_ENTRIES * 2 + 5;
        for (int i = 1; i <= lines; i++) {
            sb.append("line ").append(i).append('\n');
        }
        String doc = sb.toString();
        LineOffsets index = feed(doc, 4096);
        for (long line : new long[] {1, 2, 3, 1001, lines - 1, lines}) {
            String covered = cut(doc, index.span(line, line));
            assertTrue(Arrays.asList(covered.split("\n")).contains("line " + line), line + " not in " + covered);
            assertTrue(covered.length() < 64, "widened to a few lines only: " + covered.length());
        }
    }

    private static LineOffsets feed(String doc, int chunk) {
        byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
        LineOffsets index = new LineOffsets();
        for (int from = 0; from < bytes.length; from += chunk) {
            index.accept(Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + chunk)));
        }
        return index;
    }

    private static String cut(String ascii, long[] span) {
        return ascii.substring((int) span[0], (int) span[1]);
    }
}
