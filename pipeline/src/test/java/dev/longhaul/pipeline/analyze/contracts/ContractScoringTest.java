/*
 * The matching rules of ContractScoring on a tiny hand-made example: parties one-to-one by token F1
 * or defined term, dates by known parts, jurisdictions by token F1, lengths by value, yes/no by
 * presence, and the precision/recall/F1 conventions.
 */
package dev.longhaul.pipeline.analyze.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ContractScoringTest {
    private static final Span NOWHERE = new Span(0, 0, "");

    private static CuadLabels.Label answer(String answer) {
        return new CuadLabels.Label(List.of(), answer);
    }

    private static Finding value(String v) {
        return new Finding(v, NOWHERE);
    }

    private static Party party(String name) {
        return new Party(name, null, NOWHERE);
    }

    @Test
    void partiesMatchOneToOneAndCollectiveEntriesAreNoParties() {
        CuadLabels.Label gold = answer("Alder Timber Company (\"Alder\"); Birch Ltd. (\"Birch\"); Franchisee (\"you\"); "
                + "Alder and Birch (individually a \"Party\", collectively the \"Parties\")");
        List<Party> predicted = List.of(party("Alder Timber Co."), party("Alder Timber Company"), party("Franchisee"),
                party("Spruce Inc."));

        ContractScoring.Counts c = ContractScoring.parties(predicted, gold);

        assertEquals(new ContractScoring.Counts(2, 2, 1), c, "Alder once, Franchisee; duplicate and Spruce are fp; Birch is fn");
    }

    @Test
    void datesMatchOnKnownPartsAndPerpetualOnlyItself() {
        assertEquals(new ContractScoring.Counts(1, 0, 0), ContractScoring.date(value("2000-03-31"), answer("3/31/00")));
        assertEquals(new ContractScoring.Counts(0, 1, 1), ContractScoring.date(value("2000-04-30"), answer("3/31/00")));
        assertEquals(new ContractScoring.Counts(1, 0, 0), ContractScoring.date(value("perpetual"), answer("perpetual")));
        assertEquals(new ContractScoring.Counts(0, 1, 0), ContractScoring.date(value("2000-03-31"), answer("")));
        assertEquals(new ContractScoring.Counts(0, 0, 1), ContractScoring.date(null, answer("[]/[]/2009")));
        assertEquals(new ContractScoring.Counts(0, 0, 0), ContractScoring.date(null, answer("[]/[]/19[]")), "no known part");
    }

    @Test
    void jurisdictionsMatchByTokenOverlap() {
        assertEquals(1, ContractScoring.text(value("British Columbia"), answer("British Columbia, Canada")).tp());
        assertEquals(1, ContractScoring.text(value("Illinois"), answer("Illinois; New York")).tp());
        assertEquals(1, ContractScoring.text(value("England and Wales"), answer("England; Wales")).tp());
        assertEquals(new ContractScoring.Counts(0, 1, 1), ContractScoring.text(value("New Jersey"), answer("New York")));
        assertEquals(0.5, ContractScoring.tokenF1("New Jersey", "New York"), 1e-12);
    }

    @Test
    void lengthsAndYesNo() {
        assertEquals(1, ContractScoring.length(value("successive 12 months"), answer("successive 1 year")).tp());
        assertEquals(1, ContractScoring.length(value("180 days"), answer("60 days; 180 days")).tp());
        assertEquals(new ContractScoring.Counts(1, 0, 0), ContractScoring.yesNo(true, answer("Yes")));
        assertEquals(new ContractScoring.Counts(0, 1, 0), ContractScoring.yesNo(true, answer("No")));
        assertEquals(new ContractScoring.Counts(0, 0, 1), ContractScoring.yesNo(false, answer("Yes")));
        assertEquals(new ContractScoring.Counts(0, 0, 0), ContractScoring.yesNo(false, answer("No")));
    }

    @Test
    void precisionRecallF1Conventions() {
        ContractScoring.Counts c = new ContractScoring.Counts(3, 1, 2);
        assertEquals(0.75, c.precision(), 1e-12);
        assertEquals(0.6, c.recall(), 1e-12);
        assertEquals(2 * 0.75 * 0.6 / 1.35, c.f1(), 1e-12);
        assertEquals(1.0, ContractScoring.Counts.ZERO.f1(), 1e-12, "nothing to find and nothing claimed");
        assertEquals(0.0, new ContractScoring.Counts(0, 0, 4).f1(), 1e-12);
    }
}
