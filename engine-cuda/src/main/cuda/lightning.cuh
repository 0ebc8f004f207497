// Lightning attention (MINIMAX.md §5.3), per head h with state S [D, D] (row = key dim, column =
// value dim) at states[task] + h·D·D, and qkv rows holding per-head interleaved [q_h ‖ k_h ‖ v_h].
// The decay table `pow` holds λ_h^n = exp(−s_h·n) for n = 0..block, row h at h·powStride, computed
// once in double on the host; no other decay is ever formed.
//
// Decode, form (b), one token per task:   S ← λ·S + kᵀv,  o = q·S.
// Prefill, form (c), in chunks of c ≤ 64 tokens (c ≤ block, so every exponent is in the table):
//   A[j][i] = λ^(j−i) q_j·k_i (i ≤ j),   o_j = λ^(j+1) q_j·S_in + Σ_{i≤j} A[j][i] v_i,
//   S_out   = λ^m S_in + Σ_{i<m} λ^(m−1−i) k_iᵀ v_i.
// Columns e of o and of S depend only on column e of S and of v, so the value dimension is split
// into slices of 32 that run as separate blocks (more blocks per head; the scores are recomputed
// per slice, which is the cheap part).
#pragma once
#include "common.cuh"

#define LA_CHUNK 64
#define LA_SLICE 32

extern "C" {

// grid = (heads · ⌈D/32⌉, tasks), block = 256: a block owns 32 value columns of one head (columns
// of S and o depend on nothing but their own column), and its eight warps split the key rows a
// (warp r takes a = r, r + 8, …, in ascending order); the eight partial sums of o are then added
// in warp order. A decode step has one token per sequence, so this spreads a layer's state over
// heads·D/32 blocks with many loads in flight, where one block per head left most of the GPU idle.
// rows[task] is the task's row.
__global__ void __launch_bounds__(256) lightning_decode(const float* __restrict__ qkv, int ldp,
                                                        float* __restrict__ out, int ldo,
                                                        const int* __restrict__ rows,
                                                        float* const* __restrict__ states,
                                                        const float* __restrict__ pow, int powStride, int d) {
    __shared__ float partial[8][32];
    int slices = (d + LA_SLICE - 1) / LA_SLICE;
    int h = blockIdx.x / slices;
    int lane = threadIdx.x & 31;
    int r = threadIdx.x >> 5;
    int e = (blockIdx.x % slices) * LA_SLICE + lane;
    bool in = e < d;
    const float* q = qkv + (long long) rows[blockIdx.y] * ldp + 3 * d * h;
    const float* kk = q + d;
    const float* v = q + 2 * d;
    float* s = states[blockIdx.y] + (long long) h * d * d;
    float lambda = pow[h * powStride + 1];
    float ve = in ? v[e] : 0.f;
    float acc = 0.f;
    if (in) {
#pragma unroll 16
        for (int a = r; a < d; a += 8) {
            float sa = lambda * s[a * d + e] + kk[a] * ve;
            s[a * d + e] = sa;
            acc += q[a] * sa;
        }
    }
    partial[r][lane] = acc;
    __syncthreads();
    if (r == 0 && in) {
        float o = partial[0][lane];
#pragma unroll
        for (int w = 1; w < 8; w++) o += partial[w][lane];
        out[(long long) rows[blockIdx.y] * ldo + h * d + e] = o;
    }
}

// grid = (heads · ⌈D/32⌉, tasks), block = 256. Task t covers rows [row0[t], row0[t] + count[t]).
__global__ void __launch_bounds__(256) lightning_prefill(const float* __restrict__ qkv, int ldp,
                                                         float* __restrict__ out, int ldo,
                                                         const int* __restrict__ row0,
                                                         const int* __restrict__ count,
                                                         float* const* __restrict__ states,
                                                         const float* __restrict__ pow, int powStride,
                                                         int d, int chunk) {
    __shared__ float scores[LA_CHUNK * LA_CHUNK];
    int slices = (d + LA_SLICE - 1) / LA_SLICE;
    int h = blockIdx.x / slices;
    int e0 = (blockIdx.x % slices) * LA_SLICE;
    int width = min(LA_SLICE, d - e0);
    const float* lam = pow + h * powStride;
    float* s = states[blockIdx.y] + (long long) h * d * d;
    int first = row0[blockIdx.y];
    int total = count[blockIdx.y];
    for (int b = 0; b < total; b += chunk) {
        int m = min(chunk, total - b);
        const float* base = qkv + (long long) (first + b) * ldp + 3 * d * h;  // q of local row 0
        // A[j][i] = λ^(j−i) q_j·k_i for i ≤ j
        for (int idx = threadIdx.x; idx < m * m; idx += blockDim.x) {
            int j = idx / m;
            int i = idx % m;
            float val = 0.f;
            if (i <= j) {
                const float* q = base + (long long) j * ldp;
                const float* kk = base + (long long) i * ldp + d;
                float dot = 0.f;
                for (int a = 0; a < d; a++) dot += q[a] * kk[a];
                val = lam[j - i] * dot;
            }
            scores[j * LA_CHUNK + i] = val;
        }
        __syncthreads();
        // o_j = λ^(j+1) q_j·S_in + Σ_{i≤j} A[j][i] v_i, for the columns of this slice
        for (int idx = threadIdx.x; idx < m * width; idx += blockDim.x) {
            int j = idx / width;
            int e = e0 + idx % width;
            const float* q = base + (long long) j * ldp;
            float inter = 0.f;
            for (int a = 0; a < d; a++) inter += q[a] * s[a * d + e];
            float o = lam[j + 1] * inter;
            for (int i = 0; i <= j; i++) o += scores[j * LA_CHUNK + i] * base[(long long) i * ldp + 2 * d + e];
            out[(long long) (first + b + j) * ldo + h * d + e] = o;
        }
        __syncthreads();
        // S_out = λ^m S_in + Σ_i λ^(m−1−i) k_iᵀ v_i, for the columns of this slice
        float carry = lam[m];
        for (int idx = threadIdx.x; idx < d * width; idx += blockDim.x) {
            int a = idx / width;
            int e = e0 + idx % width;
            float acc = carry * s[a * d + e];
            for (int i = 0; i < m; i++) {
                const float* ki = base + (long long) i * ldp + d;
                acc += lam[m - 1 - i] * ki[a] * ki[d + e];
            }
            s[a * d + e] = acc;
        }
        __syncthreads();
    }
}

}  // extern "C"
