// out[t] = x[t] · wᵀ (MINIMAX.md §10: FP32 accumulation).
//
// BF16 weights run on the tensor cores (mma.sync m16n8k16, BF16 in, FP32 accumulate). The weight
// tile is the MMA's A operand (16 output features × 16 inputs, straight from the [out, in] layout)
// and the activations are B (16 inputs × 8 tokens), so a one-token decode wastes 7 of 8 columns,
// not 15 of 16 rows. Activations are float32: each is split into three BF16 terms
// x = x₀ + x₁ + x₂ (24 significant bits, what float32 holds) and the three products are accumulated,
// so the result is the float32 matmul with BF16 weights, not a BF16-rounded one.
//
// K goes in slices of 32. In a slice, lane (g, tq) of a warp loads 8 consecutive weights of row g
// and of row g + 8 (k = 8·tq .. 8·tq + 8 of the slice: one 16-byte load each) and the 8 matching
// activations of token g, and feeds them to two MMA steps as if they were the fragment's k
// positions 2tq, 2tq+1, 2tq+8, 2tq+9 (first half, then second half). The same permutation of k is
// applied to weights and activations, so each step still sums products of matching pairs; it only
// decides which pairs share a step, and lets every load be one wide, whole-sector load.
//
// A block (8 warps) owns 16 features; warp w takes the slices w, w+8, w+16, … in ascending order
// and the eight partial sums are added in warp order. That order depends on K only, never on the
// number of rows or on the kernel (matmul_bf16 for many rows, matvec_bf16 for a decode's few,
// matmul_bf16_routed for routed experts), so a row's bits are the same alone or in a batch (the
// Backend contract).
//
// F32 weights use a plain 16×16 shared-memory tiled kernel with one accumulator per output, K in
// ascending order.
#pragma once
#include "common.cuh"

#define MM_TOKENS 32
#define MM_WARPS 8
#define MV_PREFETCH 4   // slices a matvec warp has in flight

__device__ __forceinline__ uint32_t load_w2(const uint16_t* __restrict__ w, int n, int k, int row, int col) {
    if (row >= n) return 0u;
    const uint16_t* p = w + (long long) row * k + col;
    if (col + 1 < k && (k & 1) == 0) return __ldg((const uint32_t*) p);  // even K: 4-byte aligned pair
    uint32_t lo = col < k ? __ldg(p) : 0u;
    uint32_t hi = col + 1 < k ? __ldg(p + 1) : 0u;
    return lo | (hi << 16);
}

// Weights row[col .. col + 8) as four BF16 pairs, zeros past the matrix. `vec`: w is 16-byte aligned
// and K a multiple of 8, so a whole run is one 16-byte load.
__device__ __forceinline__ void load_w8(const uint16_t* __restrict__ w, int n, int k, int row, int col, bool vec,
                                        uint32_t* q) {
    if (vec && row < n && col + 8 <= k) {
        uint4 v = __ldg((const uint4*) (w + (long long) row * k + col));
        q[0] = v.x;
        q[1] = v.y;
        q[2] = v.z;
        q[3] = v.w;
        return;
    }
#pragma unroll
    for (int i = 0; i < 4; i++) q[i] = load_w2(w, n, k, row, col + 2 * i);
}

// Activations xr[col .. col + 8), zeros past K or for a token past m (`in` false).
__device__ __forceinline__ void load_x8(const float* __restrict__ xr, bool in, int k, int col, bool vec, float* v) {
    if (in && vec && col + 8 <= k) {
        float4 a = *(const float4*) (xr + col);
        float4 b = *(const float4*) (xr + col + 4);
        v[0] = a.x; v[1] = a.y; v[2] = a.z; v[3] = a.w;
        v[4] = b.x; v[5] = b.y; v[6] = b.z; v[7] = b.w;
        return;
    }
#pragma unroll
    for (int i = 0; i < 8; i++) v[i] = in && col + i < k ? xr[col + i] : 0.f;
}

__device__ __forceinline__ uint32_t pack_bf16(float lo, float hi) {
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<uint32_t*>(&v);
}

// x = x₀ + x₁ + x₂, each term rounded to BF16 from the exact float32 remainder of the previous ones.
__device__ __forceinline__ void split3(float a, float b, uint32_t* parts) {
    float a0 = __bfloat162float(__float2bfloat16_rn(a));
    float b0 = __bfloat162float(__float2bfloat16_rn(b));
    float a1 = __bfloat162float(__float2bfloat16_rn(a - a0));
    float b1 = __bfloat162float(__float2bfloat16_rn(b - b0));
    parts[0] = pack_bf16(a0, b0);
    parts[1] = pack_bf16(a1, b1);
    parts[2] = pack_bf16(a - a0 - a1, b - b0 - b1);
}

__device__ __forceinline__ void mma_bf16(float* c, const uint32_t* a, uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
        "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// One 32-wide K slice for one token group: rows g (r0) and g + 8 (r1), activations v of token g;
// two MMA steps, each with the smallest activation terms first.
__device__ __forceinline__ void mma_slice(float* acc, const uint32_t* r0, const uint32_t* r1, const float* v) {
#pragma unroll
    for (int step = 0; step < 2; step++) {
        uint32_t a[4] = {r0[2 * step], r1[2 * step], r0[2 * step + 1], r1[2 * step + 1]};
        uint32_t lo[3];
        uint32_t hi[3];
        split3(v[4 * step], v[4 * step + 1], lo);
        split3(v[4 * step + 2], v[4 * step + 3], hi);
        mma_bf16(acc, a, lo[2], hi[2]);
        mma_bf16(acc, a, lo[1], hi[1]);
        mma_bf16(acc, a, lo[0], hi[0]);
    }
}

// Where a thread works in a 16-feature tile: its warp, and the lane's (g, tq) in the warp's MMA fragments.
struct MmLane {
    int warp;
    int g;
    int tq;
};

__device__ __forceinline__ MmLane mm_lane() {
    int lane = threadIdx.x & 31;
    return {(int) (threadIdx.x >> 5), lane >> 2, lane & 3};
}

// The warps' partial sums into out, added in warp order. partial is [MM_WARPS][16][cols].
template <int GROUPS>
__device__ __forceinline__ void mm_store(float* partial, float (*acc)[4], float* __restrict__ out, int ldo, int m,
                                         int n, int n0, int m0) {
    const int cols = 8 * GROUPS;
    auto [warp, g, tq] = mm_lane();
#pragma unroll
    for (int j = 0; j < GROUPS; j++) {
        float* p = partial + warp * 16 * cols;
        p[g * cols + j * 8 + 2 * tq] = acc[j][0];
        p[g * cols + j * 8 + 2 * tq + 1] = acc[j][1];
        p[(g + 8) * cols + j * 8 + 2 * tq] = acc[j][2];
        p[(g + 8) * cols + j * 8 + 2 * tq + 1] = acc[j][3];
    }
    __syncthreads();
    for (int i = threadIdx.x; i < 16 * cols; i += blockDim.x) {
        int f = i / cols;
        int t = i % cols;
        if (n0 + f < n && m0 + t < m) {
            float s = partial[f * cols + t];
#pragma unroll
            for (int w = 1; w < MM_WARPS; w++) s += partial[w * 16 * cols + f * cols + t];
            out[(long long) (m0 + t) * ldo + n0 + f] = s;
        }
    }
}

__device__ __forceinline__ bool aligned16(const void* p) {
    return ((unsigned long long) p & 15u) == 0;
}

// One block's work: features n0 .. n0+16 × tokens m0 .. m0 + 8·GROUPS of out = x·wᵀ (matmul_bf16).
template <int GROUPS>
__device__ __forceinline__ void mm_bf16_block(const float* __restrict__ x, int ldx, const uint16_t* __restrict__ w,
                                              float* __restrict__ out, int ldo, int m, int n, int k, int n0,
                                              int m0) {
    __shared__ float partial[MM_WARPS * 16 * 8 * GROUPS];
    auto [warp, g, tq] = mm_lane();
    bool wvec = aligned16(w) && (k & 7) == 0;
    bool xvec = aligned16(x) && (ldx & 3) == 0;
    float acc[GROUPS][4];
#pragma unroll
    for (int j = 0; j < GROUPS; j++) acc[j][0] = acc[j][1] = acc[j][2] = acc[j][3] = 0.f;
    int slices = (k + 31) / 32;
#pragma unroll 1
    for (int s = warp; s < slices; s += MM_WARPS) {
        int col = s * 32 + 8 * tq;
        uint32_t r0[4];
        uint32_t r1[4];
        load_w8(w, n, k, n0 + g, col, wvec, r0);
        load_w8(w, n, k, n0 + g + 8, col, wvec, r1);
#pragma unroll
        for (int j = 0; j < GROUPS; j++) {
            if (m0 + j * 8 >= m) break;  // uniform across the warp
            int tok = m0 + j * 8 + g;
            float v[8];
            load_x8(x + (long long) tok * ldx, tok < m, k, col, xvec, v);
            mma_slice(acc[j], r0, r1, v);
        }
    }
    mm_store<GROUPS>(partial, acc, out, ldo, m, n, n0, m0);
}

// The same sums for at most 8 tokens (one MMA column group), with MV_PREFETCH slices of weights
// and activations loaded before any is used: a decode's matvec has too few blocks to hide the
// memory latency otherwise. Slices are still consumed in ascending order.
__device__ __forceinline__ void mv_bf16_block(const float* __restrict__ x, int ldx, const uint16_t* __restrict__ w,
                                              float* __restrict__ out, int ldo, int m, int n, int k, int n0) {
    __shared__ float partial[MM_WARPS * 16 * 8];
    auto [warp, g, tq] = mm_lane();
    bool wvec = aligned16(w) && (k & 7) == 0;
    bool xvec = aligned16(x) && (ldx & 3) == 0;
    bool in = g < m;
    const float* xr = x + (long long) (in ? g : 0) * ldx;
    float acc[1][4] = {{0.f, 0.f, 0.f, 0.f}};
    int slices = (k + 31) / 32;
    for (int base = warp; base < slices; base += MM_WARPS * MV_PREFETCH) {
        uint32_t r0[MV_PREFETCH][4];
        uint32_t r1[MV_PREFETCH][4];
        float v[MV_PREFETCH][8];
#pragma unroll
        for (int p = 0; p < MV_PREFETCH; p++) {
            int s = base + p * MM_WARPS;
            if (s < slices) {
                int col = s * 32 + 8 * tq;
                load_w8(w, n, k, n0 + g, col, wvec, r0[p]);
                load_w8(w, n, k, n0 + g + 8, col, wvec, r1[p]);
                load_x8(xr, in, k, col, xvec, v[p]);
            }
        }
#pragma unroll
        for (int p = 0; p < MV_PREFETCH; p++) {
            if (base + p * MM_WARPS < slices) mma_slice(acc[0], r0[p], r1[p], v[p]);
        }
    }
    mm_store<1>(partial, acc, out, ldo, m, n, n0, 0);
}

extern "C" {

// grid = (⌈n/16⌉, ⌈m/32⌉), block = 32·MM_WARPS = 256. x [m, ldx] float32, w [n, k] BF16, out [m, ldo] float32.
__global__ void __launch_bounds__(32 * MM_WARPS, 4) matmul_bf16(const float* __restrict__ x, int ldx,
                                                   const uint16_t* __restrict__ w, float* __restrict__ out,
                                                   int ldo, int m, int n, int k) {
    mm_bf16_block<MM_TOKENS / 8>(x, ldx, w, out, ldo, m, n, k, blockIdx.x * 16, blockIdx.y * MM_TOKENS);
}

// matmul_bf16 for m ≤ 8 tokens (a decode step's few rows), the same bits. grid = (⌈n/16⌉, 1),
// block = 256. Rows past the eighth are not computed.
__global__ void __launch_bounds__(32 * MM_WARPS, 2) matvec_bf16(const float* __restrict__ x, int ldx,
                                                      const uint16_t* __restrict__ w, float* __restrict__ out,
                                                      int ldo, int m, int n, int k) {
    mv_bf16_block(x, ldx, w, out, ldo, min(m, 8), n, k, blockIdx.x * 16);
}

// The experts of a few routed rows without leaving the device (MoE decode): for each pair p of
// `pairs` (row p / xDiv of x, the expert chosen[p]) and each of `tables` weight tables (gate and
// up together, or down alone), out_t[p] = x[p / xDiv] · W_t[chosen[p]]ᵀ, where W_t[e] is the
// device address weights[t·experts + e] of a BF16 [n, k] matrix, and out_t = out + t·outStride.
// Each pair is one token through mv_bf16_block, so its bits are those matmul_bf16 gives the same
// row among any others. grid = (⌈n/16⌉, pairs·tables), block = 256.
__global__ void __launch_bounds__(32 * MM_WARPS, 2) matmul_bf16_routed(const float* __restrict__ x, int ldx,
                                                          int xDiv, const unsigned long long* __restrict__ weights,
                                                          int experts, const int* __restrict__ chosen, int pairs,
                                                          float* __restrict__ out, int ldo,
                                                          long long outStride, int n, int k) {
    int table = blockIdx.y / pairs;
    int p = blockIdx.y % pairs;
    int e = chosen[p];
    if (e < 0 || e >= experts) {  // never from route_top_k; a NaN row, not a read of a stray address
        float* o = out + table * outStride + (long long) p * ldo;
        for (int f = blockIdx.x * 16 + threadIdx.x; f < min(n, blockIdx.x * 16 + 16); f += blockDim.x) o[f] = NAN;
        return;  // the whole block: e is the same for all its threads
    }
    const uint16_t* w = (const uint16_t*) weights[table * experts + e];
    mv_bf16_block(x + (long long) (p / xDiv) * ldx, ldx, w, out + table * outStride + (long long) p * ldo, ldo, 1, n,
                  k, blockIdx.x * 16);
}

// grid = (⌈n/16⌉, ⌈m/16⌉), block = (16, 16). Thread (tx, ty) computes out[m0 + ty][n0 + tx].
__global__ void __launch_bounds__(256) matmul_f32(const float* __restrict__ x, int ldx,
                                                  const float* __restrict__ w, float* __restrict__ out,
                                                  int ldo, int m, int n, int k) {
    __shared__ float xs[16][17];
    __shared__ float ws[16][17];
    int tx = threadIdx.x;
    int ty = threadIdx.y;
    int tok = blockIdx.y * 16 + ty;
    int feature = blockIdx.x * 16 + tx;
    float acc = 0.f;
    for (int k0 = 0; k0 < k; k0 += 16) {
        int t = blockIdx.y * 16 + ty;  // xs[ty][tx] = x[t][k0 + tx]
        xs[ty][tx] = t < m && k0 + tx < k ? x[(long long) t * ldx + k0 + tx] : 0.f;
        int f = blockIdx.x * 16 + ty;  // ws[ty][tx] = w[f][k0 + tx]
        ws[ty][tx] = f < n && k0 + tx < k ? w[(long long) f * k + k0 + tx] : 0.f;
        __syncthreads();
        int span = min(16, k - k0);
        for (int i = 0; i < span; i++) acc += xs[ty][i] * ws[tx][i];
        __syncthreads();
    }
    if (tok < m && feature < n) out[(long long) tok * ldo + feature] = acc;
}

}  // extern "C"
