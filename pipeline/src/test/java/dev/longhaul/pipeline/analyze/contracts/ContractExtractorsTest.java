/*
 * Each extractor of the contracts analyzer on small contract snippets written for this test (not
 * taken from any corpus), given/when/then: parties from a preamble, dates (stated, defined, computed
 * from a term, perpetual), renewal and its notice, governing law, yes/no clauses with their vetoes,
 * sentence splitting, and the analyzer's buffering bound.
 */
package dev.longhaul.pipeline.analyze.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContractExtractorsTest {
    private static final String SUPPLY = """
            SUPPLY AGREEMENT

            This Supply Agreement (the "Agreement") is made and entered into as of the 3rd day of February, 2021
            (the "Effective Date") by and between Northwind Widgets, Inc., a Delaware corporation having its principal
            office at 12 Harbor Rd. Suite 4, Portland, Oregon ("Supplier"), and Bluefin Retail LLC, a Texas limited
            liability company ("Buyer").

            WHEREAS, Supplier makes widgets; and WHEREAS, Buyer sells them.

            1. Term. The initial term of this Agreement shall commence on the Effective Date and continue for three (3)
            years (the "Initial Term"). Thereafter this Agreement shall automatically renew for successive one (1) year
            periods unless either party gives the other at least ninety (90) days' prior written notice of its intent not
            to renew.

            2. Exclusivity. Buyer shall purchase all of its requirements of widgets exclusively from Supplier.

            3. Assignment. Neither party may assign this Agreement without the prior written consent of the other party.

            4. No Third Party Beneficiaries. Nothing in this Agreement confers any rights on any person other than the
            parties, and there are no third party beneficiaries.

            5. Governing Law. This Agreement shall be governed by and construed in accordance with the laws of the State
            of Oregon, without regard to its conflict of laws principles.
            """;

    private final ContractAnalyzer analyzer = new ContractAnalyzer();

    @Test
    void partiesComeFromThePreambleWithTheirDefinedTerms() {
        ContractAnalysis a = analyzer.analyze(SUPPLY);

        assertEquals(List.of("Northwind Widgets, Inc.", "Bluefin Retail LLC"), a.parties().stream().map(Party::name).toList());
        assertEquals(List.of("Supplier", "Buyer"), a.parties().stream().map(Party::alias).toList());
        Party first = a.parties().getFirst();
        assertEquals(first.name(), SUPPLY.substring(first.span().start(), first.span().end()));
    }

    @Test
    void partiesOfALetterWithoutBetweenComeFromDefinedTerms() {
        String letter = "Dear Sirs: Harbor Light Holdings Corp., a Nevada corporation (the \"Company\"), and Ridge Bank, "
                + "a state bank (the \"Bank\"), confirm their agreement with you as follows.";

        List<Party> parties = analyzer.analyze(letter).parties();

        assertEquals(List.of("Harbor Light Holdings Corp.", "Ridge Bank"), parties.stream().map(Party::name).toList());
    }

    @Test
    void datesAreStatedDefinedAndComputedFromTheTerm() {
        ContractAnalysis a = analyzer.analyze(SUPPLY);

        assertEquals("2021-02-03", a.agreementDate().value());
        assertEquals("2021-02-03", a.effectiveDate().value());
        assertEquals("2024-02-03", a.expirationDate().value(), "three years from the effective date");
        assertTrue(a.expirationDate().span().text().startsWith("The initial term of this Agreement"));
    }

    @Test
    void aTermThatRunsUntilTerminatedIsPerpetualAndMentionsOfTheTermDoNotSetIt() {
        String text = "This Agreement is dated March 9, 2015 between Alder Co. (\"Alder\") and Birch Ltd. (\"Birch\"). "
                + "During the term of this Agreement and for two (2) years thereafter, Alder shall keep records. "
                + "This Agreement shall commence on the date hereof and continue indefinitely until terminated by either party.";

        ContractAnalysis a = analyzer.analyze(text);

        assertEquals("2015-03-09", a.agreementDate().value());
        assertEquals(Finding.PERPETUAL, a.expirationDate().value());
        assertNull(a.effectiveDate(), "no effective date is stated");
    }

    @Test
    void anExplicitEndDateAndABlankDayAreRead() {
        String text = "This Agreement is made as of June __, 2019 by and between Cedar Inc. (\"Cedar\") and Doe LLC (\"Doe\"). "
                + "This Agreement shall remain in effect until December 31st, 2022.";

        ContractAnalysis a = analyzer.analyze(text);

        assertEquals("2019-06-XX", a.agreementDate().value());
        assertEquals("2022-12-31", a.expirationDate().value());
    }

    @Test
    void renewalTermAndNoticeToStopIt() {
        ContractAnalysis a = analyzer.analyze(SUPPLY);

        assertEquals("successive 1 year", a.renewalTerm().value());
        assertEquals("90 days", a.noticePeriodToTerminateRenewal().value());
    }

    @Test
    void renewalFromYearToYearIsOneYearAndAnAgreedExtensionIsNoRenewal() {
        String yearly = "After the first term, this Agreement will renew automatically from year to year unless cancelled "
                + "by either party on thirty (30) days written notice.";
        String agreed = "The term may be extended for a further period of two (2) years by mutual written agreement of the parties.";

        ContractAnalysis a = analyzer.analyze(yearly);

        assertEquals("successive 1 year", a.renewalTerm().value());
        assertEquals("30 days", a.noticePeriodToTerminateRenewal().value());
        assertNull(analyzer.analyze(agreed).renewalTerm());
    }

    @Test
    void governingLawNamesTheJurisdictionWithoutItsQualifiers() {
        assertEquals("Oregon", analyzer.analyze(SUPPLY).governingLaw().value());
        assertEquals("England and Wales", analyzer.analyze(
                "This Agreement shall be governed by and construed in accordance with the laws of England and Wales.")
                .governingLaw().value());
        assertEquals("Pennsylvania", analyzer.analyze(
                "THIS AGREEMENT SHALL BE GOVERNED BY THE INTERNAL LAWS OF THE COMMONWEALTH OF PENNSYLVANIA WITHOUT REGARD "
                        + "TO CONFLICTS OF LAW.").governingLaw().value());
    }

    @Test
    void clausesArePresentWithTheirSentencesAndVetoesHold() {
        ContractAnalysis a = analyzer.analyze(SUPPLY);

        assertTrue(a.has(ClauseCategory.EXCLUSIVITY));
        assertTrue(a.has(ClauseCategory.ANTI_ASSIGNMENT));
        assertTrue(a.clauses().get("anti_assignment").getFirst().text().startsWith("Neither party may assign"));
        assertFalse(a.has(ClauseCategory.THIRD_PARTY_BENEFICIARY), "'no third party beneficiaries' negates");
        assertFalse(a.has(ClauseCategory.NON_COMPETE));
        assertFalse(analyzer.analyze("Licensor grants Licensee a non-exclusive license to use the Software.")
                .has(ClauseCategory.EXCLUSIVITY));
        assertTrue(analyzer.analyze("Either party may terminate this Agreement for convenience upon sixty (60) days notice.")
                .has(ClauseCategory.TERMINATION_FOR_CONVENIENCE));
    }

    @Test
    void sentencesDoNotEndAtAbbreviationsOrPageBreaks() {
        String text = "Acme Inc. and U.S.A. Parts Co. agree. Thereafter, this\n\n\n   Agreement shall renew.\n\nSECTION 2\n\nNext.";

        List<String> sentences = Sentences.split(text).stream().map(Span::text).toList();

        assertEquals(List.of("Acme Inc. and U.S.A. Parts Co. agree.", "Thereafter, this\n\n\n   Agreement shall renew.",
                "SECTION 2", "Next."), sentences);
    }

    @Test
    void aYearEndsItsSentenceButASectionNumberDoesNot() {
        String text = "This agreement was effective July 17, 2009. All Confidential Information stays secret.\n"
                + "10. Term. The term is set out in Section 4. It renews.";

        List<String> sentences = Sentences.split(text).stream().map(Span::text).toList();

        assertEquals(List.of("This agreement was effective July 17, 2009.", "All Confidential Information stays secret.",
                "10. Term.", "The term is set out in Section 4. It renews."), sentences);
        // a heading number mid-line, after a sentence's end or a colon, stays with its heading
        assertEquals(List.of("The parties agree to this Agreement.", "2. Term.", "It runs as follows: 1. The Company pays."),
                Sentences.split("The parties agree to this Agreement. 2. Term. It runs as follows: 1. The Company pays.")
                        .stream().map(Span::text).toList());
    }

    @Test
    void theReaderBuffersAtMostItsBoundAndSaysItTruncated() {
        int bound = 3 * SUPPLY.length() + 17;
        ContractAnalyzer.Reader reader = new ContractAnalyzer(bound).open();
        for (int i = 0; i < 5; i++) {
            reader.append(SUPPLY);
        }

        ContractAnalysis a = reader.finish();

        assertTrue(a.truncated());
        assertEquals(bound, a.chars());
        assertEquals("Oregon", a.governingLaw().value(), "what was buffered is still analyzed");
        assertFalse(analyzer.analyze(SUPPLY).truncated());
    }

    /**
     * At the bound, a pair (an emoji) is not split, and the text kept stays a prefix of the contract:
     * the room left by the pair held back is not filled from the next chunk, nor is a pair kept half
     * when the bound falls at a chunk's end between its halves.
     */
    @Test
    void theReaderKeepsAPrefixWithNoHalfPairAtItsBound() {
        int bound = 100;
        // the pair straddles the bound inside a chunk; the next chunk must not fill the char left free
        ContractAnalyzer.Reader inside = new ContractAnalyzer(bound).open();
        inside.append("a".repeat(bound - 1) + "\uD83D\uDE00").append("The parties agree.");
        ContractAnalysis a = inside.finish();
        assertTrue(a.truncated());
        assertEquals(bound - 1, a.chars());
        // the bound falls at a chunk's end, between the halves of a pair
        ContractAnalyzer.Reader between = new ContractAnalyzer(bound).open();
        between.append("a".repeat(bound - 1) + "\uD83D").append("\uDE00 and more");
        ContractAnalysis b = between.finish();
        assertTrue(b.truncated());
        assertEquals(bound - 1, b.chars());
    }

    @Test
    void theAnalysisIsJson() throws Exception {
        String json = new ObjectMapper().writeValueAsString(analyzer.analyze(SUPPLY));

        assertTrue(json.contains("\"governingLaw\":{\"value\":\"Oregon\""), json);
        assertTrue(json.contains("\"anti_assignment\":[{\"start\":"), json);
    }
}
