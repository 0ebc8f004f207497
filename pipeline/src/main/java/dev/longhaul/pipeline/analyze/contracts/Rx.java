/*
 * Regular expressions written the way legal drafting reads. Contract text converted from PDF breaks
 * lines and pads with runs of spaces anywhere, so every literal space in a pattern given here means
 * "one or more whitespace characters" (and " ?" means "maybe some"); matching is case-insensitive because headings and whole
 * clauses are often in capitals.
 */
package dev.longhaul.pipeline.analyze.contracts;

import java.util.regex.Pattern;
import java.util.Locale;

final class Rx {
    private Rx() {}

    /**
     * " ?" becomes \s* (optional space), any other space \s+; inside a character class a space is
     * one whitespace character (\s), so "[ -]" takes a line break but never a '+'; an escaped
     * space stays a space. Matching ignores case.
     */
    static Pattern of(String readable) {
        return Pattern.compile(expand(readable), Pattern.CASE_INSENSITIVE);
    }

    static String expand(String readable) {
        StringBuilder out = new StringBuilder(readable.length() + 16);
        int classDepth = 0; // Java nests classes: [a-d[m-p]] is a union
        for (int i = 0; i < readable.length(); i++) {
            char c = readable.charAt(i);
            if (c == '\\' && readable.startsWith("Q", i + 1)) {
                // quoted up to \E (or the end): every character, spaces too, as written
                int end = readable.indexOf("\\E", i + 2);
                int to = end < 0 ? readable.length() : end + 2;
                out.append(readable, i, to);
                i = to - 1;
            } else if (c == '\\' && i + 1 < readable.length()) {
                out.append(c).append(readable.charAt(++i));
            } else if (c == '[') {
                classDepth++;
                out.append(c);
                // a ']' first in a class (or after '^') is a literal, not its end
                if (i + 1 < readable.length() && readable.charAt(i + 1) == '^') {
                    out.append(readable.charAt(++i));
                }
                if (i + 1 < readable.length() && readable.charAt(i + 1) == ']') {
                    out.append(readable.charAt(++i));
                }
            } else if (c == ']' && classDepth > 0) {
                classDepth--;
                out.append(c);
            } else if (c != ' ') {
                out.append(c);
            } else if (classDepth > 0) {
                out.append("\\s");
            } else if (i + 1 < readable.length() && readable.charAt(i + 1) == '?') {
                out.append("\\s*");
                i++;
            } else {
                out.append("\\s+");
            }
        }
        return out.toString();
    }

    /** Number words legal drafting spells out before the digits, "sixty (60) days". */
    static final String NUMBER_WORD = "(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
            + "thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|forty-five|"
            + "fifty|sixty|seventy|eighty|ninety|one hundred(?: and)?(?: twenty| eighty)?|"
            + "(?:one|two|three) hundred(?: and)?(?: sixty(?:-five)?)?)";

    static int numberWord(String word) {
        String w = word.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").replace(" and", "");
        return switch (w) {
            case "one", "a", "an" -> 1;
            case "two" -> 2;
            case "three" -> 3;
            case "four" -> 4;
            case "five" -> 5;
            case "six" -> 6;
            case "seven" -> 7;
            case "eight" -> 8;
            case "nine" -> 9;
            case "ten" -> 10;
            case "eleven" -> 11;
            case "twelve" -> 12;
            case "thirteen" -> 13;
            case "fourteen" -> 14;
            case "fifteen" -> 15;
            case "sixteen" -> 16;
            case "seventeen" -> 17;
            case "eighteen" -> 18;
            case "nineteen" -> 19;
            case "twenty" -> 20;
            case "thirty" -> 30;
            case "forty" -> 40;
            case "forty-five" -> 45;
            case "fifty" -> 50;
            case "sixty" -> 60;
            case "seventy" -> 70;
            case "eighty" -> 80;
            case "ninety" -> 90;
            case "one hundred" -> 100;
            case "one hundred twenty" -> 120;
            case "one hundred eighty" -> 180;
            case "two hundred" -> 200;
            case "three hundred" -> 300;
            case "three hundred sixty" -> 360;
            case "three hundred sixty-five" -> 365;
            default -> -1;
        };
    }
}
