/*
 * Sentence segmentation for contract text. A sentence ends at . ; ? ! followed by whitespace and
 * something that can open a sentence (a capital, a digit, a quote, a bracket), unless the word before
 * the stop is an abbreviation drafting uses inside names and citations (Inc., Ltd., No., U.S., a
 * single initial or dotted initials (B.C., U.S.A.), a section number such as "10."), and at a blank line that follows a heading or a
 * finished sentence. PDF conversion also leaves blank lines in the middle of sentences (page breaks),
 * so a blank line after an unfinished line does not end the sentence. A sentence is cut at
 * MAX_SENTENCE characters (at whitespace; at twice that anywhere) so one run-on table cannot swallow the document. Offsets are into the text
 * as given; sentences are trimmed of surrounding whitespace and never empty.
 */
package dev.longhaul.pipeline.analyze.contracts;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Locale;

final class Sentences {
    /** Long enough for the longest ordinary clause; longer runs are tables or lost punctuation. */
    static final int MAX_SENTENCE = 2500;

    private static final Set<String> ABBREVIATIONS = Set.of(
            "inc", "ltd", "co", "corp", "no", "nos", "mr", "mrs", "ms", "dr", "st", "u.s", "u.s.a", "n.a",
            "s.a", "s.a.s", "l.p", "l.l.c", "p.c", "llc", "plc", "jr", "sr", "e.g", "i.e", "etc", "vs", "v",
            "sec", "art", "para", "cf", "approx", "dept", "b.v", "n.v", "s.p.a", "a.g", "pty", "bhd",
            "f", "fed", "reg", "c.f.r", "u.s.c", "p.r.c", "u.k", "e.u",
            // street addresses in preambles
            "nr", "bl", "apt", "ste", "blvd", "ave", "rd", "fl", "bldg", "hwy", "pkwy", "mt", "ft");

    private Sentences() {}

    static List<Span> split(String doc) {
        List<Span> out = new ArrayList<>();
        int n = doc.length();
        int start = 0;
        for (int i = 0; i < n; i++) {
            char c = doc.charAt(i);
            boolean end = false;
            int cut = i + 1;
            if ((c == '.' || c == ';' || c == '?' || c == '!') && opensSentenceAfter(doc, i + 1)
                    && !(c == '.' && abbreviationBefore(doc, i))) {
                end = true;
            } else if (c == '\n' && blankLineAt(doc, i) && finishedLine(doc, start, i)) {
                end = true;
                cut = i;
            } else if (i - start >= MAX_SENTENCE && (Character.isWhitespace(c) || i - start >= 2 * MAX_SENTENCE)) {
                end = true;
                cut = i;
            }
            if (end) {
                add(out, doc, start, cut);
                start = cut;
            }
        }
        add(out, doc, start, n);
        return out;
    }

    private static void add(List<Span> out, String doc, int start, int end) {
        while (start < end && Character.isWhitespace(doc.charAt(start))) {
            start++;
        }
        while (end > start && Character.isWhitespace(doc.charAt(end - 1))) {
            end--;
        }
        if (end > start) {
            out.add(Span.of(doc, start, end));
        }
    }

    private static boolean opensSentenceAfter(String doc, int from) {
        int j = from;
        if (j >= doc.length() || !Character.isWhitespace(doc.charAt(j))) {
            return false;
        }
        while (j < doc.length() && Character.isWhitespace(doc.charAt(j))) {
            j++;
        }
        if (j >= doc.length()) {
            return true;
        }
        char d = doc.charAt(j);
        return Character.isUpperCase(d) || Character.isDigit(d) || d == '"' || d == '(' || d == '['
                || d == '\u201c' || d == '\'';
    }

    /** The word ending at the stop at i is a known abbreviation, an initial or a section number. */
    private static boolean abbreviationBefore(String doc, int i) {
        int j = i;
        while (j > 0 && !Character.isWhitespace(doc.charAt(j - 1)) && doc.charAt(j - 1) != '(') {
            j--;
        }
        String word = doc.substring(j, i).toLowerCase(Locale.ROOT).replace(",", "");
        if (word.isEmpty()) {
            return false;
        }
        if (word.matches("(?:\\p{L}\\.)*\\p{L}")) {
            return true;
        }
        if (word.chars().allMatch(ch -> Character.isDigit(ch) || ch == '.')) {
            // "10." or "2.1." heading a section (at a line's start, or after a sentence's end: "...
            // Agreement. 2. Term."), or a reference ("Section 4."); but "... March 31, 2001. The net
            // worth" ends a sentence
            return word.indexOf('.') >= 0 || lineStartsAt(doc, j) || afterSentenceEnd(doc, j)
                    || SECTION_WORDS.contains(wordBefore(doc, j));
        }
        return ABBREVIATIONS.contains(word);
    }

    /** Words that put a number after them as a reference, not a sentence's last word. */
    private static final java.util.Set<String> SECTION_WORDS = java.util.Set.of("section", "sections", "article", "clause",
            "paragraph", "schedule", "exhibit", "part", "no.", "no", "§", "item");

    /** Whether only blanks precede position j on its line. */
    private static boolean lineStartsAt(String doc, int j) {
        for (int k = j - 1; k >= 0 && doc.charAt(k) != '\n'; k--) {
            if (!Character.isWhitespace(doc.charAt(k))) {
                return false;
            }
        }
        return true;
    }

    /** Whether the last character before j, blanks aside, ends a sentence or opens a list (. : ;). */
    private static boolean afterSentenceEnd(String doc, int j) {
        int k = j - 1;
        while (k >= 0 && Character.isWhitespace(doc.charAt(k))) {
            k--;
        }
        return k >= 0 && ".:;".indexOf(doc.charAt(k)) >= 0;
    }

    /** The word before position j (lower case), or "". */
    private static String wordBefore(String doc, int j) {
        int end = j;
        while (end > 0 && Character.isWhitespace(doc.charAt(end - 1))) {
            end--;
        }
        int from = end;
        while (from > 0 && !Character.isWhitespace(doc.charAt(from - 1))) {
            from--;
        }
        return doc.substring(from, end).toLowerCase(Locale.ROOT);
    }

    private static boolean blankLineAt(String doc, int i) {
        int j = i + 1;
        while (j < doc.length() && doc.charAt(j) != '\n' && Character.isWhitespace(doc.charAt(j))) {
            j++;
        }
        return j < doc.length() && doc.charAt(j) == '\n';
    }

    /** The line ending at i is a short heading (not ending mid-phrase) or ends in closing punctuation. */
    private static boolean finishedLine(String doc, int sentenceStart, int i) {
        int lineStart = doc.lastIndexOf('\n', i - 1) + 1;
        String line = doc.substring(Math.max(lineStart, sentenceStart), i).strip();
        if (line.isEmpty()) {
            return false;
        }
        char last = line.charAt(line.length() - 1);
        boolean heading = line.length() < 60 && !Character.isLowerCase(last) && last != ',';
        return heading || last == '.' || last == ':' || last == ';';
    }
}
