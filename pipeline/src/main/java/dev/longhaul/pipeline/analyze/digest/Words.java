/*
 * The one tokenization the digest, its baselines and ROUGE share: a word is a maximal run of
 * letters or digits, lower-cased (Locale.ROOT). Punctuation and whitespace separate words and are
 * dropped, so "don't" is two words ("don", "t"), as in the plain-English summaries corpus.
 */
package dev.longhaul.pipeline.analyze.digest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

public final class Words {
    private Words() {}

    public static List<String> of(String text) {
        List<String> out = new ArrayList<>();
        int n = text.length();
        int i = 0;
        while (i < n) {
            while (i < n && !Character.isLetterOrDigit(text.codePointAt(i))) {
                i += Character.charCount(text.codePointAt(i));
            }
            int start = i;
            while (i < n && Character.isLetterOrDigit(text.codePointAt(i))) {
                i += Character.charCount(text.codePointAt(i));
            }
            if (i > start) {
                out.add(text.substring(start, i).toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }

    public static int count(String text) {
        int words = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            boolean w = Character.isLetterOrDigit(cp);
            if (w && !inWord) {
                words++;
            }
            inWord = w;
            i += Character.charCount(cp);
        }
        return words;
    }
}
