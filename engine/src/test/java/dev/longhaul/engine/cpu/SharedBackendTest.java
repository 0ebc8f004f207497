/*
 * One Vector API backend (and one model) used from several threads at once, each with its own
 * sequence and workspace, computes exactly what it computes from one thread: parallel regions of
 * different callers take turns instead of sharing the workers or their scratch memory.
 */
package dev.longhaul.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.Segment;
import dev.longhaul.engine.model.SequenceState;
import dev.longhaul.engine.model.Workspace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class SharedBackendTest {
    private static float[] run(MiniMaxModel model, int[] ids) {
        SequenceState s = model.newSequence();
        Workspace ws = model.workspace(32, 1);
        float[] last = null;
        for (int from = 0; from < ids.length; from += 32) {
            last = model.forward(List.of(new Segment(s, ids, from, Math.min(32, ids.length - from), Segment.Logits.LAST)), ws).get(0)[0];
        }
        return last;
    }

    @Test
    void concurrentCallersGetTheirSoloResults() throws Exception {
        Path dir = SharedData.golden("minimax-tiny-b");
        try (VectorBackend backend = new VectorBackend(2);
             MiniMaxModel model = MiniMaxModel.load(dir, backend, MiniMaxModel.RopeMode.PARTIAL);
             ExecutorService pool = Executors.newFixedThreadPool(4)) {
            // given four seeded prompts and their logits computed one after another
            SplittableRandom rnd = new SplittableRandom(4);
            List<int[]> prompts = new ArrayList<>();
            List<float[]> solo = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                int[] ids = rnd.ints(300, 0, model.config().vocabSize()).toArray();
                prompts.add(ids);
                solo.add(run(model, ids));
            }
            // when all four run at the same time on the shared backend, several rounds
            for (int round = 0; round < 3; round++) {
                List<Future<float[]>> futures = new ArrayList<>();
                for (int[] ids : prompts) {
                    futures.add(pool.submit(() -> run(model, ids)));
                }
                // then each gets exactly its solo logits
                for (int p = 0; p < 4; p++) {
                    assertArrayEquals(solo.get(p), futures.get(p).get(), 0f, "prompt " + p + ", round " + round);
                }
            }
        }
    }
}
