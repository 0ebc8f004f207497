/* Sampler and SamplingParams: greedy ties, seeded reproducibility, nucleus rule, distribution, validation. */
package dev.longhaul.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static float[][] randomRows(long seed, int rows, int vocab) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] out = new float[rows][vocab];
        for (float[] row : out) {
            for (int i = 0; i < vocab; i++) {
                row[i] = (float) (r.nextGaussian() * 3);
            }
        }
        return out;
    }

    private static int[] draw(SamplingParams p, float[][] rows) {
        Sampler s = new Sampler(p);
        int[] got = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            got[i] = s.next(rows[i]);
        }
        return got;
    }

    @Test
    void greedyTakesTheLowestIdAmongTiedMaxima() {
        // given a row whose maximum appears at ids 3 and 7
        float[] row = {0.1f, 0.5f, -2f, 4f, 1f, 3.9f, 0f, 4f};
        // when / then
        assertEquals(3, new Sampler(SamplingParams.greedy(1)).next(row));
        assertEquals(3, Sampler.argmax(row));
    }

    @Test
    void greedyRefusesNaNLogitsAsSamplingDoes() {
        // a NaN first made every comparison false (id 0 won); elsewhere it was skipped
        assertThrows(IllegalStateException.class, () -> Sampler.argmax(new float[] {Float.NaN, 1f, 5f}));
        assertThrows(IllegalStateException.class, () -> Sampler.argmax(new float[] {0f, Float.NaN, 5f}));
        assertEquals(2, Sampler.argmax(new float[] {0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY}));
    }

    @Test
    void theSameSeedGivesTheSameTokensAndAnotherSeedOthers() {
        // given
        float[][] rows = randomRows(1, 200, 300);
        SamplingParams p = SamplingParams.sampled(1.0, 0.9, 7, 100);
        // when
        int[] a = draw(p, rows);
        int[] b = draw(p, rows);
        int[] c = draw(p.withSeed(8), rows);
        // then
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c), "another seed drew the same 200 tokens");
    }

    @Test
    void aTinyTopPBehavesLikeGreedyTiesIncluded() {
        // given rows with the maximum copied to a higher and a lower id
        float[][] rows = randomRows(2, 100, 257);
        for (int i = 0; i < rows.length; i++) {
            int top = Sampler.argmax(rows[i]);
            rows[i][(top + 11) % 257] = rows[i][top];
        }
        // when
        int[] sampled = draw(SamplingParams.sampled(1.3, 1e-9, 5, 100), rows);
        int[] greedy = draw(SamplingParams.greedy(100), rows);
        // then
        assertArrayEquals(greedy, sampled);
    }

    @Test
    void drawsFollowSoftmaxOfLogitsOverTemperature() {
        // given p = [0.5, 0.3, 0.15, 0.05] at T = 1, and the same logits at T = 2
        float[] row = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        double[] atT2 = {Math.sqrt(0.5), Math.sqrt(0.3), Math.sqrt(0.15), Math.sqrt(0.05)};
        double z2 = atT2[0] + atT2[1] + atT2[2] + atT2[3];
        // when
        double[] f1 = frequencies(SamplingParams.sampled(1, 1, 11, 1), row, 100_000);
        double[] f2 = frequencies(SamplingParams.sampled(2, 1, 12, 1), row, 100_000);
        // then
        double[] want1 = {0.5, 0.3, 0.15, 0.05};
        for (int i = 0; i < 4; i++) {
            assertEquals(want1[i], f1[i], 0.01, "T=1 id " + i);
            assertEquals(atT2[i] / z2, f2[i], 0.01, "T=2 id " + i);
        }
    }

    @Test
    void topPKeepsTheShortestPrefixReachingP() {
        // given p = [0.5, 0.3, 0.15, 0.05]: 0.75 needs ids 0 and 1
        float[] row = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        // when
        double[] f = frequencies(SamplingParams.sampled(1, 0.75, 13, 1), row, 50_000);
        // then the nucleus is renormalised: 0.5/0.8 and 0.3/0.8
        assertEquals(0.625, f[0], 0.01);
        assertEquals(0.375, f[1], 0.01);
        assertEquals(0, f[2] + f[3]);
    }

    @Test
    void nucleusAgreesWithSortingTheWholeVocabulary() {
        // given a 5000-token vocabulary and an oracle that sorts every token
        float[][] rows = randomRows(3, 200, 5000);
        SamplingParams p = SamplingParams.sampled(0.8, 0.9, 21, 1);
        // when
        int[] fast = draw(p, rows);
        int[] oracle = new int[rows.length];
        SplittableRandom r = new SplittableRandom(p.seed());
        for (int i = 0; i < rows.length; i++) {
            oracle[i] = fullSortDraw(rows[i], p, r);
        }
        // then
        assertArrayEquals(oracle, fast);
    }

    @Test
    void paramsAreValidatedWithClearMessages() {
        assertEquals("temperature must be finite and >= 0, is -1.0",
                assertThrows(IllegalArgumentException.class, () -> SamplingParams.sampled(-1, 1, 0, 1)).getMessage());
        assertEquals("temperature must be finite and >= 0, is NaN",
                assertThrows(IllegalArgumentException.class, () -> SamplingParams.sampled(Double.NaN, 1, 0, 1)).getMessage());
        assertEquals("topP must be in (0, 1], is 0.0",
                assertThrows(IllegalArgumentException.class, () -> SamplingParams.sampled(1, 0, 0, 1)).getMessage());
        assertEquals("topP must be in (0, 1], is 1.5",
                assertThrows(IllegalArgumentException.class, () -> SamplingParams.sampled(1, 1.5, 0, 1)).getMessage());
        assertEquals("maxTokens must be >= 1, is 0",
                assertThrows(IllegalArgumentException.class, () -> SamplingParams.greedy(0)).getMessage());
        assertEquals("stop token ids must be >= 0, got -3",
                assertThrows(IllegalArgumentException.class, () -> SamplingParams.greedy(1).withStopTokens(-3)).getMessage());
        assertEquals(Set.of(4, 9), SamplingParams.greedy(1).withStopTokens(9, 4).stopTokens());
        assertTrue(SamplingParams.greedy(1).isGreedy());
    }

    private static double[] frequencies(SamplingParams p, float[] row, int n) {
        Sampler s = new Sampler(p);
        double[] f = new double[row.length];
        for (int i = 0; i < n; i++) {
            f[s.next(row)] += 1.0 / n;
        }
        return f;
    }

    /** The rule written plainly: sort all ids by probability descending (ties by id), cut at p, draw. */
    private static int fullSortDraw(float[] row, SamplingParams p, SplittableRandom r) {
        double max = row[Sampler.argmax(row)];
        double[] w = new double[row.length];
        double z = 0;
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < row.length; i++) {
            w[i] = Math.exp((row[i] - max) / p.temperature());
            z += w[i];
            ids.add(i);
        }
        ids.sort((a, b) -> w[a] != w[b] ? Double.compare(w[b], w[a]) : Integer.compare(a, b));
        double target = p.topP() * z;
        int keep = 0;
        double mass = 0;
        while (keep < ids.size()) {
            mass += w[ids.get(keep++)];
            if (mass >= target) {
                break;
            }
        }
        double u = r.nextDouble() * mass;
        double acc = 0;
        for (int i = 0; i < keep; i++) {
            acc += w[ids.get(i)];
            if (u < acc) {
                return ids.get(i);
            }
        }
        return ids.get(keep - 1);
    }
}
