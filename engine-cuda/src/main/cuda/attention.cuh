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
// attend_split + attend_combine: the same for one-row tasks (decode), whose few warps would each
// walk the whole cache alone: positions 0..p go in chunks of attn_chunk(p) tokens, each chunk's
// online softmax runs in its own block into a partial (max, sum, D sums) per head, and the
// partials are combined in chunk order. The chunking depends on p alone, so a row's bits do not depend on the
// other tasks of the call.
#pragma once
#include "common.cuh"

#define KV_PAGE 256
#define ATTN_MAX_CHUNKS 256  // partials per (task, head) at most; attn_chunk grows to keep under it
#define ATTN_GROUP 8         // query heads per KV head attend_split serves at most

// Tokens per chunk for a decode row at position p: 64, doubled until at most ATTN_MAX_CHUNKS
// chunks cover 0..p (a multiple of 32, so no 32-token tile crosses a page).
__host__ __device__ __forceinline__ int attn_chunk(int p) {
    int c = 64;
    while ((p + c) / c > ATTN_MAX_CHUNKS) c *= 2;
    return c;
}

struct AttnTask {
    int row0;
    int rows;
    int position;
    int pageOffset;  // index in `pages` of the first key page; value pages follow
    int pageCount;
};

// Online softmax of one warp's query (qs, in shared memory) over positions first .. last (first a
// multiple of 32), 32-token tiles in ascending order, into (mx, sum, acc): acc[i] holds value
// dim lane + 32·i.
__device__ __forceinline__ void attend_tiles(const float* qs, const AttnTask& task, float* const* __restrict__ pages,
                                             int g, int kvHeads, int d, int first, int last, int lane,
                                             float& mx, float& sum, float* acc) {
    float scale = (float) (1.0 / sqrt((double) d));
    for (int u0 = first; u0 <= last; u0 += 32) {
        int page = u0 / KV_PAGE;  // a 32-token tile never crosses a page
        const float* kp = pages[task.pageOffset + page] + (long long) g * d * KV_PAGE;
        const float* vp = pages[task.pageOffset + task.pageCount + page];
        int u = u0 + lane;
        float score = -INFINITY;
        if (u <= last) {
            float dot = 0.f;
            // unrolled so that 16 loads are in flight, not one; the sum still runs in ascending a
#pragma unroll 16
            for (int a = 0; a < d; a++) dot += qs[a] * kp[a * KV_PAGE + u % KV_PAGE];
            score = dot * scale;
        }
        float next = fmaxf(mx, warp_max(score));  // finite: token u0 ≤ last is in every tile
        float correction = expf(mx - next);
        float p = u <= last ? expf(score - next) : 0.f;
        sum = sum * correction + warp_sum(p);
        int valid = min(32, last - u0 + 1);
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
}

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
// Tasks of one row are left to attend_split.
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
    if (task.rows == 1 || t >= task.rows) return;  // whole warp; one-row tasks go to attend_split
    int row = task.row0 + t;
    int pos = task.position + t;
    int g = h / (heads / kvHeads);
    for (int a = lane; a < d; a += 32) qs[warp][a] = q[(long long) row * ldq + h * d + a];
    __syncwarp();
    float mx = -INFINITY;
    float sum = 0.f;
    float acc[4] = {0.f, 0.f, 0.f, 0.f};
    attend_tiles(qs[warp], task, pages, g, kvHeads, d, 0, pos, lane, mx, sum, acc);
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int a = lane + 32 * i;
        if (a < d) out[(long long) row * ldo + h * d + a] = acc[i] / sum;
    }
}

// grid = (kvHeads · chunks, tasks), block = 128; one-row tasks only. Block x = chunk · kvHeads + g:
// the chunk's keys and values of KV head g go through shared memory 32 tokens at a time (each
// tile loaded by the whole block, every load issued before any is used), and the block's four
// warps serve the query heads of group g (warp w the heads w, w + 4, …). Writes part[((task · heads
// + h) · ATTN_MAX_CHUNKS + c) · (d + 2)]: max, sum, then the d value sums of chunk c.
// Needs d ≤ 128, d % 4 == 0 and heads / kvHeads ≤ ATTN_GROUP.
__global__ void __launch_bounds__(128) attend_split(const float* __restrict__ q, int ldq,
                                                    const AttnTask* __restrict__ tasks,
                                                    float* const* __restrict__ pages, int heads, int kvHeads,
                                                    int d, float* __restrict__ part) {
    __shared__ float ks[128][33];         // [dim][token], padded: lanes read one token each
    __shared__ __align__(16) float vs[32][128];  // [token][dim]
    __shared__ float qs[ATTN_GROUP][128];
    AttnTask task = tasks[blockIdx.y];
    int g = blockIdx.x % kvHeads;
    int c = blockIdx.x / kvHeads;
    int pos = task.position;
    int size = attn_chunk(pos);
    int group = heads / kvHeads;
    if (task.rows != 1 || c * size > pos || group > ATTN_GROUP) return;  // the whole block
    int warp = threadIdx.x >> 5;
    int lane = threadIdx.x & 31;
    for (int i = threadIdx.x; i < group * d; i += blockDim.x) {
        qs[i / d][i % d] = q[(long long) task.row0 * ldq + (long long) (g * group + i / d) * d + i % d];
    }
    float scale = (float) (1.0 / sqrt((double) d));
    float mx[ATTN_GROUP / 4];
    float sum[ATTN_GROUP / 4];
    float acc[ATTN_GROUP / 4][4];
#pragma unroll
    for (int j = 0; j < ATTN_GROUP / 4; j++) {
        mx[j] = -INFINITY;
        sum[j] = 0.f;
        acc[j][0] = acc[j][1] = acc[j][2] = acc[j][3] = 0.f;
    }
    int first = c * size;
    int last = min(pos, first + size - 1);
    int quads = d / 4;
    for (int u0 = first; u0 <= last; u0 += 32) {
        int page = u0 / KV_PAGE;  // a 32-token tile never crosses a page
        int slot0 = u0 % KV_PAGE;
        const float* kp = pages[task.pageOffset + page] + (long long) g * d * KV_PAGE + slot0;
        const float* vp = pages[task.pageOffset + task.pageCount + page] + ((long long) slot0 * kvHeads + g) * d;
        __syncthreads();  // the previous tile's readers are done (and qs is written, the first time)
        float4 kq[8];
        float4 vq[8];
#pragma unroll
        for (int r = 0; r < 8; r++) {  // keys: d rows of 32 tokens; values: 32 tokens of d dims
            int i = threadIdx.x + r * 128;
            if (i < d * 8) kq[r] = *(const float4*) (kp + (long long) (i >> 3) * KV_PAGE + (i & 7) * 4);
            if (i < 32 * quads) vq[r] = *(const float4*) (vp + (long long) (i / quads) * kvHeads * d + (i % quads) * 4);
        }
#pragma unroll
        for (int r = 0; r < 8; r++) {
            int i = threadIdx.x + r * 128;
            if (i < d * 8) {
                int a = i >> 3;
                int f = (i & 7) * 4;
                ks[a][f] = kq[r].x;
                ks[a][f + 1] = kq[r].y;
                ks[a][f + 2] = kq[r].z;
                ks[a][f + 3] = kq[r].w;
            }
            if (i < 32 * quads) *(float4*) &vs[i / quads][(i % quads) * 4] = vq[r];
        }
        __syncthreads();
        int u = u0 + lane;
        int valid = min(32, last - u0 + 1);
#pragma unroll
        for (int j = 0; j < ATTN_GROUP / 4; j++) {
            int hl = warp + 4 * j;
            if (hl >= group) break;  // uniform across the warp
            float score = -INFINITY;
            if (u <= last) {
                float dot = 0.f;
                for (int a = 0; a < d; a++) dot += qs[hl][a] * ks[a][lane];
                score = dot * scale;
            }
            float next = fmaxf(mx[j], warp_max(score));  // finite: token u0 ≤ last is in every tile
            float correction = expf(mx[j] - next);
            float p = u <= last ? expf(score - next) : 0.f;
            sum[j] = sum[j] * correction + warp_sum(p);
#pragma unroll
            for (int i = 0; i < 4; i++) acc[j][i] *= correction;
            for (int jj = 0; jj < valid; jj++) {
                float pj = __shfl_sync(FULL_MASK, p, jj);
#pragma unroll
                for (int i = 0; i < 4; i++) {
                    int a = lane + 32 * i;
                    if (a < d) acc[j][i] += pj * vs[jj][a];
                }
            }
            mx[j] = next;
        }
    }
#pragma unroll
    for (int j = 0; j < ATTN_GROUP / 4; j++) {
        int hl = warp + 4 * j;
        if (hl >= group) break;
        float* o = part + (((long long) blockIdx.y * heads + g * group + hl) * ATTN_MAX_CHUNKS + c) * (d + 2);
        if (lane == 0) {
            o[0] = mx[j];
            o[1] = sum[j];
        }
#pragma unroll
        for (int i = 0; i < 4; i++) {
            int a = lane + 32 * i;
            if (a < d) o[2 + a] = acc[j][i];
        }
    }
}

// grid = (heads, tasks), block = 128 (d ≤ 128): out = Σ_c e^(m_c − M) acc_c / Σ_c e^(m_c − M) sum_c,
// chunks in ascending order.
__global__ void __launch_bounds__(128) attend_combine(const AttnTask* __restrict__ tasks,
                                                      const float* __restrict__ part, int heads, int d,
                                                      float* __restrict__ out, int ldo) {
    AttnTask task = tasks[blockIdx.y];
    int h = blockIdx.x;
    int a = threadIdx.x;
    if (task.rows != 1 || a >= d) return;
    int size = attn_chunk(task.position);
    int chunks = (task.position + size) / size;
    const float* p = part + ((long long) blockIdx.y * heads + h) * ATTN_MAX_CHUNKS * (d + 2);
    float m = -INFINITY;
    for (int c = 0; c < chunks; c++) m = fmaxf(m, p[c * (d + 2)]);
    float num = 0.f;
    float den = 0.f;
    for (int c = 0; c < chunks; c++) {
        float w = expf(p[c * (d + 2)] - m);
        den += w * p[c * (d + 2) + 1];
        num += w * p[c * (d + 2) + 2 + a];
    }
    out[(long long) task.row0 * ldo + h * d + a] = num / den;
}

}  // extern "C"
