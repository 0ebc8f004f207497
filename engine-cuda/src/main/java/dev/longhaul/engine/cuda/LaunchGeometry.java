/*
 * Grid and block shapes of every kernel launch, in one place and computable without a device (they
 * mirror the comments above each kernel in src/main/cuda). Grid x may reach 2³¹ − 1; y and z at most
 * 65535, which bounds the tasks of one attention call.
 */
package dev.longhaul.engine.cuda;

record LaunchGeometry(int gridX, int gridY, int blockX, int blockY) {
    static final int FLAT_THREADS = 256;
    static final int MAX_FLAT_BLOCKS = 8192;
    static final int MAX_GRID_Y = 65535;
    /** Tokens per block of matmul_bf16, features per block are 16. */
    static final int MATMUL_TOKENS = 32;
    /** Most rows matvec_bf16 computes (one MMA column group). */
    static final int MATVEC_ROWS = 8;
    /**
     * Widest product matvec_bf16 takes: its prefetch wins where a product has too few blocks to
     * fill the GPU (2048 features: 7.7 against 10.5 µs on an H200) and loses where it has enough
     * (6144: 15.1 against 13.0 µs; bench/gpu/NOTES.md).
     */
    static final int MATVEC_MAX_FEATURES = 4096;
    /** Warps of matmul_bf16 splitting K (MM_WARPS in matmul.cuh). */
    static final int MATMUL_WARPS = 8;
    /** The value-dimension slice one lightning_prefill block owns. */
    static final int LIGHTNING_SLICE = 32;
    /** Largest lightning chunk the prefill kernel's shared score matrix holds. */
    static final int LIGHTNING_CHUNK = 64;
    /** Largest head dimension the attend kernel holds in registers. */
    static final int MAX_ATTENTION_HEAD_DIM = 128;

    LaunchGeometry {
        if (gridX < 1 || gridY < 1 || gridY > MAX_GRID_Y || blockX < 1 || blockY < 1 || blockX * blockY > 1024) {
            throw new IllegalArgumentException("launch geometry out of range: " + gridX + "x" + gridY + " blocks of "
                    + blockX + "x" + blockY);
        }
    }

    /** Grid-stride kernels over n elements. */
    static LaunchGeometry flat(long n) {
        int blocks = (int) Math.min(MAX_FLAT_BLOCKS, (n + FLAT_THREADS - 1) / FLAT_THREADS);
        return new LaunchGeometry(Math.max(1, blocks), 1, FLAT_THREADS, 1);
    }

    /** One block per row. */
    static LaunchGeometry perRow(int rows, int threads) {
        return new LaunchGeometry(rows, 1, threads, 1);
    }

    static LaunchGeometry matmulBf16(int rows, int features) {
        return new LaunchGeometry(ceilDiv(features, 16), ceilDiv(rows, MATMUL_TOKENS), 32 * MATMUL_WARPS, 1);
    }

    /** matvec_bf16: matmul_bf16's sums for at most MATVEC_ROWS rows, one block per 16 features. */
    static LaunchGeometry matvecBf16(int features) {
        return new LaunchGeometry(ceilDiv(features, 16), 1, 32 * MATMUL_WARPS, 1);
    }

    /** matmul_bf16_routed: one token per block row, `tables` weight tables side by side in y. */
    static LaunchGeometry matmulRouted(int features, int pairs, int tables) {
        return new LaunchGeometry(ceilDiv(features, 16), Math.multiplyExact(pairs, tables), 32 * MATMUL_WARPS, 1);
    }

    static LaunchGeometry matmulF32(int rows, int features) {
        return new LaunchGeometry(ceilDiv(features, 16), ceilDiv(rows, 16), 16, 16);
    }

    /** A block per 32 value columns of a head, eight warps splitting the key rows. */
    static LaunchGeometry lightningDecode(int heads, int tasks, int headDim) {
        return new LaunchGeometry(heads * ceilDiv(headDim, LIGHTNING_SLICE), tasks, 256, 1);
    }

    static LaunchGeometry lightningPrefill(int heads, int tasks, int headDim) {
        return new LaunchGeometry(heads * ceilDiv(headDim, LIGHTNING_SLICE), tasks, 256, 1);
    }

    /** The chunk length of block-form prefill: the decay table's block, at most the kernel's limit. */
    static int lightningChunk(int block) {
        return Math.min(block, LIGHTNING_CHUNK);
    }

    static LaunchGeometry ropeAppend(int maxRows, int tasks) {
        return new LaunchGeometry(maxRows, tasks, 128, 1);
    }

    static LaunchGeometry attend(int maxRows, int heads, int tasks) {
        return new LaunchGeometry(ceilDiv(Math.multiplyExact(maxRows, heads), 4), tasks, 128, 1);
    }

    /** Partials per (task, head) of attend_split at most (ATTN_MAX_CHUNKS in attention.cuh). */
    static final int ATTENTION_MAX_CHUNKS = 256;
    /** Query heads per KV head attend_split serves at most (ATTN_GROUP). */
    static final int ATTENTION_MAX_GROUP = 8;

    /** Tokens per chunk of a decode row at `position` (attn_chunk in attention.cuh). */
    static int attentionChunk(int position) {
        int c = 64;
        while ((position + c) / c > ATTENTION_MAX_CHUNKS) {
            c *= 2;
        }
        return c;
    }

    /** Chunks covering positions 0..position. */
    static int attentionChunks(int position) {
        int c = attentionChunk(position);
        return (position + c) / c;
    }

    /** attend_split: a block per (chunk, KV head), chunk-major in x. */
    static LaunchGeometry attendSplit(int kvHeads, int chunks, int tasks) {
        return new LaunchGeometry(Math.multiplyExact(kvHeads, chunks), tasks, 128, 1);
    }

    /** attend_combine: a block per (head, task), a thread per value dimension. */
    static LaunchGeometry perTaskHead(int heads, int tasks) {
        return new LaunchGeometry(heads, tasks, MAX_ATTENTION_HEAD_DIM, 1);
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
