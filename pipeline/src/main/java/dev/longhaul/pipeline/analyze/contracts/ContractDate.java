/*
 * A calendar date as contracts state it: any part may be left blank ("September __, 2018",
 * "_____ day of ________, 19__"), so year, month and day are each nullable. The canonical text form
 * is ISO-like with XX for an unknown part ("2018-09-XX", "2009-XX-XX"); parse() reads that form back
 * and also the label form CUAD uses (m/d/yy, m/d/yyyy, dd/mm/yyyy when the first number cannot be a
 * month, and [] for a blank part). Two-digit years pivot at 50: 00-49 are 20xx, 50-99 are 19xx.
 */
package dev.longhaul.pipeline.analyze.contracts;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Locale;

public record ContractDate(Integer year, Integer month, Integer day) {
    private static final Pattern ISO = Pattern.compile("(\\d{4}|XXXX)-(\\d{2}|XX)-(\\d{2}|XX)");
    private static final Pattern SLASHED = Pattern.compile(
            "\\s*(\\d{1,2}|\\[\\]|_+)\\s*/\\s*(\\d{1,2}|\\[\\]|_+)\\s*/\\s*(\\d{2}|\\d{4}|(?:19|20)?\\[\\])\\s*");

    public static ContractDate of(LocalDate d) {
        return new ContractDate(d.getYear(), d.getMonthValue(), d.getDayOfMonth());
    }

    public boolean complete() {
        return year != null && month != null && day != null;
    }

    public Optional<LocalDate> toLocalDate() {
        if (!complete()) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.of(year, month, day));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Same date: every part both sides know is equal, and they know the same parts; complete dates a
     * day apart also agree, because drafting counts a term's end both as the anniversary and as the
     * day before it.
     */
    public boolean sameAs(ContractDate other) {
        Optional<LocalDate> a = toLocalDate();
        Optional<LocalDate> b = other.toLocalDate();
        if (a.isPresent() && b.isPresent()) {
            return Math.abs(ChronoUnit.DAYS.between(a.get(), b.get())) <= 1;
        }
        return java.util.Objects.equals(year, other.year) && java.util.Objects.equals(month, other.month)
                && java.util.Objects.equals(day, other.day);
    }

    @Override
    public String toString() {
        return (year == null ? "XXXX" : String.format(Locale.ROOT, "%04d", year)) + "-"
                + (month == null ? "XX" : String.format(Locale.ROOT, "%02d", month)) + "-"
                + (day == null ? "XX" : String.format(Locale.ROOT, "%02d", day));
    }

    /** The canonical form or a CUAD label; empty when the text is neither (e.g. "perpetual"). */
    public static Optional<ContractDate> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher iso = ISO.matcher(text.strip());
        if (iso.matches()) {
            return Optional.of(new ContractDate(num(iso.group(1)), num(iso.group(2)), num(iso.group(3))));
        }
        Matcher m = SLASHED.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        Integer first = num(m.group(1));
        Integer second = num(m.group(2));
        Integer year = year(m.group(3));
        if (first != null && first > 12) {
            return Optional.of(new ContractDate(year, second, first));
        }
        return Optional.of(new ContractDate(year, first, second));
    }

    static Integer year(String text) {
        String digits = text.replaceAll("\\D", "");
        if (digits.length() == 4) {
            return Integer.parseInt(digits);
        }
        if (digits.length() == 2 && text.length() == 2) {
            int yy = Integer.parseInt(digits);
            return yy < 50 ? 2000 + yy : 1900 + yy;
        }
        return null;
    }

    private static Integer num(String text) {
        return text.chars().allMatch(Character::isDigit) ? Integer.valueOf(text) : null;
    }
}
