/*
 * The contracts analyzer: deterministic extraction of parties, dates, term, renewal, governing law
 * and CUAD's yes/no clause categories from one contract's plain text, each with the text that
 * supports it. No model and no I/O: the same text always gives the same analysis.
 *
 * Streaming contract: a Reader is fed the text in chunks as it arrives (from Kafka chunks, a file)
 * and buffers at most maxChars characters (default MAX_CHARS); what arrives after that is counted and dropped, and the
 * analysis says `truncated`. Extraction runs once, in finish(), because the clauses that matter are
 * spread over the whole document (the term near the top, governing law near the end) and contracts
 * are small: CUAD's longest is under half a megabyte, so 4 Mi characters (8 MiB of heap) is ample.
 */
package dev.longhaul.pipeline.analyze.contracts;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class ContractAnalyzer {
    /** Most characters of one contract read by default; beyond the bound, text is dropped and the result is truncated. */
    public static final int MAX_CHARS = 4 * 1024 * 1024;

    private final int maxChars;

    public ContractAnalyzer() {
        this(MAX_CHARS);
    }

    public ContractAnalyzer(int maxChars) {
        if (maxChars <= 0) {
            throw new IllegalArgumentException("maxChars must be positive: " + maxChars);
        }
        this.maxChars = maxChars;
    }

    /** Analyzes a whole text at once. */
    public ContractAnalysis analyze(CharSequence text) {
        Reader reader = open();
        reader.append(text);
        return reader.finish();
    }

    public Reader open() {
        return new Reader(maxChars);
    }

    /** Buffers one contract's text, bounded by the analyzer's maxChars; single use, not thread-safe. */
    public static final class Reader {
        private final int maxChars;
        private final StringBuilder text = new StringBuilder();
        private long seen;
        private boolean full; // maxChars reached: later text is not kept, so what is kept is a prefix of the contract
        private boolean finished;

        private Reader(int maxChars) {
            this.maxChars = maxChars;
        }

        public Reader append(CharSequence chunk) {
            if (finished) {
                throw new IllegalStateException("finish() was already called");
            }
            seen += chunk.length();
            if (full) {
                return this;
            }
            int room = maxChars - text.length();
            int take = Math.min(room, chunk.length());
            if (take == room) {
                // the last char kept: never the first half of a pair whose second half is not kept
                // (cut here, or at the start of the next chunk), and nothing after it, even the room
                // that leaves: a later chunk's text would not follow on from this one's
                full = true;
                if (take > 0 && Character.isHighSurrogate(chunk.charAt(take - 1))) {
                    take--;
                }
            }
            text.append(chunk, 0, take);
            return this;
        }

        public ContractAnalysis finish() {
            finished = true;
            return extract(text.toString(), seen > text.length());
        }
    }

    private static ContractAnalysis extract(String doc, boolean truncated) {
        List<Span> sentences = Sentences.split(doc);
        List<Party> parties = PartyExtractor.extract(doc, sentences);
        DateExtractor.Dates dates = DateExtractor.extract(doc, sentences);
        RenewalExtractor.Renewal renewal = RenewalExtractor.extract(doc, sentences);
        Finding law = GoverningLawExtractor.extract(doc, sentences);
        Map<String, List<Span>> clauses = new LinkedHashMap<>();
        ClauseRules.detect(sentences).forEach((category, spans) -> clauses.put(category.field(), List.copyOf(spans)));
        return new ContractAnalysis(parties, dates.agreement(), dates.effective(), dates.expiration(), renewal.term(),
                renewal.notice(), law, clauses, doc.length(), truncated);
    }
}
