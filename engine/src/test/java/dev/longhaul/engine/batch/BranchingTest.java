/*
 * A prefix prefilled once and continued by several branches equals prefilling prefix + suffix
 * from scratch: bitwise when the prefix ends on a chunk boundary, within 1e-5 relative L2 per
 * logits row otherwise (the chunk cut moves), with the same tokens; the prefix counts once.
 */
package dev.longhaul.engine.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.cpu.ScalarBackend;
import dev.longhaul.engine.generate.FinishReason;
import dev.longhaul.engine.generate.GenerationListener;
import dev.longhaul.engine.generate.GenerationResult;
import dev.longhaul.engine.generate.Generator;
import dev.longhaul.engine.generate.Recorder;
import dev.longhaul.engine.generate.SamplingParams;
import dev.longhaul.engine.generate.TinyModel;
import dev.longhaul.engine.golden.GoldenSuite;
import dev.longhaul.engine.model.MiniMaxModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BranchingTest {
    private static final int CHUNK = 32;

    @ParameterizedTest
    @ValueSource(ints = {64, 70})
    void branchesEqualPrefillingPrefixAndSuffixFromScratch(int prefixLength) {
        try (ScalarBackend backend = new ScalarBackend(); MiniMaxModel model = TinyModel.load(backend)) {
            // given a prefix and three branches: no suffix, a short one, a long sampled one
            SplittableRandom r = new SplittableRandom(prefixLength);
            int[] prefix = TinyModel.randomIds(r, prefixLength, 512);
            List<int[]> suffixes = List.of(new int[0], TinyModel.randomIds(r, 5, 512), TinyModel.randomIds(r, 40, 512));
            List<SamplingParams> params = List.of(SamplingParams.greedy(6), SamplingParams.greedy(6),
                    SamplingParams.sampled(0.8, 0.95, 7, 6));
            List<Recorder> branches = new ArrayList<>();
            List<BranchRequest> requests = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                branches.add(new Recorder());
                requests.add(new BranchRequest(suffixes.get(i), params.get(i), branches.get(i)));
            }
            // when the engine (with an unrelated sequence beside them) runs the branched request
            List<SequenceHandle> handles;
            BatchStats stats;
            try (BatchEngine engine = new BatchEngine(model, new BatchConfig(40, CHUNK, 6))) {
                engine.submit(TinyModel.randomIds(r, 33, 512), SamplingParams.greedy(4), GenerationListener.NONE);
                handles = engine.submitBranched(prefix, requests);
                while (engine.step()) {
                    // drain
                }
                stats = engine.stats();
            }
            // then every branch matches its from-scratch run
            Generator generator = new Generator(model, CHUNK);
            int suffixTokens = 0;
            for (int i = 0; i < 3; i++) {
                int[] whole = concat(prefix, suffixes.get(i));
                Recorder scratch = new Recorder();
                GenerationResult want = generator.stream(whole, params.get(i), scratch);
                GenerationResult got = handles.get(i).result().join();
                assertArrayEquals(want.tokens(), got.tokens(), "branch " + i);
                assertEquals(FinishReason.LENGTH, got.finishReason());
                assertEquals(whole.length, got.promptTokens());
                assertEquals(scratch.logits.size(), branches.get(i).logits.size());
                boolean aligned = prefixLength % CHUNK == 0;
                for (int row = 0; row < scratch.logits.size(); row++) {
                    float[] a = branches.get(i).logits.get(row);
                    float[] b = scratch.logits.get(row);
                    if (aligned) {
                        assertArrayEquals(b, a, "branch " + i + " row " + row + " must be bit-identical");
                    } else {
                        double err = GoldenSuite.relativeL2(a, b);
                        assertTrue(err <= 1e-5, "branch " + i + " row " + row + ": rel L2 " + err);
                    }
                }
                suffixTokens += suffixes.get(i).length;
            }
            // and the prefix was prefilled once
            assertEquals(33 + prefixLength + suffixTokens, stats.tokens().prefilled());
        }
    }

    @Test
    void aBranchWaitingForASlotHoldsNoCopyOfThePrefixState() {
        java.util.concurrent.atomic.AtomicInteger copies = new java.util.concurrent.atomic.AtomicInteger();
        try (ScalarBackend scalar = new ScalarBackend(); MiniMaxModel model = TinyModel.load(counting(scalar, copies))) {
            // the copies one snapshot of a state makes
            dev.longhaul.engine.model.SequenceState probe = model.newSequence();
            int before = copies.get();
            probe.snapshot();
            int perSnapshot = copies.get() - before;
            assertTrue(perSnapshot > 0, "a snapshot copies the lightning states");
            // given five branches of one prefix and one slot, so that four wait while one runs
            SplittableRandom r = new SplittableRandom(3);
            int[] prefix = TinyModel.randomIds(r, 40, 512);
            List<BranchRequest> requests = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                requests.add(new BranchRequest(TinyModel.randomIds(r, 3, 512), SamplingParams.greedy(3), GenerationListener.NONE));
            }
            try (BatchEngine engine = new BatchEngine(model, new BatchConfig(CHUNK, CHUNK, 1))) {
                List<SequenceHandle> handles = engine.submitBranched(prefix, requests);
                // then no step makes more than one branch's copy: each is made when its branch is admitted
                int most = 0;
                for (int at = copies.get(); engine.step(); at = copies.get()) {
                    most = Math.max(most, copies.get() - at);
                }
                assertTrue(most <= perSnapshot, "a step made " + most / perSnapshot + " snapshots at once");
                handles.forEach(h -> assertEquals(FinishReason.LENGTH, h.result().join().finishReason()));
            }
        }
    }

    /** A backend counting its copy() calls. */
    private static dev.longhaul.engine.backend.Backend counting(dev.longhaul.engine.backend.Backend inner,
                                                                java.util.concurrent.atomic.AtomicInteger copies) {
        return (dev.longhaul.engine.backend.Backend) java.lang.reflect.Proxy.newProxyInstance(
                dev.longhaul.engine.backend.Backend.class.getClassLoader(), new Class<?>[] {dev.longhaul.engine.backend.Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("copy")) {
                        copies.incrementAndGet();
                    }
                    try {
                        return method.invoke(inner, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void cancellingOneBranchWhileThePrefixPrefillsLeavesTheOthers() {
        try (ScalarBackend backend = new ScalarBackend(); MiniMaxModel model = TinyModel.load(backend);
             BatchEngine engine = new BatchEngine(model, new BatchConfig(40, CHUNK, 6))) {
            // given
            int[] prefix = TinyModel.randomIds(new SplittableRandom(11), 100, 512);
            int[] suffix = {1, 2, 3};
            List<SequenceHandle> handles = engine.submitBranched(prefix, List.of(
                    new BranchRequest(suffix, SamplingParams.greedy(5), GenerationListener.NONE),
                    new BranchRequest(suffix, SamplingParams.greedy(5), GenerationListener.NONE)));
            engine.step();
            // when
            handles.get(0).cancel();
            engine.step();
            // then
            assertEquals(FinishReason.CANCELLED, handles.get(0).result().getNow(null).finishReason());
            while (engine.step()) {
                // drain
            }
            int[] want = new Generator(model, CHUNK).generate(concat(prefix, suffix), SamplingParams.greedy(5), id -> {
            }).tokens();
            assertArrayEquals(want, handles.get(1).result().join().tokens());
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
