/*
 * The contract suite runs one task per call; a worker's step mixes many. Here one lightning call
 * and one softmax call carry several sequences at once (one-token decodes next to multi-token
 * prefills, at different positions), and each sequence's output must equal the scalar backend's
 * run of that sequence alone. Skipped where no device exists.
 */
package dev.longhaul.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.Backend.AttentionShape;
import dev.longhaul.engine.backend.DecayTable;
import dev.longhaul.engine.backend.KvCache;
import dev.longhaul.engine.backend.SegmentTask;
import dev.longhaul.engine.backend.Tensor;
import dev.longhaul.engine.cpu.ScalarBackend;
import dev.longhaul.engine.golden.GoldenSuite;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("gpu")
class BatchedTasksTest {
    private static final int HEADS = 4;
    private static final int KV_HEADS = 2;
    private static final int D = 64;
    private static final int[] PREFIX = {0, 300, 7, 513}; // tokens each sequence has already seen
    private static final int[] ROWS = {1, 70, 1, 130};   // tokens each feeds in the batched step

    @BeforeAll
    static void device() {
        CudaDevices.assumeDevice();
    }

    @Test
    void mixedLightningAndSoftmaxBatchesMatchEachSequenceAlone() {
        try (CudaBackend cuda = CudaBackend.open(); ScalarBackend cpu = new ScalarBackend()) {
            int total = 0;
            for (int r : ROWS) {
                total += r;
            }
            SplittableRandom rnd = new SplittableRandom(5);
            float[][] prefixQkv = new float[PREFIX.length][];
            for (int s = 0; s < PREFIX.length; s++) {
                prefixQkv[s] = gaussian(rnd, PREFIX[s] * 3 * HEADS * D, 0.2);
            }
            float[] step = gaussian(rnd, total * 3 * HEADS * D, 0.2);
            float[] got = run(cuda, prefixQkv, step, total);
            float[] want = run(cpu, prefixQkv, step, total);
            double err = GoldenSuite.relativeL2(got, want);
            assertTrue(err <= 2e-5, "batched lightning + softmax vs scalar: relative L2 " + err);
        }
    }

    /** Prefixes each sequence alone, then runs one batched step; returns [lightning out ‖ softmax out]. */
    private static float[] run(Backend b, float[][] prefixQkv, float[] step, int total) {
        DecayTable decay = new DecayTable(new double[] {0.9, 0.05, 1e-3, 3e-7}, 256);
        AttentionShape shape = new AttentionShape(HEADS, KV_HEADS, D, 32, 1e7);
        int width = 3 * HEADS * D;
        List<SegmentTask> lightning = new ArrayList<>();
        List<SegmentTask> softmax = new ArrayList<>();
        int row0 = 0;
        for (int s = 0; s < PREFIX.length; s++) {
            Tensor state = b.allocate(HEADS * D, D);
            KvCache cache = b.newKvCache(KV_HEADS, D);
            if (PREFIX[s] > 0) {
                Tensor qkv = tensor(b, prefixQkv[s], PREFIX[s], width);
                b.lightning(qkv, decay, D, List.of(SegmentTask.lightning(0, PREFIX[s], 0, state)),
                        b.allocate(PREFIX[s], HEADS * D));
                attention(b, qkv, shape, List.of(SegmentTask.attention(0, PREFIX[s], 0, cache)), PREFIX[s]);
            }
            lightning.add(SegmentTask.lightning(row0, ROWS[s], PREFIX[s], state));
            softmax.add(SegmentTask.attention(row0, ROWS[s], PREFIX[s], cache));
            row0 += ROWS[s];
        }
        Tensor qkv = tensor(b, step, total, width);
        Tensor out = b.allocate(total, HEADS * D);
        b.lightning(qkv, decay, D, lightning, out);
        float[] a = read(b, out, total);
        float[] c = attention(b, qkv, shape, softmax, total);
        float[] all = new float[a.length + c.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(c, 0, all, a.length, c.length);
        return all;
    }

    /** Softmax attention with q, k, v taken from the first columns of the qkv rows. */
    private static float[] attention(Backend b, Tensor qkv, AttentionShape shape, List<SegmentTask> tasks, int rows) {
        float[] all = read(b, qkv, rows);
        int w = qkv.cols();
        float[] q = new float[rows * HEADS * D];
        float[] k = new float[rows * KV_HEADS * D];
        float[] v = new float[rows * KV_HEADS * D];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(all, r * w, q, r * HEADS * D, HEADS * D);
            System.arraycopy(all, r * w + HEADS * D, k, r * KV_HEADS * D, KV_HEADS * D);
            System.arraycopy(all, r * w + (HEADS + KV_HEADS) * D, v, r * KV_HEADS * D, KV_HEADS * D);
        }
        Tensor out = b.allocate(rows, HEADS * D);
        b.softmaxAttention(tensor(b, q, rows, HEADS * D), tensor(b, k, rows, KV_HEADS * D),
                tensor(b, v, rows, KV_HEADS * D), shape, tasks, out);
        return read(b, out, rows);
    }

    private static float[] gaussian(SplittableRandom rnd, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * scale);
        }
        return v;
    }

    private static Tensor tensor(Backend b, float[] values, int rows, int cols) {
        Tensor t = b.allocate(rows, cols);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(values, r * cols, row, 0, cols);
            b.upload(row, t, r);
        }
        return t;
    }

    private static float[] read(Backend b, Tensor t, int rows) {
        float[] out = new float[rows * t.cols()];
        float[] row = new float[t.cols()];
        for (int r = 0; r < rows; r++) {
            b.download(t, r, row);
            System.arraycopy(row, 0, out, r * t.cols(), t.cols());
        }
        return out;
    }
}
