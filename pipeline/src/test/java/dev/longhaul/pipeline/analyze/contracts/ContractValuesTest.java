/*
 * The value grammars under the extractors: dates in the many ways contracts write them, CUAD's label
 * forms read back, and lengths of time with their comparison.
 */
package dev.longhaul.pipeline.analyze.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ContractValuesTest {
    private static String first(String text) {
        List<DateGrammar.Hit> hits = DateGrammar.find(text);
        return hits.isEmpty() ? "none" : hits.getFirst().date().toString();
    }

    @Test
    void datesInManyFormats() {
        assertEquals("2000-03-31", first("effective as of March 31, 2000 (the"));
        assertEquals("1999-03-12", first("dated March 12,1999, by"));
        assertEquals("2000-03-31", first("made this 31st day of March, 2000"));
        assertEquals("2004-06-01", first("as of the 1s t day of June, 2004."));
        assertEquals("2016-06-30", first("effective as of this 30  day of June 2016"));
        assertEquals("2018-06-22", first("signed 22 June 2018 in London"));
        assertEquals("2020-01-27", first("Date: 1/27/2020"));
        assertEquals("2021-07-04", first("on 2021-07-04 at noon"));
        assertEquals("2019-11-30", first("ending November 30th, 2019 or"));
        assertEquals("2018-09-XX", first("as of September __, 2018"));
        assertEquals("none", first("Section 10.2 and 3/4 of the shares"));
        assertEquals("none", first("Purchase Order No. 2019-14-77 attached"), "no month 14, no day 77");
    }

    @Test
    void labelDatesReadBack() {
        assertEquals("2000-03-31", ContractDate.parse("3/31/00").orElseThrow().toString());
        assertEquals("1992-05-20", ContractDate.parse("5/20/92").orElseThrow().toString());
        assertEquals("2025-01-31", ContractDate.parse("31/01/2025").orElseThrow().toString(), "day first when it must be");
        assertEquals("2009-XX-XX", ContractDate.parse("[]/[]/2009").orElseThrow().toString());
        assertEquals("2018-09-XX", ContractDate.parse("2018-09-XX").orElseThrow().toString());
        assertTrue(ContractDate.parse("perpetual").isEmpty());
    }

    @Test
    void completeDatesADayApartAgreePartialOnesMustKnowTheSameParts() {
        ContractDate end = ContractDate.parse("2/1/25").orElseThrow();

        assertTrue(end.sameAs(ContractDate.parse("1/31/25").orElseThrow()));
        assertFalse(end.sameAs(ContractDate.parse("1/30/25").orElseThrow()));
        assertFalse(ContractDate.parse("[]/[]/2025").orElseThrow().sameAs(end));
        assertTrue(ContractDate.parse("[]/[]/2025").orElseThrow().sameAs(new ContractDate(2025, null, null)));
    }

    @Test
    void lengthsOfTime() {
        assertEquals("60 days", TermLength.parse("sixty (60) days' notice").orElseThrow().toString());
        assertEquals("1 year", TermLength.parse("a one-year period").orElseThrow().toString());
        assertEquals("successive 5 years", TermLength.parse("2 successive 5 years").orElseThrow().toString());
        assertEquals("successive 1 month", TermLength.parse("month to month").orElseThrow().toString());
        assertEquals(List.of("60 days", "180 days"), TermLength.parseAll("60 days; 180 days").stream().map(TermLength::toString).toList());
        assertTrue(TermLength.parse("12 months").orElseThrow().sameLength(TermLength.parse("one (1) year").orElseThrow()));
        assertFalse(TermLength.parse("30 days").orElseThrow().sameLength(TermLength.parse("1 month").orElseThrow()));
    }

    @Test
    void valuesDoNotDependOnTheMachinesLocale() {
        java.util.Locale saved = java.util.Locale.getDefault();
        try {
            for (String tag : List.of("tr-TR", "ar-EG", "fa-IR")) {
                java.util.Locale.setDefault(java.util.Locale.forLanguageTag(tag));
                // ISO dates in ASCII digits, which parse back (fa-IR formatted %04d as Persian digits)
                ContractDate date = ContractDate.parse("9/1/2018").orElseThrow();
                assertEquals("2018-09-01", date.toString(), tag);
                assertTrue(ContractDate.parse(date.toString()).isPresent(), tag);
                // upper-case text lower-cased the Turkish way gave "Illınoıs Wıthout Regard" and missed "SIX"
                String law = "THIS AGREEMENT SHALL BE GOVERNED BY THE LAWS OF THE STATE OF ILLINOIS WITHOUT REGARD TO ITS CONFLICT RULES.";
                assertEquals("Illinois", GoverningLawExtractor.extract(law, Sentences.split(law)).value(), tag);
                assertEquals(1, TermLength.find("a term of SIX MONTHS", 0, 20).size(), tag);
            }
        } finally {
            java.util.Locale.setDefault(saved);
        }
    }
}
