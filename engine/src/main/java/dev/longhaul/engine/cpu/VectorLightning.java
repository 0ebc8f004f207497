/*
 * Lightning attention for one head with the Vector API (same equations as LightningKernels, the
 * scalar specification). Vectors run along the value dimension, so no horizontal sums are needed:
 *   recurrent: S[a][:] = λ·S[a][:] + k[a]·v[:],  o[:] = Σ_a q[a]·S[a][:]
 *   block:     A[j][i] = (q_j·k_i)·λ^(j−i) for i ≤ j (from a transposed key block),
 *              o_j[:]  = λ^(j+1)·Σ_a q_j[a]·S[a][:] + Σ_{i≤j} A[j][i]·v_i[:],
 *              S[a][:] = λ^m·S[a][:] + Σ_i (λ^(m−1−i)·k_i[a])·v_i[:].
 * Requires D to be a multiple of the vector length; other head sizes use the scalar kernels.
 */
package dev.longhaul.engine.cpu;

import static dev.longhaul.engine.cpu.VectorMath.F;
import static dev.longhaul.engine.cpu.VectorMath.L;

import dev.longhaul.engine.backend.DecayTable;
import jdk.incubator.vector.FloatVector;

final class VectorLightning {
    /** Per-thread scratch for one block. */
    static final class Scratch {
        final float[] keysT;   // [D][Bpad] keys of the block, transposed
        final float[] scores;  // [Bpad] one row of A
        final float[] decayRev; // [B + 1 + pad]: decayRev[B − n] = λ^n, zero past B
        final float[] keyWeights; // [B]: what multiplies k_i in the state's update
        final int headDim;
        final int block;
        final int pad;

        Scratch(int headDim, int block) {
            this.headDim = headDim;
            this.block = block;
            pad = (block + L - 1) / L * L + L;
            keysT = new float[headDim * pad];
            scores = new float[pad];
            decayRev = new float[block + 1 + pad];
            keyWeights = new float[block];
        }

        boolean fits(int d, int b) {
            return headDim == d && block == b;
        }
    }

    private VectorLightning() {
    }

    static boolean supports(int headDim) {
        return headDim % L == 0;
    }

    static void recurrentStep(float[] p, int pCols, int row, float[] o, int oCols, float[] s, int h, int d,
                              DecayTable decay) {
        int q = row * pCols + 3 * d * h;
        int k = q + d;
        int v = q + 2 * d;
        int sBase = h * d * d;
        // plain: S ← λ·S + kᵀv; scaled (LightningKernels.begin): S' ← S' + exp(s·(n+1))·kᵀv, o = exp(−s·(n+1))·q·S'
        int n = LightningKernels.begin(decay, h, 1, s, d);
        float lambda = n < 0 ? decay.pow(h, 1) : 1f;
        float grow = n < 0 ? 1f : LightningKernels.growthAfter(decay, h, n + 1);
        float scale = n < 0 ? 1f : LightningKernels.decayAfter(decay, h, n + 1);
        int out = row * oCols + h * d;
        if (d == 4 * L) {
            recurrentStep4(p, q, k, v, o, out, s, sBase, lambda, grow, scale);
        } else {
            for (int e = 0; e < d; e += L) {
                FloatVector vv = FloatVector.fromArray(F, p, v + e);
                FloatVector acc = FloatVector.zero(F);
                for (int a = 0; a < d; a++) {
                    int idx = sBase + a * d + e;
                    FloatVector sv = FloatVector.fromArray(F, s, idx).mul(lambda).add(vv.mul(grow * p[k + a]));
                    sv.intoArray(s, idx);
                    acc = sv.fma(FloatVector.broadcast(F, p[q + a]), acc);
                }
                acc.mul(scale).intoArray(o, out + e);
            }
        }
        if (n >= 0) {
            LightningKernels.end(decay, h, n, 1, s, d);
        }
    }

    /**
     * The recurrent step for D = 4 vectors (64 with AVX-512): state rows are walked once, front to
     * back, and the four output vectors accumulate side by side, so their four dependency chains
     * overlap. Each output element still sums over a in ascending order: the same bits as the
     * general loop above.
     */
    private static void recurrentStep4(float[] p, int q, int k, int v, float[] o, int out, float[] s, int sBase, float lambda,
                                       float grow, float scale) {
        FloatVector v0 = FloatVector.fromArray(F, p, v);
        FloatVector v1 = FloatVector.fromArray(F, p, v + L);
        FloatVector v2 = FloatVector.fromArray(F, p, v + 2 * L);
        FloatVector v3 = FloatVector.fromArray(F, p, v + 3 * L);
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        int d = 4 * L;
        for (int a = 0; a < d; a++) {
            int idx = sBase + a * d;
            float ka = grow * p[k + a];
            FloatVector qa = FloatVector.broadcast(F, p[q + a]);
            FloatVector s0 = FloatVector.fromArray(F, s, idx).mul(lambda).add(v0.mul(ka));
            FloatVector s1 = FloatVector.fromArray(F, s, idx + L).mul(lambda).add(v1.mul(ka));
            FloatVector s2 = FloatVector.fromArray(F, s, idx + 2 * L).mul(lambda).add(v2.mul(ka));
            FloatVector s3 = FloatVector.fromArray(F, s, idx + 3 * L).mul(lambda).add(v3.mul(ka));
            s0.intoArray(s, idx);
            s1.intoArray(s, idx + L);
            s2.intoArray(s, idx + 2 * L);
            s3.intoArray(s, idx + 3 * L);
            acc0 = s0.fma(qa, acc0);
            acc1 = s1.fma(qa, acc1);
            acc2 = s2.fma(qa, acc2);
            acc3 = s3.fma(qa, acc3);
        }
        acc0.mul(scale).intoArray(o, out);
        acc1.mul(scale).intoArray(o, out + L);
        acc2.mul(scale).intoArray(o, out + 2 * L);
        acc3.mul(scale).intoArray(o, out + 3 * L);
    }

    static void blockPrefill(float[] p, int pCols, int row0, int rows, float[] o, int oCols, float[] s, int h, int d,
                             DecayTable decay, Scratch scratch) {
        int sBase = h * d * d;
        int block = decay.block();
        float[] pow = decay.powers(h);
        float[] rev = scratch.decayRev;
        java.util.Arrays.fill(rev, 0f);
        for (int n = 0; n <= block; n++) {
            rev[block - n] = pow[n];
        }
        float[] kt = scratch.keysT;
        float[] a = scratch.scores;
        int pad = scratch.pad;
        float[] w = scratch.keyWeights;
        for (int b = 0; b < rows; b += block) {
            int m = Math.min(block, rows - b);
            int first = row0 + b;
            int n = LightningKernels.begin(decay, h, m, s, d); // scaled (n ≥ 0) or plain: LightningKernels
            for (int i = 0; i < m; i++) {
                w[i] = n < 0 ? pow[m - 1 - i] : LightningKernels.growthAfter(decay, h, n + 1 + i);
            }
            // K_blockᵀ, zero-padded to a whole number of vectors
            for (int dim = 0; dim < d; dim++) {
                int base = dim * pad;
                for (int i = 0; i < m; i++) {
                    kt[base + i] = p[(first + i) * pCols + 3 * d * h + d + dim];
                }
                java.util.Arrays.fill(kt, base + m, base + pad, 0f);
            }
            for (int j = 0; j < m; j++) {
                int row = first + j;
                int q = row * pCols + 3 * d * h;
                int out = row * oCols + h * d;
                // A[j][i] = (q_j · k_i) · λ^(j−i), zero for i > j
                int iv = (j / L + 1) * L;
                for (int i0 = 0; i0 < iv; i0 += L) {
                    FloatVector acc = FloatVector.zero(F);
                    for (int dim = 0; dim < d; dim++) {
                        acc = FloatVector.fromArray(F, kt, dim * pad + i0).fma(FloatVector.broadcast(F, p[q + dim]), acc);
                    }
                    acc.mul(FloatVector.fromArray(F, rev, block - j + i0)).intoArray(a, i0);
                }
                float inter = n < 0 ? pow[j + 1] : LightningKernels.decayAfter(decay, h, n + j + 1);
                for (int e = 0; e < d; e += L) {
                    // inter_j = λ^(j+1) · q_j·S_in
                    FloatVector acc = FloatVector.zero(F);
                    for (int dim = 0; dim < d; dim++) {
                        acc = FloatVector.fromArray(F, s, sBase + dim * d + e).fma(FloatVector.broadcast(F, p[q + dim]), acc);
                    }
                    acc = acc.mul(inter);
                    // intra_j = Σ_{i≤j} A[j][i] · v_i
                    for (int i = 0; i <= j; i++) {
                        acc = FloatVector.fromArray(F, p, (first + i) * pCols + 3 * d * h + 2 * d + e).fma(FloatVector.broadcast(F, a[i]), acc);
                    }
                    acc.intoArray(o, out + e);
                }
            }
            // S_out = λ^m S_in + Σ_i (λ^(m−1−i) k_i)ᵀ v_i; scaled: S'_out = S' + Σ_i (exp(s·(n+1+i)) k_i)ᵀ v_i
            float carry = n < 0 ? pow[m] : 1f;
            for (int dim = 0; dim < d; dim++) {
                int srow = sBase + dim * d;
                for (int e = 0; e < d; e += L) {
                    FloatVector acc = FloatVector.fromArray(F, s, srow + e).mul(carry);
                    for (int i = 0; i < m; i++) {
                        float ka = w[i] * kt[dim * pad + i];
                        acc = FloatVector.fromArray(F, p, (first + i) * pCols + 3 * d * h + 2 * d + e).fma(FloatVector.broadcast(F, ka), acc);
                    }
                    acc.intoArray(s, srow + e);
                }
            }
            if (n >= 0) {
                LightningKernels.end(decay, h, n, m, s, d);
            }
        }
    }
}
