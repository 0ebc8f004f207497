/*
 * The host side of the two attention operations: it sorts a step's tasks into kernel launches and
 * packs their descriptors. Lightning: one-row tasks run the recurrent form (lightning_decode),
 * longer ones the block form (lightning_prefill), each kernel once for all its tasks. Softmax:
 * every task's cache is checked to end where the task starts and given the pages it will need,
 * then rope_append rotates q and k and writes k, v into the pages, and attend computes the output
 * of tasks of several rows, attend_split and attend_combine those of one row (decode).
 */
package dev.longhaul.engine.cuda;

import dev.longhaul.engine.backend.Backend.AttentionShape;
import dev.longhaul.engine.backend.DecayTable;
import dev.longhaul.engine.backend.SegmentTask;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

final class Attention {
    private final CudaBackend backend;
    private final Map<AttentionShape, double[]> frequencies = new HashMap<>();

    Attention(CudaBackend backend) {
        this.backend = backend;
    }

    void lightning(DeviceTensor qkv, DecayTable decay, int headDim, List<SegmentTask> tasks, DeviceTensor out) {
        int decode = (int) tasks.stream().filter(t -> t.rows() == 1).count();
        int prefill = (int) tasks.stream().filter(t -> t.rows() > 1).count();
        int[] decodeRows = new int[decode];
        long[] decodeStates = new long[decode];
        int[] prefillRow0 = new int[prefill];
        int[] prefillRows = new int[prefill];
        long[] prefillStates = new long[prefill];
        int d = 0;
        int p = 0;
        for (SegmentTask t : tasks) {
            long state = DeviceTensor.of(t.lightningState()).row(0);
            if (t.rows() == 1) {
                decodeRows[d] = t.row0();
                decodeStates[d++] = state;
            } else if (t.rows() > 1) {
                prefillRow0[p] = t.row0();
                prefillRows[p] = t.rows();
                prefillStates[p++] = state;
            }
        }
        DeviceBuffer powers = backend.decayPowers(decay);
        int stride = decay.block() + 1;
        ArgBlock args = backend.args();
        args.clear();
        int aRows = args.putInts(decodeRows, decode);
        int aStates = args.putLongs(decodeStates, decode);
        int aRow0 = args.putInts(prefillRow0, prefill);
        int aCount = args.putInts(prefillRows, prefill);
        int aPStates = args.putLongs(prefillStates, prefill);
        long base = backend.uploadArgs();
        CudaDevice device = backend.cuda();
        if (decode > 0) {
            device.launch("lightning_decode", LaunchGeometry.lightningDecode(decay.heads(), decode, headDim),
                    qkv.row(0), qkv.cols(), out.row(0), out.cols(), base + aRows, base + aStates, powers, stride,
                    headDim);
        }
        if (prefill > 0) {
            device.launch("lightning_prefill", LaunchGeometry.lightningPrefill(decay.heads(), prefill, headDim),
                    qkv.row(0), qkv.cols(), out.row(0), out.cols(), base + aRow0, base + aCount, base + aPStates,
                    powers, stride, headDim, LaunchGeometry.lightningChunk(decay.block()));
        }
    }

    void softmax(DeviceTensor q, DeviceTensor k, DeviceTensor v, AttentionShape shape, List<SegmentTask> tasks,
                 DeviceTensor out) {
        if (shape.headDim() > LaunchGeometry.MAX_ATTENTION_HEAD_DIM || shape.heads() % shape.kvHeads() != 0) {
            throw new IllegalArgumentException("the CUDA attention kernel needs head_dim ≤ "
                    + LaunchGeometry.MAX_ATTENTION_HEAD_DIM + " and heads a multiple of kv heads: " + shape);
        }
        boolean decoding = tasks.stream().anyMatch(t -> t.rows() == 1); // attend_split's further limits
        if (decoding && (shape.headDim() % 4 != 0 || shape.heads() / shape.kvHeads() > LaunchGeometry.ATTENTION_MAX_GROUP)) {
            throw new IllegalArgumentException("the CUDA decode attention kernel needs head_dim a multiple of 4 and at most "
                    + LaunchGeometry.ATTENTION_MAX_GROUP + " heads per kv head: " + shape);
        }
        int[] desc = new int[5 * tasks.size()]; // AttnTask {row0, rows, position, pageOffset, pageCount}
        int pages = 0;
        int maxRows = 0;
        // every task checked before any cache grows: a refused call leaves the caches as they were
        java.util.Set<DeviceKvCache> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (SegmentTask t : tasks) {
            DeviceKvCache cache = DeviceKvCache.of(t.kvCache());
            if (cache.length() != t.position()) {
                throw new IllegalStateException("KV cache holds " + cache.length()
                        + " tokens but the segment starts at " + t.position());
            }
            if (!seen.add(cache)) {
                throw new IllegalArgumentException("one KV cache appears in two segments of one call: both would write its "
                        + "positions from " + t.position());
            }
        }
        for (int i = 0; i < tasks.size(); i++) {
            SegmentTask t = tasks.get(i);
            DeviceKvCache cache = DeviceKvCache.of(t.kvCache());
            cache.reserve(t.position() + t.rows());
            desc[5 * i] = t.row0();
            desc[5 * i + 1] = t.rows();
            desc[5 * i + 2] = t.position();
            desc[5 * i + 3] = pages;
            desc[5 * i + 4] = cache.pageCount();
            pages += 2 * cache.pageCount();
            maxRows = Math.max(maxRows, t.rows());
        }
        if (maxRows == 0) {
            return;
        }
        long[] table = new long[pages];
        int at = 0;
        for (SegmentTask t : tasks) {
            at = DeviceKvCache.of(t.kvCache()).writePageTable(table, at);
        }
        ArgBlock args = backend.args();
        args.clear();
        int aDesc = args.putInts(desc, desc.length);
        int aPages = args.putLongs(table, pages);
        int aFreq = args.putDoubles(frequencies.computeIfAbsent(shape, Attention::ropeFrequencies));
        long base = backend.uploadArgs();
        CudaDevice device = backend.cuda();
        device.launch("rope_append", LaunchGeometry.ropeAppend(maxRows, tasks.size()), q.row(0), q.cols(), k.row(0),
                k.cols(), v.row(0), v.cols(), base + aDesc, base + aPages, base + aFreq, shape.heads(),
                shape.kvHeads(), shape.headDim(), shape.rotaryDim());
        int longest = 0; // rows of the longest task of more than one row: attend
        int chunks = 0;  // most chunks of a one-row task: attend_split
        for (SegmentTask t : tasks) {
            if (t.rows() == 1) {
                chunks = Math.max(chunks, LaunchGeometry.attentionChunks(t.position()));
            } else {
                longest = Math.max(longest, t.rows());
            }
        }
        if (longest > 0) {
            device.launch("attend", LaunchGeometry.attend(longest, shape.heads(), tasks.size()), q.row(0), q.cols(),
                    out.row(0), out.cols(), base + aDesc, base + aPages, shape.heads(), shape.kvHeads(),
                    shape.headDim());
        }
        if (chunks > 0) {
            DeviceBuffer part = backend.attentionPartials(
                    4L * tasks.size() * shape.heads() * LaunchGeometry.ATTENTION_MAX_CHUNKS * (shape.headDim() + 2));
            device.launch("attend_split", LaunchGeometry.attendSplit(shape.kvHeads(), chunks, tasks.size()), q.row(0),
                    q.cols(), base + aDesc, base + aPages, shape.heads(), shape.kvHeads(), shape.headDim(), part);
            device.launch("attend_combine", LaunchGeometry.perTaskHead(shape.heads(), tasks.size()), base + aDesc,
                    part, shape.heads(), shape.headDim(), out.row(0), out.cols());
        }
        for (SegmentTask t : tasks) {
            DeviceKvCache.of(t.kvCache()).advance(t.rows());
        }
    }

    /** f_j = θ^(−2j/r) for j < r/2, in double as the CPU backends compute them. */
    static double[] ropeFrequencies(AttentionShape shape) {
        double[] f = new double[Math.max(1, shape.rotaryDim() / 2)];
        for (int j = 0; j < shape.rotaryDim() / 2; j++) {
            f[j] = Math.pow(shape.ropeTheta(), -2.0 * j / shape.rotaryDim());
        }
        return f;
    }
}
