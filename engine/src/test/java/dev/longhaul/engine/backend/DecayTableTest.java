/* The decay table: exp(−s·n) rounded once, subnormal powers flushed to zero. */
package dev.longhaul.engine.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DecayTableTest {
    @Test
    void powersAreExpRoundedOnceAndNeverSubnormal() {
        double[] slopes = {0.5, 0.36, 1e-3, 3.96e-8};
        DecayTable table = new DecayTable(slopes, 256);
        int flushed = 0;
        for (int h = 0; h < slopes.length; h++) {
            for (int n = 0; n <= 256; n++) {
                float p = table.pow(h, n);
                float exact = (float) Math.exp(-slopes[h] * n);
                if (exact < Float.MIN_NORMAL) {
                    assertEquals(0f, p, "head " + h + " n " + n);
                    flushed += exact > 0 ? 1 : 0;
                } else {
                    assertEquals(exact, p, "head " + h + " n " + n);
                }
                assertTrue(p == 0f || p >= Float.MIN_NORMAL, "subnormal at head " + h + " n " + n);
            }
        }
        // s = 0.5 and 0.36 both pass through the subnormal range within 256 steps
        assertTrue(flushed > 20, flushed + " subnormal powers flushed");
    }
}
