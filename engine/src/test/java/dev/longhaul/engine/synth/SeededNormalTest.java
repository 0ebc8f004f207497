/*
 * The synth's normal stream: reproducible for a seed, independent across keys and blocks, and
 * standard normal in its first two moments and its tail mass.
 */
package dev.longhaul.engine.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class SeededNormalTest {
    @Test
    void momentsAreThoseOfAStandardNormal() {
        // given two million draws
        SeededNormal r = new SeededNormal(SeededNormal.blockSeed(7, "w", 0));
        int n = 2_000_000;
        double sum = 0;
        double sq = 0;
        double fourth = 0;
        int beyond2 = 0;
        int beyond35 = 0;

        // when their moments are taken
        for (int i = 0; i < n; i++) {
            double x = r.next();
            sum += x;
            sq += x * x;
            fourth += x * x * x * x;
            beyond2 += Math.abs(x) > 2 ? 1 : 0;
            beyond35 += Math.abs(x) > 3.5 ? 1 : 0;
        }

        // then mean 0 ± 0.005, variance 1 ± 0.005, kurtosis 3 ± 0.03, P(|x| > 2) = 0.0455 ± 0.001 and
        // P(|x| > 3.5) = 4.65e-4 ± 1e-4 (beyond the ziggurat's tail start 3.44; about 4.6 sigma)
        assertEquals(0, sum / n, 0.005);
        assertEquals(1, sq / n, 0.005);
        assertEquals(3, fourth / n, 0.03);
        assertEquals(0.0455, beyond2 / (double) n, 0.001);
        assertEquals(4.65e-4, beyond35 / (double) n, 1e-4);
    }

    @Test
    void seedsDependOnSeedKeyAndBlock() {
        // given block seeds that differ in one input each, then the same inputs again
        long base = SeededNormal.blockSeed(1, "a", 0);

        // then each input matters and equal inputs agree
        assertEquals(base, SeededNormal.blockSeed(1, "a", 0));
        assertNotEquals(base, SeededNormal.blockSeed(2, "a", 0));
        assertNotEquals(base, SeededNormal.blockSeed(1, "b", 0));
        assertNotEquals(base, SeededNormal.blockSeed(1, "a", 1));
        assertEquals(new SeededNormal(base).next(), new SeededNormal(base).next(), 0.0);
    }
}
