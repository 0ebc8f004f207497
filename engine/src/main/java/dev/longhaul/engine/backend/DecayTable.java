/*
 * Per-head decay of one lightning layer (MINIMAX.md §5.2, §10): the rates s_i computed in double
 * from the config, and λ_i^n = exp(−s_i·n) for n = 0..block, rounded to float once (subnormal
 * ones flushed to 0). Multi-step decays are always taken from this table, never as powers of a
 * rounded λ.
 */
package dev.longhaul.engine.backend;

public final class DecayTable {
    private final double[] slopes;
    private final float[][] powers; // [head][n] = exp(-s·n), n = 0..block

    public DecayTable(double[] slopes, int block) {
        this.slopes = slopes.clone();
        this.powers = new float[slopes.length][block + 1];
        for (int h = 0; h < slopes.length; h++) {
            for (int n = 0; n <= block; n++) {
                float p = (float) Math.exp(-slopes[h] * n);
                // subnormal powers are flushed to 0 (MINIMAX.md §10: flush-to-zero is fine): below
                // 1.2e-38 they change nothing a float32 sum can hold, and the CPU's arithmetic on
                // them is many times slower (fast heads' tables hold a run of them)
                powers[h][n] = p < Float.MIN_NORMAL ? 0f : p;
            }
        }
    }

    public int heads() {
        return slopes.length;
    }

    /** Largest exponent the table holds: the block length. */
    public int block() {
        return powers[0].length - 1;
    }

    public double slope(int head) {
        return slopes[head];
    }

    /** λ^n for 0 ≤ n ≤ block. */
    public float pow(int head, int n) {
        return powers[head][n];
    }

    public float[] powers(int head) {
        return powers[head];
    }
}
