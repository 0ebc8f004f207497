/*
 * What the contracts analyzer found in one contract; a plain record tree that Jackson writes as JSON
 * as is (absent single values are null, clauses lists only the categories found, keyed by
 * ClauseCategory.field()). `truncated` says the text went past the analyzer's bound (ContractAnalyzer.MAX_CHARS
 * by default) and only the characters up to it were read; offsets in every Span are into those characters.
 */
package dev.longhaul.pipeline.analyze.contracts;

import java.util.List;
import java.util.Map;

public record ContractAnalysis(
        List<Party> parties,
        Finding agreementDate,
        Finding effectiveDate,
        Finding expirationDate,
        Finding renewalTerm,
        Finding noticePeriodToTerminateRenewal,
        Finding governingLaw,
        Map<String, List<Span>> clauses,
        int chars,
        boolean truncated) {

    public ContractAnalysis {
        parties = List.copyOf(parties);
        clauses = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(clauses)); // in the caller's order: Map.copyOf's differs per JVM
    }

    public boolean has(ClauseCategory category) {
        return clauses.containsKey(category.field());
    }
}
