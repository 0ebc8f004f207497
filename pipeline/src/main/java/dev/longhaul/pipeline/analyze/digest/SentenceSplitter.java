/*
 * Sentence segmentation that works on a stream: text is appended in pieces of any size and every
 * sentence is emitted once it is certainly complete, so only the unfinished sentence is held
 * (bounded by MAX_SENTENCE). Offsets are char offsets from the start of the stream.
 *
 * PROSE: a sentence ends at . ? ! followed by whitespace, unless the word before the stop is an
 * abbreviation drafting uses inside sentences (Inc., No., e.g., U.S., a single initial, a short
 * section number such as "2.1." anywhere or "10." as a sentence's first word), and at a blank
 * line. The next word's case is not consulted, because case-folded text ("... the app. to make
 * ...", as in the plain-English corpus) is common. LINES (logs, source code): every line is a sentence. In both modes a run longer than
 * MAX_SENTENCE chars is cut at whitespace (anywhere at twice that), so one table or minified line
 * cannot swallow the document, and a sentence without a letter or digit is dropped.
 * Unlike analyze.contracts.Sentences this does not need to see the next sentence's first letter and
 * so splits lower-cased text; the contracts analyzer keeps its own, tuned to CUAD's drafting.
 */
package dev.longhaul.pipeline.analyze.digest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

public final class SentenceSplitter {
    /** How a document divides into sentences. */
    public enum Mode { PROSE, LINES }

    /** Longest sentence kept whole (chars); also bounds what is buffered while streaming. */
    public static final int MAX_SENTENCE = 1000;

    private static final Set<String> ABBREVIATIONS = Set.of(
            "inc", "ltd", "co", "corp", "no", "nos", "mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "v",
            "e.g", "i.e", "u.s", "u.s.a", "u.k", "sec", "art", "para", "cf", "approx", "dept", "fig", "al",
            "llc", "l.l.c", "l.p", "n.a", "s.a", "plc", "pty", "b.v", "n.v", "a.g");

    private final Mode mode;
    private final Consumer<Sentence> out;
    private final StringBuilder pending = new StringBuilder();
    private long base;      // stream offset of pending[0]
    private int start;      // where the current sentence starts in pending
    private int scan;       // next index of pending to examine

    public SentenceSplitter(Mode mode, Consumer<Sentence> out) {
        this.mode = mode;
        this.out = out;
    }

    /** The whole of a text's sentences, in order. */
    public static List<Sentence> split(String text, Mode mode) {
        List<Sentence> sentences = new ArrayList<>();
        SentenceSplitter splitter = new SentenceSplitter(mode, sentences::add);
        splitter.accept(text);
        splitter.finish();
        return sentences;
    }

    /** The next piece of the stream. */
    public void accept(CharSequence text) {
        pending.append(text);
        advance(false);
        compact();
    }

    /** A hard boundary (a new file of a repository): the sentence in progress ends here. */
    public void boundary() {
        advance(true);
        emit(pending.length());
        compact();
    }

    /** End of stream: emits the last sentence. */
    public void finish() {
        boundary();
    }

    private void advance(boolean atEnd) {
        int n = pending.length();
        for (; scan < n; scan++) {
            char c = pending.charAt(scan);
            int length = scan - start;
            if (mode == Mode.LINES) {
                if (c == '\n' || (length >= MAX_SENTENCE && (Character.isWhitespace(c) || length >= 2 * MAX_SENTENCE))) {
                    emit(scan);
                }
            } else if (length >= 2 * MAX_SENTENCE || (length >= MAX_SENTENCE && Character.isWhitespace(c))) {
                // first, whatever the char: a run of stops or of lines would otherwise pass the cap
                emit(scan);
            } else if (c == '.' || c == '?' || c == '!') {
                if (scan + 1 >= n && !atEnd) {
                    return; // whether the stop ends the sentence depends on the next char
                }
                if (scan + 1 < n && Character.isWhitespace(pending.charAt(scan + 1)) && !(c == '.' && abbreviationBefore(scan))) {
                    emit(scan + 1);
                }
            } else if (c == '\n') {
                int blank = blankLineAfter(scan);
                if (blank < 0 && !atEnd) {
                    return; // the rest of the line is whitespace so far: wait for more (at most MAX_SENTENCE)
                }
                if (blank > 0) {
                    emit(scan);
                }
            }
        }
    }

    /**
     * 1 when the line after the newline at i is blank, or starts with more whitespace than a
     * sentence holds (a gap that ends the sentence whether a line break follows it or not, so that
     * deciding never needs more than MAX_SENTENCE chars of lookahead, whole or streamed); 0 when it
     * is not; -1 when the buffer ends first.
     */
    private int blankLineAfter(int i) {
        for (int j = i + 1; j < pending.length(); j++) {
            char d = pending.charAt(j);
            if (d == '\n' || j - i > MAX_SENTENCE) {
                return 1;
            }
            if (!Character.isWhitespace(d)) {
                return 0;
            }
        }
        return -1;
    }

    /** The word ending at the stop at i is an abbreviation, an initial or a short section number. */
    private boolean abbreviationBefore(int i) {
        int j = i;
        while (j > start && !Character.isWhitespace(pending.charAt(j - 1)) && pending.charAt(j - 1) != '(') {
            j--;
        }
        String word = pending.substring(j, i).toLowerCase(Locale.ROOT);
        if (word.isEmpty()) {
            return false;
        }
        if (word.matches("(?:\\p{L}\\.)*\\p{L}")) {
            return true;
        }
        if (word.length() <= 4 && word.chars().allMatch(ch -> Character.isDigit(ch) || ch == '.')
                && (word.indexOf('.') >= 0 || firstWordAt(j) || word.length() <= 2 && lineStartAt(j))) {
            // a section number ("2.1.", "10." opening its sentence, or an item of up to 99 opening
            // its line); a number ending a sentence ("Revenue rose in 2019.", also at the start of
            // a wrapped line) ends it
            return true;
        }
        return ABBREVIATIONS.contains(word);
    }

    /** Whether the word at j opens a line of the current sentence (a numbered item: "shall:\n1. pay"). */
    private boolean lineStartAt(int j) {
        for (int k = j - 1; k >= start; k--) {
            char d = pending.charAt(k);
            if (d == '\n') {
                return true;
            }
            if (d != ' ' && d != '\t' && d != '\r') {
                return false;
            }
        }
        return false;
    }

    /** Whether the word at j is the current sentence's first. */
    private boolean firstWordAt(int j) {
        int k = start;
        while (k < j && Character.isWhitespace(pending.charAt(k))) {
            k++;
        }
        return k == j;
    }

    /** Emits pending[start, end) trimmed, if it holds a word; the next sentence starts at end. */
    private void emit(int end) {
        int from = start;
        int to = end;
        while (from < to && Character.isWhitespace(pending.charAt(from))) {
            from++;
        }
        while (to > from && Character.isWhitespace(pending.charAt(to - 1))) {
            to--;
        }
        if (to > from && Words.count(pending.substring(from, to)) > 0) {
            out.accept(new Sentence(base + from, base + end, pending.substring(from, to)));
        }
        start = end;
    }

    /** Chars held for the unfinished sentence. */
    int buffered() {
        return pending.length();
    }

    /** Drops what has been emitted, so the buffer holds only the unfinished sentence. */
    private void compact() {
        if (start > 0) {
            pending.delete(0, start);
            base += start;
            scan -= start;
            start = 0;
        }
    }
}
