// out[t] = x[t] · wᵀ (MINIMAX.md §10: FP32 accumulation).
//
// BF16 weights run on the tensor cores (mma.sync m16n8k16, BF16 in, FP32 accumulate). The weight
// tile is the MMA's A operand (16 output features × 16 inputs, straight from the [out, in] layout)
// and the activations are B (16 inputs × 8 tokens), so a one-token decode wastes 7 of 8 columns,
// not 15 of 16 rows. Activations are float32: each is split into three BF16 terms
// x = x₀ + x₁ + x₂ (24 significant bits, what float32 holds) and the three products are accumulated,
// so the result is the float32 matmul with BF16 weights, not a BF16-rounded one.
//
// A block (8 warps) owns 16 features × 32 tokens; warp w takes the K tiles w, w+8, w+16, … and the
// eight partial sums are added in warp order (8 warps per 16 features keep enough loads in flight
// for a one-token decode, where there are only n/16 blocks). That order depends on K only, never on the number of
// rows, so a row's bits are the same alone or in a batch (the Backend contract).
//
// F32 weights use a plain 16×16 shared-memory tiled kernel with one accumulator per output, K in
// ascending order.
#pragma once
#include "common.cuh"

#define MM_TOKENS 32
#define MM_WARPS 8

__device__ __forceinline__ uint32_t load_w2(const uint16_t* __restrict__ w, int n, int k, int row, int col) {
    if (row >= n) return 0u;
    const uint16_t* p = w + (long long) row * k + col;
    if (col + 1 < k && (k & 1) == 0) return __ldg((const uint32_t*) p);  // even K: 4-byte aligned pair
    uint32_t lo = col < k ? __ldg(p) : 0u;
    uint32_t hi = col + 1 < k ? __ldg(p + 1) : 0u;
    return lo | (hi << 16);
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

// One block's work: features n0 .. n0+16 × tokens m0 .. m0 + 8·GROUPS of out = x·wᵀ, the code
// behind both BF16 kernels, so that a token's result has the same bits in either. Warp w takes
// the K tiles w, w+8, w+16, … in ascending order, token group by token group.
template <int GROUPS>
__device__ __forceinline__ void mm_bf16_block(const float* __restrict__ x, int ldx, const uint16_t* __restrict__ w,
                                              float* __restrict__ out, int ldo, int m, int n, int k, int n0,
                                              int m0) {
    __shared__ float partial[MM_WARPS][16][8 * GROUPS];
    int warp = threadIdx.x >> 5;
    int lane = threadIdx.x & 31;
    int g = lane >> 2;   // MMA group: feature row g (and g + 8), token column g of B
    int tq = lane & 3;   // thread in group: K pair 2·tq (and 2·tq + 8)
    float acc[GROUPS][4];
#pragma unroll
    for (int j = 0; j < GROUPS; j++) acc[j][0] = acc[j][1] = acc[j][2] = acc[j][3] = 0.f;
    int tiles = (k + 15) / 16;
#pragma unroll 2
    for (int kt = warp; kt < tiles; kt += MM_WARPS) {
        int k0 = kt * 16 + 2 * tq;
        uint32_t a[4];
        a[0] = load_w2(w, n, k, n0 + g, k0);
        a[1] = load_w2(w, n, k, n0 + g + 8, k0);
        a[2] = load_w2(w, n, k, n0 + g, k0 + 8);
        a[3] = load_w2(w, n, k, n0 + g + 8, k0 + 8);
#pragma unroll
        for (int j = 0; j < GROUPS; j++) {
            if (m0 + j * 8 >= m) break;  // uniform across the warp
            int tok = m0 + j * 8 + g;
            const float* xr = x + (long long) tok * ldx;
            bool in = tok < m;
            float x0 = in && k0 < k ? xr[k0] : 0.f;
            float x1 = in && k0 + 1 < k ? xr[k0 + 1] : 0.f;
            float x8 = in && k0 + 8 < k ? xr[k0 + 8] : 0.f;
            float x9 = in && k0 + 9 < k ? xr[k0 + 9] : 0.f;
            uint32_t lo[3];
            uint32_t hi[3];
            split3(x0, x1, lo);
            split3(x8, x9, hi);
            mma_bf16(acc[j], a, lo[2], hi[2]);  // smallest terms first
            mma_bf16(acc[j], a, lo[1], hi[1]);
            mma_bf16(acc[j], a, lo[0], hi[0]);
        }
    }
#pragma unroll
    for (int j = 0; j < GROUPS; j++) {
        partial[warp][g][j * 8 + 2 * tq] = acc[j][0];
        partial[warp][g][j * 8 + 2 * tq + 1] = acc[j][1];
        partial[warp][g + 8][j * 8 + 2 * tq] = acc[j][2];
        partial[warp][g + 8][j * 8 + 2 * tq + 1] = acc[j][3];
    }
    __syncthreads();
    for (int i = threadIdx.x; i < 16 * 8 * GROUPS; i += blockDim.x) {
        int f = i / (8 * GROUPS);
        int t = i % (8 * GROUPS);
        if (n0 + f < n && m0 + t < m) {
            float s = partial[0][f][t];
#pragma unroll
            for (int w = 1; w < MM_WARPS; w++) s += partial[w][f][t];
            out[(long long) (m0 + t) * ldo + n0 + f] = s;
        }
    }
}

extern "C" {

// grid = (⌈n/16⌉, ⌈m/32⌉), block = 32·MM_WARPS = 256. x [m, ldx] float32, w [n, k] BF16, out [m, ldo] float32.
__global__ void __launch_bounds__(32 * MM_WARPS) matmul_bf16(const float* __restrict__ x, int ldx,
                                                   const uint16_t* __restrict__ w, float* __restrict__ out,
                                                   int ldo, int m, int n, int k) {
    mm_bf16_block<MM_TOKENS / 8>(x, ldx, w, out, ldo, m, n, k, blockIdx.x * 16, blockIdx.y * MM_TOKENS);
}

// The experts of a few routed rows without leaving the device (MoE decode): for each pair p of
// `pairs` (row p / xDiv of x, the expert chosen[p]) and each of `tables` weight tables (gate and
// up together, or down alone), out_t[p] = x[p / xDiv] · W_t[chosen[p]]ᵀ, where W_t[e] is the
// device address weights[t·experts + e] of a BF16 [n, k] matrix, and out_t = out + t·outStride.
// Each pair is one token through mm_bf16_block, so its bits are those matmul_bf16 gives the same
// row among any others. grid = (⌈n/16⌉, pairs·tables), block = 256.
__global__ void __launch_bounds__(32 * MM_WARPS) matmul_bf16_routed(const float* __restrict__ x, int ldx,
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
    mm_bf16_block<1>(x + (long long) (p / xDiv) * ldx, ldx, w, out + table * outStride + (long long) p * ldo, ldo,
                     1, n, k, blockIdx.x * 16, 0);
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
