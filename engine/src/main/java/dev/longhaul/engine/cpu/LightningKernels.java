/*
 * Scalar lightning attention for one head (MINIMAX.md §5.3). The recurrent form (b) is the
 * specification; the block form (c) is the same sum split at block starts:
 *   inter_j = λ^(j+1) · q_j·S_in,  intra_j = Σ_{i≤j} λ^(j−i) (q_j·k_i) v_i,
 *   S_out   = λ^m S_in + Σ_{i<m} λ^(m−1−i) k_iᵀ v_i.
 * Layouts: qkv rows hold per-head interleaved [q_h ‖ k_h ‖ v_h]; the state of head h is the
 * D x D block starting at h·D·D (row = key dim, column = value dim); after the n blocks, where
 * the state has room, head h's decay correction at n·D·D + h (carry()).
 */
package dev.longhaul.engine.cpu;

import dev.longhaul.engine.backend.DecayTable;

final class LightningKernels {
    private LightningKernels() {
    }

    /**
     * The factor that carries head h's state over m tokens, λ^m, compensated. A float λ^m is off
     * by up to half an ulp, the same every time, so a state carried over many short chunks (one
     * token at a time: decode, or a prefill streamed in small pieces) drifts by that much per
     * chunk: 3.4e-5 on the logits after 10,000 one-token steps, where one-shot prefill pays it
     * once per block. With room for it after the heads' D×D blocks (SequenceState allocates a
     * row more), each head keeps r − 1, where r is the product of the factors it applied over the
     * exact exp(−s·n): the factor returned is exp(−s·m)/r rounded to float, and r is updated in
     * double, so r stays within an ulp of 1 however the sequence was chunked (MINIMAX.md §10's
     * "decay scale"). A state without that room gets the table's λ^m. Once λ^m is flushed to 0
     * the state has decayed away and its correction with it.
     */
    static float carry(DecayTable decay, int h, int m, float[] s, int d) {
        int at = decay.heads() * d * d + h;
        float table = decay.pow(h, m);
        if (s.length <= at) {
            return table;
        }
        if (table == 0f) {
            s[at] = 0f;
            return 0f;
        }
        double exact = Math.exp(-decay.slope(h) * m);
        double r = 1.0 + s[at];
        float factor = (float) (exact / r);
        s[at] = (float) (r * factor / exact - 1.0);
        return factor;
    }

    /** Form (b): S ← λ·S + kᵀv, o = q·S, for one token of one head. */
    static void recurrentStep(float[] p, int pCols, int row, float[] o, int oCols, float[] s, int h, int d,
                              DecayTable decay) {
        int q = row * pCols + 3 * d * h;
        int k = q + d;
        int v = q + 2 * d;
        int sBase = h * d * d;
        float lambda = carry(decay, h, 1, s, d);
        for (int a = 0; a < d; a++) {
            float ka = p[k + a];
            for (int e = 0; e < d; e++) {
                int idx = sBase + a * d + e;
                s[idx] = lambda * s[idx] + ka * p[v + e];
            }
        }
        int oBase = row * oCols + h * d;
        for (int e = 0; e < d; e++) {
            float acc = 0f;
            for (int a = 0; a < d; a++) {
                acc += p[q + a] * s[sBase + a * d + e];
            }
            o[oBase + e] = acc;
        }
    }

    /** Form (c) over `rows` tokens starting at row0, in blocks of decay.block() tokens. */
    static void blockPrefill(float[] p, int pCols, int row0, int rows, float[] o, int oCols, float[] s, int h, int d,
                             DecayTable decay) {
        int sBase = h * d * d;
        float[] next = new float[d * d];
        for (int b = 0; b < rows; b += decay.block()) {
            int m = Math.min(decay.block(), rows - b);
            for (int j = 0; j < m; j++) {
                int row = row0 + b + j;
                int q = row * pCols + 3 * d * h;
                int oBase = row * oCols + h * d;
                float inter = decay.pow(h, j + 1);
                for (int e = 0; e < d; e++) {
                    // inter_j = λ^(j+1) · q_j·S_in
                    float acc = 0f;
                    for (int a = 0; a < d; a++) {
                        acc += p[q + a] * s[sBase + a * d + e];
                    }
                    o[oBase + e] = inter * acc;
                }
                for (int i = 0; i <= j; i++) {
                    // intra_j += λ^(j−i) (q_j·k_i) v_i
                    int ki = (row0 + b + i) * pCols + 3 * d * h + d;
                    int vi = ki + d;
                    float dot = 0f;
                    for (int a = 0; a < d; a++) {
                        dot += p[q + a] * p[ki + a];
                    }
                    float c = decay.pow(h, j - i) * dot;
                    for (int e = 0; e < d; e++) {
                        o[oBase + e] += c * p[vi + e];
                    }
                }
            }
            // S_out = λ^m S_in + Σ_i λ^(m−1−i) k_iᵀ v_i
            float carry = carry(decay, h, m, s, d);
            for (int idx = 0; idx < d * d; idx++) {
                next[idx] = carry * s[sBase + idx];
            }
            for (int i = 0; i < m; i++) {
                int ki = (row0 + b + i) * pCols + 3 * d * h + d;
                int vi = ki + d;
                float w = decay.pow(h, m - 1 - i);
                for (int a = 0; a < d; a++) {
                    float ka = w * p[ki + a];
                    for (int e = 0; e < d; e++) {
                        next[a * d + e] += ka * p[vi + e];
                    }
                }
            }
            System.arraycopy(next, 0, s, sBase, d * d);
        }
    }
}
