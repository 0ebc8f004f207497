/*
 * A length of time as contracts state it: "sixty (60) days", "two (2) years", "6 month", "one-year",
 * "year to year", "successive annual periods". The canonical text is "[successive ]N unit[s]" with
 * unit day, week, month or year; parse() reads that form and CUAD's label form ("successive 1 year",
 * "2 successive 5 years", "60 days"). Lengths compare by value after converting weeks to days and
 * years to months, so "12 months" equals "1 year".
 */
package dev.longhaul.pipeline.analyze.contracts;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Locale;

public record TermLength(int amount, String unit, boolean successive) {
    /** "sixty (60) days", "60 days", "sixty days", "(60) day", "one-year", "twelve-month". */
    private static final Pattern SPOKEN = Rx.of("(?:\\b(" + Rx.NUMBER_WORD + ")[ -]*)?(?:\\(?\\b(\\d{1,3})\\)?[ -]*)?"
            + "(?:calendar |business |full |contract )?\\b(day|week|month|year)s?\\b");
    private static final Pattern YEARLY = Rx.of("\\b(?:year to year|year-to-year|annual|annually|yearly)\\b");
    private static final Pattern MONTHLY = Rx.of("\\b(?:month to month|month-to-month|monthly)\\b");

    /** A hit in running text and where it lies. */
    record Hit(TermLength length, int start, int end) {}

    public TermLength {
        if (amount <= 0) {
            throw new IllegalArgumentException("amount must be positive: " + amount);
        }
    }

    /** Length in days for day/week units, in months for month/year units; the two scales never mix. */
    long comparable() {
        return switch (unit) {
            case "week" -> amount * 7L;
            case "year" -> amount * 12L;
            default -> amount;
        };
    }

    private boolean monthScale() {
        return unit.equals("month") || unit.equals("year");
    }

    public boolean sameLength(TermLength other) {
        return monthScale() == other.monthScale() && comparable() == other.comparable();
    }

    TermLength asSuccessive() {
        return new TermLength(amount, unit, true);
    }

    @Override
    public String toString() {
        return (successive ? "successive " : "") + amount + " " + unit + (amount == 1 ? "" : "s");
    }

    /** Every length stated in text[from, to), left to right. */
    static List<Hit> find(CharSequence text, int from, int to) {
        List<Hit> out = new ArrayList<>();
        Matcher m = SPOKEN.matcher(text).region(from, to);
        while (m.find()) {
            int amount = -1;
            if (m.group(2) != null) {
                amount = Integer.parseInt(m.group(2));
            } else if (m.group(1) != null) {
                amount = Rx.numberWord(m.group(1));
            }
            if (amount > 0) {
                out.add(new Hit(new TermLength(amount, m.group(3).toLowerCase(Locale.ROOT), false), m.start(), m.end()));
            }
        }
        Matcher y = YEARLY.matcher(text).region(from, to);
        while (y.find()) {
            out.add(new Hit(new TermLength(1, "year", true), y.start(), y.end()));
        }
        Matcher mo = MONTHLY.matcher(text).region(from, to);
        while (mo.find()) {
            out.add(new Hit(new TermLength(1, "month", true), mo.start(), mo.end()));
        }
        out.sort((a, b) -> Integer.compare(a.start(), b.start()));
        return out;
    }

    /** Every length in a label or canonical text, e.g. "60 days; 180 days" gives two. */
    public static List<TermLength> parseAll(String text) {
        List<TermLength> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        boolean successive = text.toLowerCase(Locale.ROOT).contains("successive");
        for (Hit h : find(text, 0, text.length())) {
            out.add(successive ? h.length().asSuccessive() : h.length());
        }
        return out;
    }

    public static Optional<TermLength> parse(String text) {
        List<TermLength> all = parseAll(text);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getFirst());
    }
}
