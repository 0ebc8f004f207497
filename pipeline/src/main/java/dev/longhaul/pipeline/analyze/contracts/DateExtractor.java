/*
 * Agreement, effective and expiration dates.
 *  - Agreement date: the first date in the preamble sentence ("This Agreement is made as of ...",
 *    "dated ...", "entered into on ..."); failing that, the first date near the top (a "Dated:" or
 *    "Last updated:" line, a letter's date).
 *  - Effective date: a date the text ties to the defined term ("... 2014 (the "Effective Date")",
 *    "Effective Date shall be ...") or to "effective as of / commence on"; "Effective Date means the
 *    date first written above" (or "date hereof") resolves to the agreement date. Absent such a
 *    statement there is no effective date: CUAD leaves it blank then, and so do we.
 *  - Expiration date, from the term clause: an explicit end ("until", "ending", "expire on" a date);
 *    else start + initial term length ("for five (5) years from the Effective Date"), the start being a
 *    date in the same sentence, else the effective date, else the agreement date; else "perpetual"
 *    when the term runs until terminated or indefinitely.
 */
package dev.longhaul.pipeline.analyze.contracts;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class DateExtractor {
    record Dates(Finding agreement, Finding effective, Finding expiration) {}

    private static final int HEAD = 3_000;
    private static final Pattern PREAMBLE = Rx.of("\\b(?:this|the) [^.;]{0,120}?\\b(?:agreement|amendment|contract)\\b"
            + "[^.;]{0,300}?\\b(?:made|entered|dated|executed|effective|between|among)\\b");
    private static final Pattern DEFINED_EFFECTIVE = Rx.of("^[\\s,]*(?:the ?)?\\(?(?:the |this )?[\"\u201c]?effective ?date[\"\u201d]?");
    private static final Pattern EFFECTIVE_MEANS = Rx.of("[\"\u201c]?effective date[\"\u201d]?,? (?:of this agreement )?"
            + "(?:shall )?(?:means?|be|is|shall mean)\\b");
    private static final Pattern DATE_ABOVE = Rx.of("\\b(?:date (?:first )?(?:written|set forth|stated|appearing) above|date hereof"
            + "|date of this agreement|execution date|date first above written|date of (?:its )?(?:execution|signing|signature))\\b");
    private static final Pattern EFFECTIVE_LEAD = Rx.of("(?:effective|commenc\\w*|beginning|begin|start\\w*) (?:as of |on |from )?(?:the )?$");
    private static final Pattern BECOMES_EFFECTIVE = Rx.of("\\b(?:become|becomes|be|is|shall be) effective (?:on|upon|as of|from) ");
    /** Term clauses about this agreement itself, tried before the looser TERM_SENTENCE. */
    private static final Pattern TERM_STRONG = Rx.of("\\b(?:(?:initial )?term of this agreement|this (?:\\w+ )?agreement (?:shall|will) "
            + "(?:commence|continue|remain|become effective|begin|be effective|expire|terminate|be for)|this (?:\\w+ )?agreement "
            + "(?:begins|commences|continues|remains|expires|terminates)|initial term\\b"
            + "|agreement shall continue in (?:full )?force)");
    private static final Pattern TERM_SENTENCE = Rx.of("\\b(?:term of this|shall continue in (?:full )?force"
            + "|(?:shall|will) remain in (?:full )?(?:force|effect)|term of the agreement|the term (?:of|shall|will|is)"
            + "|is for a (?:fixed )?(?:term|period)|(?:this|the) \\w+ (?:shall|will) (?:begin|commence)|fixed term)\\b");
    private static final Pattern END_LEAD = Rx.of("(?:until|through|ending(?: on)?|expires?(?: on)?|terminates?(?: on)?|end(?: on)?)"
            + " (?:the )?(?:close of business on )?$");
    private static final Pattern LENGTH_LEAD = Rx.of("(?:for|of|period of|term of|additional) (?:an? )?(?:initial )?(?:period of )?$");
    private static final Pattern PERPETUAL = Rx.of("\\b(?:indefinite(?:ly)?|in perpetuity|perpetual(?:ly)?|(?:until|when) "
            + "(?:it is |so )?(?:terminated|cancelled)|unless and until terminated|until (?:such time as )?(?:either|one) party)\\b");
    /** "during the term of this Agreement and for two years thereafter" speaks of the term, it does not set it. */
    private static final Pattern WITHIN_TERM = Rx.of("\\b(?:during|throughout|after|following|beyond|within|before|prior to|"
            + "expiration of|end of|termination of) (?:the )?(?:initial |then[- ]current )?term\\b");
    private static final Pattern NOTICE_AFTER = Rx.of("^'?\\)?[\\s']*(?:prior|advance|before|written|notice|'?s? notice|after|thereafter|following)");

    private static final Finding UNKNOWN_END = new Finding("", new Span(0, 0, ""));

    private DateExtractor() {}

    static Dates extract(String doc, List<Span> sentences) {
        Finding agreement = agreementDate(doc, sentences);
        Finding effective = effectiveDate(doc, sentences, agreement);
        Finding expiration = expirationDate(doc, sentences, effective != null ? effective : agreement);
        return new Dates(agreement, effective, expiration);
    }

    private static Finding agreementDate(String doc, List<Span> sentences) {
        for (Span s : sentences) {
            if (s.start() > PartyExtractor.PREAMBLE_WINDOW) {
                break;
            }
            if (PREAMBLE.matcher(s.text()).find()) {
                List<DateGrammar.Hit> hits = DateGrammar.find(doc, s.start(), s.end());
                if (!hits.isEmpty()) {
                    return finding(doc, hits.getFirst());
                }
            }
        }
        List<DateGrammar.Hit> head = DateGrammar.find(doc, 0, Math.min(HEAD, doc.length()));
        return head.isEmpty() ? null : finding(doc, head.getFirst());
    }

    private static Finding effectiveDate(String doc, List<Span> sentences, Finding agreement) {
        for (Span s : sentences) {
            for (DateGrammar.Hit h : DateGrammar.find(doc, s.start(), s.end())) {
                String after = doc.substring(h.end(), Math.min(s.end(), h.end() + 40));
                String before = doc.substring(Math.max(s.start(), h.start() - 40), h.start());
                boolean means = EFFECTIVE_MEANS.matcher(doc.substring(Math.max(s.start(), h.start() - 80), h.start())).find();
                if (DEFINED_EFFECTIVE.matcher(after).find() || means || EFFECTIVE_LEAD.matcher(before).find()) {
                    return finding(doc, h);
                }
            }
            Matcher means = EFFECTIVE_MEANS.matcher(s.text());
            Matcher becomes = BECOMES_EFFECTIVE.matcher(s.text());
            boolean meansAbove = means.find() && DATE_ABOVE.matcher(s.text()).find(means.end());
            boolean becomesAbove = becomes.find() && DATE_ABOVE.matcher(s.text()).region(becomes.end(),
                    Math.min(s.text().length(), becomes.end() + 60)).find();
            if (agreement != null && (meansAbove || becomesAbove)) {
                return new Finding(agreement.value(), s);
            }
        }
        return null;
    }

    private static Finding expirationDate(String doc, List<Span> sentences, Finding start) {
        for (Pattern termClause : List.of(TERM_STRONG, TERM_SENTENCE)) {
            for (Span s : sentences) {
                if (termClause.matcher(s.text()).find() && !WITHIN_TERM.matcher(s.text()).find()) {
                    Optional<Finding> f = expirationIn(doc, s, start);
                    if (f.isPresent()) {
                        return f.get() == UNKNOWN_END ? null : f.get();
                    }
                }
            }
        }
        return null;
    }

    /**
     * The end of the term one term sentence states; empty when it states none. A term length with no
     * known start yields UNKNOWN_END: the term clause was found, its end is not computable, and no
     * later sentence should stand in for it.
     */
    private static Optional<Finding> expirationIn(String doc, Span s, Finding start) {
        List<DateGrammar.Hit> dates = DateGrammar.find(doc, s.start(), s.end());
        for (DateGrammar.Hit h : dates) {
            String before = doc.substring(Math.max(s.start(), h.start() - 40), h.start());
            if (END_LEAD.matcher(before).find()) {
                return Optional.of(new Finding(h.date().toString(), s));
            }
        }
        Optional<TermLength> length = initialLength(doc, s);
        if (length.isPresent()) {
            Optional<LocalDate> from = dates.isEmpty()
                    ? Optional.ofNullable(start).flatMap(f -> ContractDate.parse(f.value())).flatMap(ContractDate::toLocalDate)
                    : dates.getFirst().date().toLocalDate();
            return Optional.of(from.map(f -> new Finding(ContractDate.of(plus(f, length.get())).toString(), s)).orElse(UNKNOWN_END));
        }
        if (PERPETUAL.matcher(s.text()).find()) {
            return Optional.of(new Finding(Finding.PERPETUAL, s));
        }
        return Optional.empty();
    }

    /** The first length stated as a term ("for ten (10) years"), not as notice ("sixty (60) days' notice"). */
    private static Optional<TermLength> initialLength(String doc, Span s) {
        for (TermLength.Hit h : TermLength.find(doc, s.start(), s.end())) {
            String before = doc.substring(Math.max(s.start(), h.start() - 30), h.start());
            String after = doc.substring(h.end(), Math.min(s.end(), h.end() + 30));
            if (LENGTH_LEAD.matcher(before).find() && !NOTICE_AFTER.matcher(after).find()
                    && !h.length().successive() && !h.length().unit().equals("day")) {
                return Optional.of(h.length());
            }
        }
        return Optional.empty();
    }

    private static LocalDate plus(LocalDate from, TermLength length) {
        return switch (length.unit()) {
            case "year" -> from.plusYears(length.amount());
            case "month" -> from.plusMonths(length.amount());
            case "week" -> from.plusWeeks(length.amount());
            default -> from.plusDays(length.amount());
        };
    }

    private static Finding finding(String doc, DateGrammar.Hit h) {
        return new Finding(h.date().toString(), Span.of(doc, h.start(), h.end()));
    }
}
