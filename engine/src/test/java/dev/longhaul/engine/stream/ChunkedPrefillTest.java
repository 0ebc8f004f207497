/*
 * Streaming a long input through the model in arbitrary chunks gives the logits of one-shot
 * prefill: 10,000 tokens through a model with both layer kinds (state carried in lightning layers,
 * KV cache growing in the softmax layer), several seeded random chunkings, and chunks of two tokens
 * and of one throughout, relative L2 ≤ 1e-5.
 */
package dev.longhaul.engine.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.cpu.VectorBackend;
import dev.longhaul.engine.golden.GoldenSuite;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.Segment;
import dev.longhaul.engine.model.SequenceState;
import dev.longhaul.engine.model.Workspace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ChunkedPrefillTest {
    private static final int TOKENS = 10_000;

    static Path golden(String name) {
        return SharedData.golden(name);
    }

    @Test
    void randomChunkingsOfTenThousandTokensMatchOneShotPrefill() {
        try (VectorBackend backend = new VectorBackend(2);
             MiniMaxModel model = MiniMaxModel.load(golden("minimax-tiny-b"), backend, MiniMaxModel.RopeMode.PARTIAL)) {
            // given 10,000 seeded random token ids
            SplittableRandom rnd = new SplittableRandom(10_000);
            int[] ids = new int[TOKENS];
            for (int i = 0; i < TOKENS; i++) {
                ids[i] = rnd.nextInt(model.config().vocabSize());
            }
            // when prefilled in one step
            SequenceState whole = model.newSequence();
            float[] oneShot = model.forward(List.of(Segment.of(whole, ids)), model.workspace(TOKENS, 1)).get(0)[0];
            // then every random chunking ends with the same logits and the same position
            // (plans 3 and 4: every chunk two tokens, then one: before slow heads kept their state
            // scaled, LightningKernels.begin, decaying it by a λ near 1 at every chunk drifted to
            // 1.6e-5 and 3.4e-5)
            for (int plan = 0; plan < 5; plan++) {
                List<Integer> sizes = new ArrayList<>();
                SequenceState seq = model.newSequence();
                Workspace ws = model.workspace(3000, 1);
                float[] last = null;
                for (int from = 0; from < TOKENS; ) {
                    int n = Math.min(TOKENS - from, plan >= 3 ? 5 - plan : 1 + rnd.nextInt(plan == 0 ? 40 : 2999));
                    sizes.add(n);
                    last = model.forward(List.of(new Segment(seq, ids, from, n, Segment.Logits.LAST)), ws).get(0)[0];
                    from += n;
                }
                double err = GoldenSuite.relativeL2(last, oneShot);
                assertEquals(TOKENS, seq.position());
                assertTrue(err <= 1e-5, "chunking #" + plan + " (" + sizes.size() + " chunks) differs: rel L2 " + err);
                System.out.printf("chunking #%d: %d chunks, rel L2 %.2e%n", plan, sizes.size(), err);
            }
        }
    }
}
