/*
 * Finds dates in running contract text: "March 31, 2000", "March 12,1999", "31st day of March, 2000"
 * (also "1s t day", a PDF artefact), "the 30 day of June 2016", "22 June 2018", "1/27/2020",
 * "2020-01-27", "November 30th, 2019", and blanks left for signing ("September __, 2018",
 * "____ day of _______, 19__"), whose unknown parts stay null. Deterministic and left to right;
 * each hit carries its span in the text searched.
 */
package dev.longhaul.pipeline.analyze.contracts;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Locale;

final class DateGrammar {
    record Hit(ContractDate date, int start, int end) {}

    private static final String MONTH = "(January|February|March|April|May|June|July|August|September|October|"
            + "November|December|Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Jun\\.?|Jul\\.?|Aug\\.?|Sept?\\.?|Oct\\.?|Nov\\.?|Dec\\.?)";
    private static final String BLANK = "_{1,20}|\\[\\s*\\]";
    private static final String ORDINAL = "(?:\\s*(?:s\\s?t|n\\s?d|r\\s?d|t\\s?h))?";
    private static final String YEAR = "((?:19|20)\\d\\d|(?:19|20)?_{1,6})";

    /** Month D, YYYY; Month D,YYYY; Month Dth YYYY; Month __, YYYY. */
    private static final Pattern MONTH_FIRST = Pattern.compile(
            "\\b" + MONTH + "\\s+(\\d{1,2}" + ORDINAL + "|" + BLANK + ")\\s*,?\\s*" + YEAR + "(?!\\d)",
            Pattern.CASE_INSENSITIVE);
    /** D(th) day of Month, (in the year) YYYY; with blanks for day or month. */
    private static final Pattern DAY_OF = Pattern.compile(
            "\\b(\\d{1,2}" + ORDINAL + "|" + BLANK + ")\\s+day\\s+of\\s+(" + MONTH.substring(1, MONTH.length() - 1)
                    + "|" + BLANK + ")\\s*,?\\s*(?:in\\s+the\\s+year\\s+)?" + YEAR + "(?!\\d)",
            Pattern.CASE_INSENSITIVE);
    /** D Month YYYY (European order). */
    private static final Pattern DAY_FIRST = Pattern.compile(
            "\\b(\\d{1,2})" + ORDINAL + "\\s+" + MONTH + ",?\\s+((?:19|20)\\d\\d)(?!\\d)", Pattern.CASE_INSENSITIVE);
    /** m/d/yyyy or m/d/yy (US order, the drafting norm in this corpus's filings). */
    private static final Pattern NUMERIC = Pattern.compile("(?<![\\d/.])(\\d{1,2})/(\\d{1,2})/(\\d{4}|\\d{2})(?![\\d/])");
    private static final Pattern ISO = Pattern.compile("(?<!\\d)((?:19|20)\\d\\d)-(\\d\\d)-(\\d\\d)(?!\\d)");

    private DateGrammar() {}

    /** All dates in text[from, to), ordered by start; overlapping hits keep the earliest, longest. */
    static List<Hit> find(CharSequence text, int from, int to) {
        List<Hit> hits = new ArrayList<>();
        collect(hits, MONTH_FIRST.matcher(text).region(from, to), 1, 2, 3);
        collect(hits, DAY_OF.matcher(text).region(from, to), 2, 1, 3);
        collect(hits, DAY_FIRST.matcher(text).region(from, to), 2, 1, 3);
        collect(hits, NUMERIC.matcher(text).region(from, to), 1, 2, 3);
        Matcher iso = ISO.matcher(text).region(from, to);
        while (iso.find()) {
            int month = Integer.parseInt(iso.group(2));
            int day = Integer.parseInt(iso.group(3));
            if (month < 1 || month > 12 || day < 1 || day > 31) {
                continue; // "No. 2019-14-77" is a number, not a date: the same test as the other forms
            }
            hits.add(new Hit(new ContractDate(Integer.parseInt(iso.group(1)), month, day), iso.start(), iso.end()));
        }
        hits.sort((a, b) -> a.start() != b.start() ? Integer.compare(a.start(), b.start())
                : Integer.compare(b.end(), a.end()));
        List<Hit> kept = new ArrayList<>();
        for (Hit h : hits) {
            if (kept.isEmpty() || h.start() >= kept.getLast().end()) {
                kept.add(h);
            }
        }
        return kept;
    }

    static List<Hit> find(CharSequence text) {
        return find(text, 0, text.length());
    }

    private static void collect(List<Hit> hits, Matcher m, int monthGroup, int dayGroup, int yearGroup) {
        while (m.find()) {
            Integer month = month(m.group(monthGroup));
            Integer day = day(m.group(dayGroup));
            Integer year = ContractDate.year(m.group(yearGroup));
            if (year == null && month == null && day == null) {
                continue;
            }
            if ((month != null && (month < 1 || month > 12)) || (day != null && (day < 1 || day > 31))) {
                continue;
            }
            hits.add(new Hit(new ContractDate(year, month, day), m.start(), m.end()));
        }
    }

    private static Integer day(String text) {
        String digits = text.replaceAll("\\D", "");
        return digits.isEmpty() ? null : Integer.valueOf(digits);
    }

    private static Integer month(String text) {
        if (text.chars().allMatch(Character::isDigit)) {
            return Integer.valueOf(text);
        }
        String t = text.toLowerCase(Locale.ROOT);
        if (t.startsWith("_") || t.startsWith("[")) {
            return null;
        }
        String[] names = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
        for (int i = 0; i < names.length; i++) {
            if (t.startsWith(names[i])) {
                return i + 1;
            }
        }
        return null;
    }
}
