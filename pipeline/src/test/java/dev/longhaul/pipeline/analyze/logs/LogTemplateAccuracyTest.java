/* GA and PA on a hand-made example small enough to count by eye. */
package dev.longhaul.pipeline.analyze.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LogTemplateAccuracyTest {
    private static final double EXACT = 1e-12;

    @Test
    void groupingAccuracyCountsLinesWhoseGroupsAreExactlyTheTrueOnes() {
        // Given six lines of three true events A (lines 0-2), B (3-4), C (5)
        List<String> truth = List.of("A", "A", "A", "B", "B", "C");
        List<String> trueTemplates = List.of("open <*>", "open <*>", "open <*>", "close <*>", "close <*>", "reset");
        // When A is found whole, B is split in two, and C is merged into one B part
        List<Integer> predicted = List.of(7, 7, 7, 8, 9, 9);
        List<String> predictedTemplates = List.of("open <*>", "open <*>", "open <*>", "close <*>", "<*>", "<*>");
        TemplateAccuracy.Scores s = TemplateAccuracy.score(truth, trueTemplates, predicted, predictedTemplates);
        // Then only A's three lines are grouped right (GA 3/6) and four templates match (PA 4/6)
        assertEquals(0.5, s.ga(), EXACT);
        assertEquals(4.0 / 6, s.pa(), EXACT);
        assertEquals(4.0 / 6, s.paExact(), EXACT);
        assertEquals(6, s.lines());
    }

    @Test
    void exactParsingAccuracyJoinsNoWildcards() {
        // a miner's one <*> for a version the labels split, and a run of two wildcards across a space
        List<String> truth = List.of("A", "B", "C");
        List<String> trueTemplates = List.of("Linux version <*>.<*>.<*> (gcc)", "size <*> <*>", "open  <*>");
        List<String> predictedTemplates = List.of("Linux version <*> (gcc)", "size <*>", "open <*>");
        TemplateAccuracy.Scores s = TemplateAccuracy.score(truth, trueTemplates, List.of(1, 2, 3), predictedTemplates);
        assertEquals(1.0, s.pa(), EXACT, "PA joins both runs");
        assertEquals(1.0 / 3, s.paExact(), EXACT, "PA_exact only the whitespace");
    }

    @Test
    void idsAreOnlyLabels() {
        List<String> truth = List.of("x", "y", "x");
        TemplateAccuracy.Scores s = TemplateAccuracy.score(truth, List.of("a", "b", "a"), List.of(5, 1, 5), List.of("a", "b", "a"));
        assertEquals(1.0, s.ga(), EXACT);
        assertEquals(1.0, s.pa(), EXACT);
    }

    @Test
    void normalisationJoinsWildcardRunsAndSpaces() {
        assertEquals("Linux version <*> (gcc)", TemplateAccuracy.normalise("Linux  version <*>.<*>.<*> (gcc) "));
        assertEquals("size <*>", TemplateAccuracy.normalise("size <*> <*>"));
        assertEquals("rhost=<*> user=root", TemplateAccuracy.normalise("rhost=<*>  user=root"));
        assertEquals("[<*>]", TemplateAccuracy.normalise("[<*>]"));
        // a line of thousands of numbers (a dump) joins into one wildcard, without a stack overflow
        assertEquals("dump <*> end", TemplateAccuracy.normalise("dump " + "<*> ".repeat(50_000) + "end"));
    }
}
