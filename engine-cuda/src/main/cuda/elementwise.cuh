// Row-wise and elementwise kernels (MINIMAX.md §4.1, §5.1, §5.4, §7): embedding lookup, RMSNorm,
// silu, the sigmoid output gate, SwiGLU, the α/β residual, row gather and ordered scatter-add, and
// MoE routing. Flat kernels index `n = rows · cols` contiguous floats with a grid-stride loop.
#pragma once
#include "common.cuh"

extern "C" {

// out[t] = table[ids[t]], widened to float32; table is F32 (bf16 == 0) or BF16 (bf16 == 1). grid = count.
__global__ void embed_rows(const void* __restrict__ table, int bf16, int cols, const int* __restrict__ ids,
                           float* __restrict__ out) {
    long long src = (long long) ids[blockIdx.x] * cols;
    float* o = out + (long long) blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        o[c] = bf16 ? bf16_to_float(((const uint16_t*) table)[src + c]) : ((const float*) table)[src + c];
    }
}

// out[t] = γ ⊙ x[t] / sqrt(mean(x[t]²) + ε); one block of 256 threads per row.
// x and out may be the same rows (the model normalises in place), so neither is __restrict__.
__global__ void __launch_bounds__(256) rms_norm(const float* x, const float* __restrict__ gamma,
                                                float eps, int cols, float* out) {
    __shared__ float scratch[32];
    const float* row = x + (long long) blockIdx.x * cols;
    float* o = out + (long long) blockIdx.x * cols;
    float s = 0.f;
    // unrolled so that a row's loads are in flight together (a decode step normalises one row per
    // launch); each thread still adds its elements in ascending order
#pragma unroll 8
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s = __fmaf_rn(row[c], row[c], s);
    float sumSq = block_sum(s, scratch);
    float inv = (float) (1.0 / sqrt((double) (sumSq / cols + eps)));
#pragma unroll 8
    for (int c = threadIdx.x; c < cols; c += blockDim.x) o[c] = gamma[c] * (row[c] * inv);
}

__device__ __forceinline__ float sigmoidf(float v) { return 1.f / (1.f + expf(-v)); }

// x ← x·sigmoid(x)
__global__ void silu_inplace(float* __restrict__ x, long long n) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        float v = x[i];
        x[i] = v * sigmoidf(v);
    }
}

// gate ← sigmoid(gate) ⊙ y
__global__ void sigmoid_gate(float* __restrict__ gate, const float* __restrict__ y, long long n) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        gate[i] = sigmoidf(gate[i]) * y[i];
    }
}

// gate ← silu(gate) ⊙ up
__global__ void swiglu(float* __restrict__ gate, const float* __restrict__ up, long long n) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        float g = gate[i];
        gate[i] = g * sigmoidf(g) * up[i];
    }
}

// α·h + β·a with two roundings and one more for the sum (no fused multiply-add), as the CPU
// backends compute it, and the same in residual and residual_rms_norm.
__device__ __forceinline__ float residual1(float alpha, float h, float beta, float a) {
    return __fadd_rn(__fmul_rn(alpha, h), __fmul_rn(beta, a));
}

// out = α·h + β·a (out may alias h or a: each element is read before it is written by the same thread)
__global__ void residual(float alpha, const float* h, float beta, const float* a, float* out, long long n) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        out[i] = residual1(alpha, h[i], beta, a[i]);
    }
}

// u = α·h + β·a, then out = γ ⊙ u / sqrt(mean(u²) + ε): residual then rms_norm in one launch, with
// their bits (the same per-thread order and block_sum as rms_norm). One block of 256 threads per
// row. Each thread reads and writes only its own columns, so u may alias a or h, and out may
// alias h.
__global__ void __launch_bounds__(256) residual_rms_norm(float alpha, const float* h, float beta, const float* a,
                                                         float* u, const float* __restrict__ gamma, float eps,
                                                         int cols, float* out) {
    __shared__ float scratch[32];
    long long base = (long long) blockIdx.x * cols;
    float s = 0.f;
#pragma unroll 8
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float v = residual1(alpha, h[base + c], beta, a[base + c]);
        u[base + c] = v;
        s = __fmaf_rn(v, v, s);
    }
    float sumSq = block_sum(s, scratch);
    float inv = (float) (1.0 / sqrt((double) (sumSq / cols + eps)));
#pragma unroll 8
    for (int c = threadIdx.x; c < cols; c += blockDim.x) out[base + c] = gamma[c] * (u[base + c] * inv);
}

// dst[i] = src[index[i]]; grid = count.
__global__ void gather_rows(const float* __restrict__ src, const int* __restrict__ index, int cols,
                            float* __restrict__ dst) {
    const float* s = src + (long long) index[blockIdx.x] * cols;
    float* d = dst + (long long) blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) d[c] = s[c];
}

// For each distinct destination row u (grid = targets): dst[target[u]] += scale[i]·src[i] for the
// i in order[start[u] .. start[u+1]), which the host lists in increasing i (the interface's order).
__global__ void scatter_add_rows(const float* __restrict__ src, const int* __restrict__ target,
                                 const int* __restrict__ start, const int* __restrict__ order,
                                 const float* __restrict__ scale, int cols, float* __restrict__ dst) {
    float* d = dst + (long long) target[blockIdx.x] * cols;
    int from = start[blockIdx.x];
    int to = start[blockIdx.x + 1];
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float acc = d[c];
        for (int j = from; j < to; j++) {
            int i = order[j];
            acc += scale[i] * src[(long long) i * cols + c];
        }
        d[c] = acc;
    }
}

// The routed experts' outputs added into out, for rows whose experts ran on the device
// (matmul_bf16_routed): out[t] = Σ weights[t·k + s] · y[t·k + s] over the k slots of row t taken
// in increasing expert id, starting from zero — the additions scatter_add_rows makes after a zero
// when the host runs the experts one after another in id order, so a row gets the same bits on
// either path. k ≤ 32. grid = rows, block = 256.
__global__ void moe_combine(const float* __restrict__ y, int ldy, const int* __restrict__ chosen,
                            const float* __restrict__ weights, int k, int cols, float* __restrict__ out, int ldo) {
    __shared__ int order[32];
    int t = blockIdx.x;
    if (threadIdx.x == 0) {
        // slots by increasing expert id (the experts of one row are distinct)
        for (int s = 0; s < k; s++) {
            int e = chosen[t * k + s];
            int rank = 0;
            for (int r = 0; r < k; r++) rank += chosen[t * k + r] < e;
            order[rank] = s;
        }
    }
    __syncthreads();
    float* o = out + (long long) t * ldo;
#pragma unroll 4
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float acc = 0.f;
        for (int j = 0; j < k; j++) {
            int i = t * k + order[j];
            acc += weights[i] * y[(long long) i * ldy + c];
        }
        o[c] = acc;
    }
}

// MoE routing, one thread per row: p = softmax(logits) (max-subtracted, float32); the k largest p
// with ties to the lower index, in descending order; weights p_e / Σ_S p renormalised over S.
// Where no p is left to pick (NaN logits), the lowest expert not yet chosen is picked with a NaN
// weight: every id written is a valid, distinct expert (the device-routed experts index weights
// by it), and the NaN reaches the logits, which the sampler refuses.
// Each e^x is the double exp narrowed to float, as the CPU backends compute it ((float) Math.exp):
// expf may differ from that by an ulp or two, enough to reorder two nearly tied experts.
__global__ void route_top_k(const float* __restrict__ logits, int rows, int experts, int k,
                           int* __restrict__ chosen, float* __restrict__ weights) {
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= rows) return;
    const float* l = logits + (long long) t * experts;
    float mx = -INFINITY;
    for (int i = 0; i < experts; i++) mx = fmaxf(mx, l[i]);
    float sum = 0.f;
    for (int i = 0; i < experts; i++) sum += (float) exp((double) (l[i] - mx));
    float selected = 0.f;
    float prevP = INFINITY;
    int prevI = -1;
    for (int s = 0; s < k; s++) {
        // the next pick is the largest (p, −i) strictly below the previous pick
        int best = -1;
        float bestP = 0.f;
        for (int i = 0; i < experts; i++) {
            float p = (float) exp((double) (l[i] - mx));
            bool below = p < prevP || (p == prevP && i > prevI);
            if (below && (best < 0 || p > bestP)) {
                best = i;
                bestP = p;
            }
        }
        if (best < 0) {
            bestP = NAN;
            for (int i = 0; i < experts && best < 0; i++) {
                bool taken = false;
                for (int r = 0; r < s; r++) taken |= chosen[t * k + r] == i;
                if (!taken) best = i;
            }
        }
        chosen[t * k + s] = best;
        weights[t * k + s] = bestP / sum;
        selected += bestP / sum;
        prevP = bestP;
        prevI = best;
    }
    for (int s = 0; s < k; s++) weights[t * k + s] /= selected;
}

}  // extern "C"

extern "C" {

// Keeps the device busy for `cycles` clock cycles, so that the launches queued behind it run back
// to back (KernelTimes: events around each launch then time the kernel, not the host's gaps).
// grid = 1, block = 32.
__global__ void spin_wait(long long cycles) {
    long long t0 = clock64();
    while (clock64() - t0 < cycles) {
    }
}

}  // extern "C"
