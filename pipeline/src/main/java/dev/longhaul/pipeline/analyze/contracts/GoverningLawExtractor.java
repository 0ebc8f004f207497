/*
 * Governing law: the jurisdiction named in the choice-of-law clause, "This Agreement shall be
 * governed by and construed in accordance with the laws of the State of New York, without regard to
 * ...". A sentence qualifies when a governing verb (governed, construed, interpreted, enforced,
 * subject to) precedes "law(s) of"; sentences that say "governed" win over ones that only construe.
 * The jurisdiction is the run of capitalised words after "laws of [the] [State|Commonwealth|Province
 * |Republic ...] of", joined by "and"/"of" (England and Wales), stopping at the first word that starts
 * a qualifier (without, excluding, applicable, ...). The value drops the "State of" prefix.
 */
package dev.longhaul.pipeline.analyze.contracts;

import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Locale;

final class GoverningLawExtractor {
    private static final Pattern CLAUSE = Rx.of("\\b(governed|construed|interpreted|enforced|subject to|accordance with)"
            + "\\b[^.;]{0,200}?\\blaws? of (?:the )?((?:state|commonwealth|province|republic|kingdom|federal republic|"
            + "people's republic|grand duchy|country|canton|territory|district) of )?");
    private static final Pattern WORD = Pattern.compile("[\\p{L}][\\p{L}.'\\-]*");
    private static final Set<String> STOP = Set.of("without", "excluding", "exclusive", "applicable", "including", "regardless",
            "except", "notwithstanding", "giving", "as", "in", "to", "that", "which", "other", "than", "shall", "will",
            "provided", "irrespective", "but", "for", "applied", "and", "the", "its", "their", "any", "where", "governing",
            "relating", "with", "by", "on", "under", "hereof", "thereof");

    private GoverningLawExtractor() {}

    static Finding extract(String doc, List<Span> sentences) {
        Finding construedOnly = null;
        for (Span s : sentences) {
            Matcher m = CLAUSE.matcher(s.text());
            if (!m.find()) {
                continue;
            }
            String place = jurisdiction(s.text(), m.end());
            if (place == null) {
                continue;
            }
            Finding f = new Finding(place, s);
            if (m.group(1).equalsIgnoreCase("governed")) {
                return f;
            }
            if (construedOnly == null) {
                construedOnly = f;
            }
        }
        return construedOnly;
    }

    /** Capitalised words from `from`; "and"/"of" only join two capitalised words. */
    static String jurisdiction(String text, int from) {
        Matcher w = WORD.matcher(text).region(from, text.length());
        StringBuilder out = new StringBuilder();
        String pendingJoin = null;
        int expected = from;
        while (w.find()) {
            String gap = text.substring(expected, w.start());
            if (!gap.isBlank() && !gap.strip().equals(",")) {
                break;
            }
            if (gap.contains(",") && !out.isEmpty()) {
                break;
            }
            String word = w.group();
            String lower = word.toLowerCase(Locale.ROOT);
            boolean capital = Character.isUpperCase(word.charAt(0));
            if ((lower.equals("and") || lower.equals("of")) && !out.isEmpty() && pendingJoin == null) {
                pendingJoin = word;
            } else if (capital && !STOP.contains(lower)) {
                if (pendingJoin != null) {
                    out.append(' ').append(pendingJoin);
                    pendingJoin = null;
                }
                out.append(out.isEmpty() ? "" : " ").append(word);
            } else {
                break;
            }
            expected = w.end();
            if (out.length() > 60) {
                break;
            }
        }
        String place = out.toString().replaceAll("[.,]+$", "");
        return place.isEmpty() ? null : titleCase(place);
    }

    /** All-capital clauses yield "PENNSYLVANIA"; print it as "Pennsylvania" like the rest. */
    private static String titleCase(String place) {
        if (!place.equals(place.toUpperCase(Locale.ROOT))) {
            return place;
        }
        StringBuilder b = new StringBuilder();
        for (String word : place.toLowerCase(Locale.ROOT).split(" ")) {
            b.append(b.isEmpty() ? "" : " ");
            b.append(word.equals("and") || word.equals("of") ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1));
        }
        return b.toString();
    }
}
