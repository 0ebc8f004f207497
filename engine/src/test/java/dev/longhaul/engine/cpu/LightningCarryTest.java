/*
 * LightningKernels.carry: the factor that carries a head's state over m tokens is compensated, so
 * the product of the factors applied over a sequence stays within float rounding of exp(−s·T)
 * however the sequence was chunked. A float λ^m alone is off by up to half an ulp, the same every
 * time, which adds up once per chunk: a state streamed one token at a time drifted.
 */
package dev.longhaul.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.backend.DecayTable;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LightningCarryTest {
    private static final int D = 4;

    @Test
    void theFactorsOverAnyChunkingMultiplyToTheExactDecay() {
        // heads from fast to the slowest MINIMAX.md §10 names (3.96e-8)
        double[] slopes = {0.5, 0.02, 1e-4, 3.96e-8};
        DecayTable decay = new DecayTable(slopes, 256);
        int tokens = 200_000;
        for (int h = 0; h < slopes.length; h++) {
            for (int plan = 0; plan < 3; plan++) {
                SplittableRandom rnd = new SplittableRandom(plan);
                float[] state = new float[slopes.length * D * D + slopes.length]; // room for the corrections
                double applied = 0; // log of the product of the factors
                double plain = 0;   // the same with the table's λ^m
                for (int t = 0; t < tokens; ) {
                    int m = Math.min(tokens - t, plan == 0 ? 1 : plan == 1 ? 2 : 1 + rnd.nextInt(256));
                    float factor = LightningKernels.carry(decay, h, m, state, D);
                    if (factor == 0f) {
                        applied = Double.NEGATIVE_INFINITY;
                    }
                    applied += Math.log(factor);
                    plain += Math.log(decay.pow(h, m));
                    t += m;
                }
                double exact = -slopes[h] * tokens;
                if (exact < -80) {
                    // a fast head: the state decayed away long ago, which the factors say too
                    assertTrue(applied < -80, "head " + h + ": " + applied);
                    continue;
                }
                // then the product is the exact decay to float precision, whatever the chunking
                double error = Math.abs(Math.expm1(applied - exact));
                assertTrue(error < 2e-7, "head " + h + " plan " + plan + ": relative error " + error
                        + " (the table's λ^m alone: " + Math.abs(Math.expm1(plain - exact)) + ")");
            }
        }
    }

    @Test
    void aStateWithoutRoomForCorrectionsGetsTheTablesFactor() {
        DecayTable decay = new DecayTable(new double[] {1e-4}, 8);
        float[] state = new float[D * D];
        assertEquals(decay.pow(0, 1), LightningKernels.carry(decay, 0, 1, state, D));
        assertEquals(decay.pow(0, 8), LightningKernels.carry(decay, 0, 8, state, D));
    }
}
