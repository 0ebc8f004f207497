// Softmax attention with GQA over a paged KV cache (MINIMAX.md §6). A page holds PAGE tokens;
// keys are stored [n_kv][D][PAGE] (a warp reading 32 consecutive tokens of one dim is one
// coalesced load) and values [PAGE][n_kv][D]. Each task lists its pages in `pages` from its
// offset: key pages first, then value pages (`pageCount[t]` of each).
//
// rope_append: RoPE rotate-half over the first r dims (pairs (j, j + r/2), φ_j = p·f_j with the
// frequencies f_j = θ^(−2j/r) and the angle and its cos/sin in double, as the CPU backends do) on
// the task's q and k rows in place, then k and v written into the pages at positions p.
// attend: one warp per (query row, head), online softmax over 32-token tiles, causal (u ≤ p),
// scale 1/sqrt(D), KV head g = h / (n / n_kv).
#pragma once
#include "common.cuh"

#define KV_PAGE 256

struct AttnTask {
    int row0;
    int rows;
    int position;
    int pageOffset;  // index in `pages` of the first key page; value pages follow
    int pageCount;
};

extern "C" {

// grid = (max rows, tasks), block = 128.
__global__ void rope_append(float* __restrict__ q, int ldq, float* __restrict__ k, int ldk,
                            const float* __restrict__ v, int ldv, const AttnTask* __restrict__ tasks,
                            float* const* __restrict__ pages, const double* __restrict__ freq, int heads,
                            int kvHeads, int d, int rot) {
    AttnTask task = tasks[blockIdx.y];
    int t = blockIdx.x;
    if (t >= task.rows) return;
    int row = task.row0 + t;
    int pos = task.position + t;
    int half = rot / 2;
    for (int idx = threadIdx.x; idx < (heads + kvHeads) * half; idx += blockDim.x) {
        int hh = idx / half;
        int j = idx % half;
        float* x = hh < heads ? q + (long long) row * ldq + hh * d : k + (long long) row * ldk + (hh - heads) * d;
        double angle = pos * freq[j];
        float c = (float) cos(angle);
        float sn = (float) sin(angle);
        float a = x[j];
        float b = x[j + half];
        x[j] = a * c - b * sn;
        x[j + half] = b * c + a * sn;
    }
    __syncthreads();  // the rotated k row is read back below
    int page = pos / KV_PAGE;
    int slot = pos % KV_PAGE;
    float* kp = pages[task.pageOffset + page];
    float* vp = pages[task.pageOffset + task.pageCount + page];
    for (int i = threadIdx.x; i < kvHeads * d; i += blockDim.x) {  // i = g·D + a
        kp[(long long) i * KV_PAGE + slot] = k[(long long) row * ldk + i];
        vp[(long long) slot * kvHeads * d + i] = v[(long long) row * ldv + i];
    }
}

// grid = (⌈max rows · heads / 4⌉, tasks), block = 128 (4 warps, one (row, head) each). d ≤ 128.
__global__ void __launch_bounds__(128) attend(const float* __restrict__ q, int ldq, float* __restrict__ out,
                                              int ldo, const AttnTask* __restrict__ tasks,
                                              float* const* __restrict__ pages, int heads, int kvHeads, int d) {
    __shared__ float qs[4][128];
    AttnTask task = tasks[blockIdx.y];
    int warp = threadIdx.x >> 5;
    int lane = threadIdx.x & 31;
    int item = blockIdx.x * 4 + warp;
    int t = item / heads;
    int h = item % heads;
    if (t >= task.rows) return;  // whole warp
    int row = task.row0 + t;
    int pos = task.position + t;
    int g = h / (heads / kvHeads);
    for (int a = lane; a < d; a += 32) qs[warp][a] = q[(long long) row * ldq + h * d + a];
    __syncwarp();
    float scale = (float) (1.0 / sqrt((double) d));
    float mx = -INFINITY;
    float sum = 0.f;
    float acc[4] = {0.f, 0.f, 0.f, 0.f};
    for (int u0 = 0; u0 <= pos; u0 += 32) {
        int page = u0 / KV_PAGE;  // a 32-token tile never crosses a page
        const float* kp = pages[task.pageOffset + page] + (long long) g * d * KV_PAGE;
        const float* vp = pages[task.pageOffset + task.pageCount + page];
        int u = u0 + lane;
        float score = -INFINITY;
        if (u <= pos) {
            float dot = 0.f;
            // unrolled so that 16 loads are in flight, not one: a decode row's few warps each walk
            // the whole cache; the sum still runs in ascending a
#pragma unroll 16
            for (int a = 0; a < d; a++) dot += qs[warp][a] * kp[a * KV_PAGE + u % KV_PAGE];
            score = dot * scale;
        }
        float next = fmaxf(mx, warp_max(score));  // finite: token u0 ≤ pos is in every tile
        float correction = expf(mx - next);
        float p = u <= pos ? expf(score - next) : 0.f;
        sum = sum * correction + warp_sum(p);
        int valid = min(32, pos - u0 + 1);
#pragma unroll
        for (int i = 0; i < 4; i++) acc[i] *= correction;
#pragma unroll 8
        for (int jj = 0; jj < valid; jj++) {
            float pj = __shfl_sync(FULL_MASK, p, jj);
            const float* vr = vp + ((long long) ((u0 + jj) % KV_PAGE) * kvHeads + g) * d;
#pragma unroll
            for (int i = 0; i < 4; i++) {
                int a = lane + 32 * i;
                if (a < d) acc[i] += pj * vr[a];
            }
        }
        mx = next;
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int a = lane + 32 * i;
        if (a < d) out[(long long) row * ldo + h * d + a] = acc[i] / sum;
    }
}

}  // extern "C"
