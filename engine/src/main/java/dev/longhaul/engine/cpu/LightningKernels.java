/*
 * Scalar lightning attention for one head (MINIMAX.md §5.3). The recurrent form (b) is the
 * specification; the block form (c) is the same sum split at block starts:
 *   inter_j = λ^(j+1) · q_j·S_in,  intra_j = Σ_{i≤j} λ^(j−i) (q_j·k_i) v_i,
 *   S_out   = λ^m S_in + Σ_{i<m} λ^(m−1−i) k_iᵀ v_i.
 * Layouts: qkv rows hold per-head interleaved [q_h ‖ k_h ‖ v_h]; the state of head h is the
 * D x D block starting at h·D·D (row = key dim, column = value dim); after the n blocks, where
 * the state has room, head h's tokens since its last fold at n·D·D + h (begin(): slow heads keep
 * their state scaled).
 */
package dev.longhaul.engine.cpu;

import dev.longhaul.engine.backend.DecayTable;

final class LightningKernels {
    private LightningKernels() {
    }

    /**
     * A slow head's state is kept scaled: S = exp(−s·n)·S', with S' stored and n, the tokens since
     * the last fold, in the float after the heads' D×D blocks (n·D·D + h; SequenceState allocates
     * that room). A token then adds exp(s·(n+1))·kᵀv to S' and never multiplies S' by λ. Decaying
     * a float state by a λ within a few ulps of 1 (the slow heads: s down to 4e-8) rounds every
     * element the same way, a bias of up to a factor of 2 in the decay per step (MINIMAX.md §10),
     * which one-token steps pay on every token and one-shot prefill once per block: 10,000 tokens
     * of minimax-tiny-b streamed one at a time ended 3.4e-5 from one-shot on the logits. The scale
     * is folded into S' (one multiplication by a factor near 1/2, not near 1) once exp(−s·n) would
     * fall below 1/2, or n reach 2^23; a chunk that would take it past that runs plain, after the
     * fold: S ← λ^m·S + ..., as a state without the room always does. So fast heads run plain,
     * slow ones scaled, and every factor is exp() of an exact count, whatever the chunking.
     */
    static final double FOLD_AT = Math.log(2);
    static final int MAX_SCALED_TOKENS = 1 << 23;

    /**
     * Readies head h's state for a chunk of m tokens: returns n ≥ 0, the tokens since the last
     * fold, when the chunk runs scaled; or −1 when it runs plain (a scaled state folded first).
     */
    static int begin(DecayTable decay, int h, int m, float[] s, int d) {
        int at = decay.heads() * d * d + h;
        if (s.length <= at) {
            return -1;
        }
        int n = (int) s[at];
        double slope = decay.slope(h);
        if (slope * (n + m) <= FOLD_AT && n + m < MAX_SCALED_TOKENS) {
            return n;
        }
        if (n > 0) {
            float g = (float) Math.exp(-slope * n);
            int sBase = h * d * d;
            for (int idx = sBase; idx < sBase + d * d; idx++) {
                s[idx] *= g;
            }
            s[at] = 0f;
        }
        return -1;
    }

    /** After a scaled chunk of m tokens begun at n: the count goes on. */
    static void end(DecayTable decay, int h, int n, int m, float[] s, int d) {
        s[decay.heads() * d * d + h] = n + m;
    }

    /** exp(−s·t) for a scaled head: what multiplies q·S' for a token t tokens after the fold. */
    static float decayAfter(DecayTable decay, int h, int t) {
        return (float) Math.exp(-decay.slope(h) * t);
    }

    /** exp(s·t): what multiplies kᵀv of the t-th token after the fold when it is added to S'. */
    static float growthAfter(DecayTable decay, int h, int t) {
        return (float) Math.exp(decay.slope(h) * t);
    }

    /** Form (b): S ← λ·S + kᵀv, o = q·S, for one token of one head. */
    static void recurrentStep(float[] p, int pCols, int row, float[] o, int oCols, float[] s, int h, int d,
                              DecayTable decay) {
        int q = row * pCols + 3 * d * h;
        int k = q + d;
        int v = q + 2 * d;
        int sBase = h * d * d;
        int n = begin(decay, h, 1, s, d);
        // plain: S ← λ·S + kᵀv; scaled: S' ← S' + exp(s·(n+1))·kᵀv
        float lambda = n < 0 ? decay.pow(h, 1) : 1f;
        float grow = n < 0 ? 1f : growthAfter(decay, h, n + 1);
        for (int a = 0; a < d; a++) {
            float ka = grow * p[k + a];
            for (int e = 0; e < d; e++) {
                int idx = sBase + a * d + e;
                s[idx] = lambda * s[idx] + ka * p[v + e];
            }
        }
        // o = q·S, scaled: exp(−s·(n+1))·(q·S')
        float scale = n < 0 ? 1f : decayAfter(decay, h, n + 1);
        int oBase = row * oCols + h * d;
        for (int e = 0; e < d; e++) {
            float acc = 0f;
            for (int a = 0; a < d; a++) {
                acc += p[q + a] * s[sBase + a * d + e];
            }
            o[oBase + e] = scale * acc;
        }
        if (n >= 0) {
            end(decay, h, n, 1, s, d);
        }
    }

    /** Form (c) over `rows` tokens starting at row0, in blocks of decay.block() tokens. */
    static void blockPrefill(float[] p, int pCols, int row0, int rows, float[] o, int oCols, float[] s, int h, int d,
                             DecayTable decay) {
        int sBase = h * d * d;
        float[] next = new float[d * d];
        for (int b = 0; b < rows; b += decay.block()) {
            int m = Math.min(decay.block(), rows - b);
            int n = begin(decay, h, m, s, d);
            for (int j = 0; j < m; j++) {
                int row = row0 + b + j;
                int q = row * pCols + 3 * d * h;
                int oBase = row * oCols + h * d;
                float inter = n < 0 ? decay.pow(h, j + 1) : decayAfter(decay, h, n + j + 1);
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
            // S_out = λ^m S_in + Σ_i λ^(m−1−i) k_iᵀ v_i; scaled: S'_out = S' + Σ_i exp(s·(n+1+i)) k_iᵀ v_i
            float carry = n < 0 ? decay.pow(h, m) : 1f;
            for (int idx = 0; idx < d * d; idx++) {
                next[idx] = carry * s[sBase + idx];
            }
            for (int i = 0; i < m; i++) {
                int ki = (row0 + b + i) * pCols + 3 * d * h + d;
                int vi = ki + d;
                float w = n < 0 ? decay.pow(h, m - 1 - i) : growthAfter(decay, h, n + 1 + i);
                for (int a = 0; a < d; a++) {
                    float ka = w * p[ki + a];
                    for (int e = 0; e < d; e++) {
                        next[a * d + e] += ka * p[vi + e];
                    }
                }
            }
            System.arraycopy(next, 0, s, sBase, d * d);
            if (n >= 0) {
                end(decay, h, n, m, s, d);
            }
        }
    }
}
