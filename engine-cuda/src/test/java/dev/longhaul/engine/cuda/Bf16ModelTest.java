/*
 * A synthesized model with BF16 weights (the goldens are F32) on the CUDA backend against the
 * scalar reference: last-token logits within relative L2 1e-3 of the CPU's, and the same greedy
 * continuation. This is the tensor-core matmul path end to end. Skipped where no device exists.
 */
package dev.longhaul.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.bench.ProfilingBackend;
import dev.longhaul.engine.checkpoint.DType;
import dev.longhaul.engine.cpu.ScalarBackend;
import dev.longhaul.engine.generate.Generator;
import dev.longhaul.engine.generate.SamplingParams;
import dev.longhaul.engine.golden.GoldenSuite;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.MiniMaxModel.RopeMode;
import dev.longhaul.engine.model.Segment;
import dev.longhaul.engine.model.SequenceState;
import dev.longhaul.engine.model.Workspace;
import dev.longhaul.engine.synth.ModelSynth;
import dev.longhaul.engine.synth.SynthSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("gpu")
class Bf16ModelTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void model() {
        CudaDevices.assumeDevice();
        ModelSynth.write(dir, SynthSpec.of("xs", 7, DType.BF16));
    }

    @Test
    void logitsAndGreedyTokensMatchTheScalarBackend() {
        int[] prompt = new SplittableRandom(11).ints(300, 3, 400).toArray(); // longer than one lightning block
        try (CudaBackend cuda = CudaBackend.open(); ScalarBackend cpu = new ScalarBackend()) {
            float[] want = lastLogits(cpu, prompt);
            float[] got = lastLogits(cuda, prompt);
            double err = GoldenSuite.relativeL2(got, want);
            assertTrue(err <= 1e-3, "BF16 last logits: relative L2 " + err + " > 1e-3 on " + cuda.device());
            assertArrayEquals(greedy(cpu, prompt), greedy(cuda, prompt), "greedy continuation");
        }
    }

    /**
     * A decode row alone takes the device-routed experts (CudaBackend.routedExperts); among 8 rows
     * of another sequence's prefill it takes the host's grouped small-step path, among 40 its
     * general path. Its logits must have the same bits each way, or a sequence would decode
     * differently in a busy batch.
     */
    @Test
    void aDecodeRowHasTheSameBitsOnTheRoutedAndTheHostPaths() {
        SplittableRandom rnd = new SplittableRandom(23);
        int[] prompt = rnd.ints(50, 3, 400).toArray();
        int next = 77;
        try (CudaBackend cuda = CudaBackend.open()) {
            ProfilingBackend paths = new ProfilingBackend(cuda);
            try (MiniMaxModel m = MiniMaxModel.load(dir, paths, RopeMode.PARTIAL)) {
                Workspace ws = m.workspace(64, 2);
                SequenceState solo = m.newSequence();
                m.forward(List.of(Segment.of(solo, prompt)), ws);
                paths.reset();
                float[] alone = m.forward(List.of(Segment.of(solo, new int[] {next})), ws).getFirst()[0];
                assertTrue(paths.report().containsKey("routedExperts") && !paths.report().containsKey("route"),
                        "one row should take the routed path: " + paths.report());
                for (int others : new int[] {7, 39}) {
                    SequenceState busy = m.newSequence();
                    m.forward(List.of(Segment.of(busy, prompt)), ws);
                    paths.reset();
                    float[] among = m.forward(List.of(Segment.of(busy, new int[] {next}),
                            Segment.of(m.newSequence(), rnd.ints(others, 3, 400).toArray())), ws).getFirst()[0];
                    assertTrue(paths.report().containsKey("route") && !paths.report().containsKey("routedExperts"),
                            (others + 1) + " rows should take the host path: " + paths.report());
                    assertEquals(alone.length, among.length);
                    for (int i = 0; i < alone.length; i++) {
                        if (Float.floatToRawIntBits(alone[i]) != Float.floatToRawIntBits(among[i])) {
                            throw new AssertionError("logit " + i + ": " + alone[i] + " alone (routed) vs " + among[i]
                                    + " among " + (others + 1) + " rows (host path) on " + cuda.device());
                        }
                    }
                }
            }
        }
    }

    private static float[] lastLogits(Backend backend, int[] prompt) {
        try (MiniMaxModel m = MiniMaxModel.load(dir, backend, RopeMode.PARTIAL)) {
            SequenceState s = m.newSequence();
            return m.forward(List.of(Segment.of(s, prompt)), m.workspace(prompt.length, 1)).getFirst()[0];
        }
    }

    private static int[] greedy(Backend backend, int[] prompt) {
        try (MiniMaxModel m = MiniMaxModel.load(dir, backend, RopeMode.PARTIAL)) {
            return new Generator(m, 128).generate(prompt, SamplingParams.greedy(24), t -> { }).tokens();
        }
    }
}
