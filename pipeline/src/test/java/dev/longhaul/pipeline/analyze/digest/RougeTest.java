/*
 * ROUGE against values computed by hand (the comments show the counts), including clipping,
 * tokenization (case, punctuation) and the empty cases.
 */
package dev.longhaul.pipeline.analyze.digest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class RougeTest {
    private static final double TOL = 1e-12;

    @Test
    void oneWordChangedInSix() {
        // c = the cat sat on the mat, r = the cat lay on the mat
        Rouge.Scores s = Rouge.score("The cat sat on the mat.", "the cat lay on the mat");
        assertEquals(5.0 / 6, s.rouge1(), TOL, "unigram matches the x2, cat, on, mat = 5 of 6 each side");
        assertEquals(3.0 / 5, s.rouge2(), TOL, "bigrams 'the cat', 'on the', 'the mat' = 3 of 5 each side");
        assertEquals(5.0 / 6, s.rougeL(), TOL, "LCS 'the cat on the mat' = 5");
    }

    @Test
    void unequalLengths() {
        // c = a b c d, r = a c: P = 2/4, R = 2/2, F = 2*0.5*1/1.5 = 2/3
        Rouge.Scores s = Rouge.score("a b c d", "a c");
        assertEquals(2.0 / 3, s.rouge1(), TOL);
        assertEquals(0.0, s.rouge2(), TOL, "no shared bigram (a c is not contiguous in c)");
        assertEquals(2.0 / 3, s.rougeL(), TOL, "LCS a c = 2");
    }

    @Test
    void repeatedWordsAreClipped() {
        // c = the the the, r = the cat: matches min(3, 1) = 1, P = 1/3, R = 1/2, F = 0.4
        assertEquals(0.4, Rouge.score("the the the", "the cat").rouge1(), TOL);
    }

    @Test
    void tokensAreLowerCaseLetterDigitRuns() {
        assertEquals(List.of("don", "t", "pay", "100", "pokémon"), Words.of("Don't PAY $100 — Pokémon!"));
        assertEquals(1.0, Rouge.score("Don't pay.", "don t pay").rougeL(), TOL);
    }

    @Test
    void emptySideScoresZero() {
        assertEquals(new Rouge.Scores(0, 0, 0), Rouge.score("", "the cat"));
        assertEquals(new Rouge.Scores(0, 0, 0), Rouge.score("the cat", "..."));
    }

    @Test
    void lcsOfInterleavedSequences() {
        // a b c b d a b vs b d c a b a: LCS length 4 (e.g. b c a b / b d a b)
        assertEquals(4, Rouge.lcs(List.of("a", "b", "c", "b", "d", "a", "b"), List.of("b", "d", "c", "a", "b", "a")));
    }
}
