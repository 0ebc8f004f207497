/*
 * Renewal term and the notice needed to stop a renewal.
 *  - A renewal sentence says the term renews or extends: "shall automatically renew for successive
 *    one (1) year periods", "renew from year to year", "be extended for a 1 year period", "right to
 *    renew ... for two (2) successive terms equal to five (5) years". The renewal term is the first
 *    length after the renewal verb that is not a notice length; "year to year" and "annual" mean one
 *    year, "month to month" one month.
 *  - The notice period is a length tied to notice ("sixty (60) days' prior written notice", "notice
 *    ... at least three (3) months prior to the expiration") in the renewal sentence, the one after
 *    it, or a sentence about non-renewal ("election not to renew", "intent not to renew").
 */
package dev.longhaul.pipeline.analyze.contracts;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class RenewalExtractor {
    record Renewal(Finding term, Finding notice) {}

    private static final Pattern RENEWS = Rx.of("\\b(?:(?:automatically|shall|will|may|thereafter) (?:be )?(?:renew|extend)\\w*"
            + "|renew\\w* (?:automatically|for|from)|right to (?:renew|extend)|option to (?:renew|extend)|renewal terms?\\b"
            + "|(?:continue|renew|extend)\\w* (?:automatically )?(?:for|from) (?:successive|additional|consecutive|subsequent|"
            + "further|one or more)|(?:year|month) to (?:year|month)|successive (?:annual|one|1|\\w+ \\(\\d+\\)) )");
    private static final Pattern NON_RENEWAL = Rx.of("\\b(?:not to renew|non-?renewal|(?:elect|election|intent|intention|decision)"
            + " not to (?:renew|extend)|prevent (?:such )?(?:automatic )?renewal|terminate (?:this agreement )?(?:at|as of) the "
            + "(?:end|expiration) of (?:the )?(?:initial|then[- ]current|any renewal))\\b");
    /** An extension the parties may agree on later is no renewal term: any contract can be amended. */
    private static final Pattern MUTUAL = Rx.of("\\b(?:mutual(?:ly)? (?:written )?(?:agree\\w*|consent)|by mutual|upon mutual)\\b");
    private static final Pattern NOTICE_AFTER = Rx.of("^[\\s')]*(?:'?s? )?(?:prior |advance |written |express )*(?:prior |advance |written )*notice");
    private static final Pattern NOTICE_BEFORE = Rx.of("notice[^.;]{0,80}?(?:at least|not less than|no less than|no later than|"
            + "not later than|a minimum of|within) $");
    private static final Pattern PRIOR_AFTER = Rx.of("^[\\s')]*(?:'?s? )?(?:prior to|before|in advance|preceding)");
    private static final Pattern NOT_RENEWAL_LENGTH = Rx.of("^[\\s')]*(?:'?s? )?(?:prior|advance|written|notice|before|after|"
            + "following|of (?:the|such) )");

    private RenewalExtractor() {}

    static Renewal extract(String doc, List<Span> sentences) {
        Finding term = null;
        Finding notice = null;
        for (int i = 0; i < sentences.size() && (term == null || notice == null); i++) {
            Span s = sentences.get(i);
            Matcher r = RENEWS.matcher(s.text());
            boolean renews = r.find() && !MUTUAL.matcher(s.text()).find();
            if (renews && term == null) {
                term = renewalLength(doc, s, s.start() + r.start());
                if (term != null && notice == null) {
                    notice = noticeLength(doc, s);
                    if (notice == null && i + 1 < sentences.size()) {
                        notice = noticeLength(doc, sentences.get(i + 1));
                    }
                }
            }
            if (notice == null && NON_RENEWAL.matcher(s.text()).find()) {
                notice = noticeLength(doc, s);
            }
        }
        return new Renewal(term, notice);
    }

    private static Finding renewalLength(String doc, Span s, int from) {
        for (TermLength.Hit h : TermLength.find(doc, Math.max(s.start(), from - 20), s.end())) {
            String after = doc.substring(h.end(), Math.min(s.end(), h.end() + 40));
            if (NOT_RENEWAL_LENGTH.matcher(after).find() && !h.length().successive()) {
                continue;
            }
            return new Finding(h.length().asSuccessive().toString(), s);
        }
        return null;
    }

    private static Finding noticeLength(String doc, Span s) {
        for (TermLength.Hit h : TermLength.find(doc, s.start(), s.end())) {
            if (h.length().successive()) {
                continue;
            }
            String after = doc.substring(h.end(), Math.min(s.end(), h.end() + 40));
            String before = doc.substring(Math.max(s.start(), h.start() - 100), h.start());
            if (NOTICE_AFTER.matcher(after).find() || (NOTICE_BEFORE.matcher(before).find() && PRIOR_AFTER.matcher(after).find())) {
                return new Finding(h.length().toString(), s);
            }
        }
        return null;
    }
}
