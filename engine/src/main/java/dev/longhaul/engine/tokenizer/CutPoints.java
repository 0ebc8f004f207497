/*
 * Word ends: the positions where StreamingTokenizer may cut a text, because encoding the two sides
 * separately gives the same ids as encoding the whole, whatever text follows. A position c is a word
 * end when the code point before c is a letter or number (Unicode L or N) and the one at c is neither
 * a letter, number, mark nor format character; or when the code point before c is not white space and
 * the one at c is a space or a tab. For regex pre-tokenizers of the GPT-2 family (ByteLevel with
 * add_prefix_space=false, or a Split with the GPT-2, Llama-3 or Qwen-2 pattern, followed by BPE inside
 * pre-tokens) no pre-token can run across such a position: letter and number runs stop at any other
 * character, and other runs take at most a leading space (and, in Llama 3, trailing newlines, which is
 * why a newline is a word end only after a letter or number). The regexes have no look-behind and
 * their only look-ahead is one character of white space, so both sides split the same way alone as in
 * the whole. What this reasoning cannot see (prefix spaces, Metaspace, normalizers that join
 * characters) probe() checks on fixed sample texts; an added token straddling c is caught by the
 * caller, which cuts only where the tokenization of the text at hand has a token boundary.
 */
package dev.longhaul.engine.tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

final class CutPoints {
    /** Sample texts with every kind of word end; none contains an added token. */
    static final List<String> PROBES = List.of(
            "Hello, world! It's 2024-06-01; x=1+2*3/4 (ok?) [a] {b} \"q\" 'r' done.\nNext line: café,"
                    + " naïve, résumé.\r\nCRLF line\tTab   three  spaces \n\n\n  indented\n  -- dash\t\tx\n",
            "中文文本，标点。日本語のテキスト！한국어 텍스트. 😀👍🏽 emoji 👨‍👩‍👧 family.\nनमस्ते दुनिया। e\u0301 A\u030A"
                    + " ½ ² Ⅻ 12345 67.89 0x1F\u00A0nbsp\u2003em\n",
            "tail without newline   \t  x");

    private CutPoints() {}

    /** Whether 0 < c < text.length() and c is a word end (see the class comment). */
    static boolean isWordEnd(CharSequence text, int c) {
        if (c <= 0 || c >= text.length()) {
            return false;
        }
        int before = Character.codePointBefore(text, c);
        int after = Character.codePointAt(text, c);
        int afterType = Character.getType(after);
        if (afterType == Character.SURROGATE) {
            return false;
        }
        if (isLetterOrNumber(before)) {
            return !isLetterOrNumber(after) && !isMarkOrFormat(afterType);
        }
        return (after == ' ' || after == '\t')
                && Character.getType(before) != Character.SURROGATE
                && !isWhiteSpace(before);
    }

    /** The largest word end c with from <= c <= to, or -1. */
    static int lastWordEnd(CharSequence text, int from, int to) {
        for (int c = Math.min(to, text.length() - 1); c >= Math.max(from, 1); c--) {
            if (isWordEnd(text, c)) {
                return c;
            }
        }
        return -1;
    }

    /**
     * Checks on PROBES that cutting at every word end leaves the ids unchanged; returns a description
     * of the first place where it does not.
     */
    static Optional<String> probe(TextTokenizer tokenizer) {
        for (String text : PROBES) {
            int[] whole = tokenizer.encode(text);
            for (int c = 1; c < text.length(); c++) {
                if (!isWordEnd(text, c)) {
                    continue;
                }
                int[] left = tokenizer.encode(text.substring(0, c));
                int[] right = tokenizer.encode(text.substring(c));
                int[] joined = Arrays.copyOf(left, left.length + right.length);
                System.arraycopy(right, 0, joined, left.length, right.length);
                if (!Arrays.equals(whole, joined)) {
                    String context = text.substring(Math.max(0, c - 12), c) + "|"
                            + text.substring(c, Math.min(text.length(), c + 12));
                    return Optional.of("encoding the two sides of a word end separately changes the ids"
                            + " (at \"" + context.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
                            + "\"); the pre-tokenizer is not of the GPT-2 family (prefix space, Metaspace?)");
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isLetterOrNumber(int codePoint) {
        return switch (Character.getType(codePoint)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.DECIMAL_DIGIT_NUMBER,
                    Character.LETTER_NUMBER, Character.OTHER_NUMBER -> true;
            default -> false;
        };
    }

    private static boolean isMarkOrFormat(int type) {
        return type == Character.NON_SPACING_MARK
                || type == Character.ENCLOSING_MARK
                || type == Character.COMBINING_SPACING_MARK
                || type == Character.FORMAT;
    }

    /** Unicode White_Space, which is what \s means to the Rust regex crate the tokenizers use. */
    private static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
