/*
 * BatchEngine over minimax-tiny: many sequences packed under a small budget give exactly what
 * each gives alone (tokens, and logits bit for bit), on the scalar and the vector backend;
 * cancellation, stop tokens, prompt checks, the engine's own loop with concurrent submitters, and
 * feeds (a caller's state advanced chunk by chunk while other sequences decode beside it).
 */
package dev.longhaul.engine.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.cpu.ScalarBackend;
import dev.longhaul.engine.generate.FinishReason;
import dev.longhaul.engine.generate.GenerationListener;
import dev.longhaul.engine.generate.GenerationResult;
import dev.longhaul.engine.generate.PrefillPlan;
import dev.longhaul.engine.generate.Generator;
import dev.longhaul.engine.generate.Recorder;
import dev.longhaul.engine.generate.SamplingParams;
import dev.longhaul.engine.generate.TinyModel;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.Segment;
import dev.longhaul.engine.model.SequenceState;
import dev.longhaul.engine.model.Workspace;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BatchEngineTest {
    private static final int CHUNK = 32;
    private static final BatchConfig MIXING = new BatchConfig(40, CHUNK, 6); // 40 >= 32 + 6 - 1

    record Request(int[] prompt, SamplingParams params) {
    }

    /** 16 prompts of 1..300 tokens, 1..24 new tokens, even ones greedy, odd ones sampled with their own seed. */
    static List<Request> sixteen() {
        SplittableRandom r = new SplittableRandom(42);
        List<Request> out = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int length = i == 0 ? 1 : i == 1 ? 300 : r.nextInt(1, 301);
            int max = r.nextInt(1, 25);
            SamplingParams p = i % 2 == 0 ? SamplingParams.greedy(max)
                    : SamplingParams.sampled(0.6 + 0.2 * (i % 4), i % 3 == 0 ? 1.0 : 0.9, 1000 + i, max);
            out.add(new Request(TinyModel.randomIds(r, length, 512), p));
        }
        return out;
    }

    static Recorder solo(MiniMaxModel model, Request q) {
        Recorder rec = new Recorder();
        new Generator(model, CHUNK).stream(q.prompt(), q.params(), rec);
        return rec;
    }

    static void runUntilIdle(BatchEngine engine) {
        for (int i = 0; engine.step(); i++) {
            assertTrue(i < 100_000, "engine did not drain");
        }
    }

    @ParameterizedTest
    @EnumSource(TinyModel.Kind.class)
    void everySequenceInAMixedBatchEqualsItsSoloRun(TinyModel.Kind kind) {
        try (Backend backend = kind.create(); MiniMaxModel model = TinyModel.load(backend)) {
            // given 16 requests and each one's solo run
            List<Request> requests = sixteen();
            List<Recorder> alone = requests.stream().map(q -> solo(model, q)).toList();
            // when they all go through one engine whose budget forces decode and prefill to share steps
            List<Recorder> batched = new ArrayList<>();
            List<SequenceHandle> handles = new ArrayList<>();
            try (BatchEngine engine = new BatchEngine(model, MIXING)) {
                for (Request q : requests) {
                    Recorder rec = new Recorder();
                    batched.add(rec);
                    handles.add(engine.submit(q.prompt(), q.params(), rec));
                }
                runUntilIdle(engine);
                // then each sequence has its solo tokens and bit-identical logits
                long decodeRows = 0;
                for (int i = 0; i < requests.size(); i++) {
                    GenerationResult got = handles.get(i).result().join();
                    GenerationResult want = alone.get(i).finished;
                    assertArrayEquals(want.tokens(), got.tokens(), "sequence " + i + " on " + kind);
                    assertEquals(want.finishReason(), got.finishReason());
                    assertEquals(requests.get(i).prompt().length, got.promptTokens());
                    int diff = batched.get(i).firstBitwiseDifference(alone.get(i));
                    assertEquals(-1, diff, "sequence " + i + ": logits row " + diff + " differs from the solo run");
                    decodeRows += got.tokenCount() - 1;
                }
                BatchStats stats = engine.stats();
                System.out.printf("%s: %s, fill %.2f, %.1f sequences/step%n", kind, stats, stats.fill(), stats.meanSegmentsPerStep());
                int promptTokens = requests.stream().mapToInt(q -> q.prompt().length).sum();
                assertEquals(promptTokens, stats.tokens().prefilled());
                assertEquals(decodeRows, stats.tokens().decoded());
                assertTrue(stats.mixedSteps() > 0, "no step mixed decode and prefill: " + stats);
                assertTrue(stats.meanSegmentsPerStep() > 2, "steps were not shared: " + stats);
                assertTrue(stats.fill() > 0.5 && stats.fill() <= 1, "fill " + stats.fill());
                assertEquals(new BatchStats.Sequences(0, 0, 16, 0), stats.sequences());
            }
        }
    }

    @Test
    void cancellingMidDecodeStopsOnlyThatSequence() {
        try (Backend backend = new ScalarBackend(); MiniMaxModel model = TinyModel.load(backend)) {
            // given three greedy sequences of 30 tokens, and their solo runs
            SplittableRandom r = new SplittableRandom(3);
            List<Request> requests = List.of(new Request(TinyModel.randomIds(r, 20, 512), SamplingParams.greedy(30)),
                    new Request(TinyModel.randomIds(r, 45, 512), SamplingParams.greedy(30)),
                    new Request(TinyModel.randomIds(r, 9, 512), SamplingParams.greedy(30)));
            List<GenerationResult> alone = requests.stream().map(q -> solo(model, q).finished).toList();
            try (BatchEngine engine = new BatchEngine(model, MIXING)) {
                Recorder b = new Recorder();
                SequenceHandle ha = engine.submit(requests.get(0).prompt(), requests.get(0).params(), GenerationListener.NONE);
                SequenceHandle hb = engine.submit(requests.get(1).prompt(), requests.get(1).params(), b);
                SequenceHandle hc = engine.submit(requests.get(2).prompt(), requests.get(2).params(), GenerationListener.NONE);
                while (b.tokenCount() < 3) {
                    assertTrue(engine.step());
                }
                int activeBefore = engine.stats().sequences().active();
                // when
                assertTrue(hb.cancel());
                engine.step();
                // then it ends at that step with the tokens it had, and its slot is free
                GenerationResult cancelled = hb.result().getNow(null);
                assertEquals(FinishReason.CANCELLED, cancelled.finishReason());
                assertEquals(3, cancelled.tokenCount());
                assertArrayEquals(Arrays.copyOf(alone.get(1).tokens(), 3), cancelled.tokens());
                assertEquals(activeBefore - 1, engine.stats().sequences().active());
                assertFalse(engine.cancel(hb.id()), "a finished sequence cannot be cancelled again");
                runUntilIdle(engine);
                assertArrayEquals(alone.get(0).tokens(), ha.result().join().tokens());
                assertArrayEquals(alone.get(2).tokens(), hc.result().join().tokens());
                assertEquals(1, engine.stats().sequences().cancelled());
            }
        }
    }

    @Test
    void aSequenceCancelledBeforeItsFirstStepEndsWithNoTokens() {
        try (Backend backend = new ScalarBackend(); MiniMaxModel model = TinyModel.load(backend);
             BatchEngine engine = new BatchEngine(model, MIXING)) {
            // given
            SequenceHandle h = engine.submit(new int[] {1, 2, 3}, SamplingParams.greedy(5), GenerationListener.NONE);
            // when
            h.cancel();
            assertFalse(engine.step());
            // then
            GenerationResult r = h.result().join();
            assertEquals(FinishReason.CANCELLED, r.finishReason());
            assertEquals(0, r.tokenCount());
            assertEquals(0, r.prefillNanos());
        }
    }

    @Test
    void aStopTokenEndsASequenceInTheBatch() {
        try (Backend backend = new ScalarBackend(); MiniMaxModel model = TinyModel.load(backend)) {
            // given a greedy run and its 4th token as a stop token
            int[] prompt = TinyModel.randomIds(new SplittableRandom(4), 50, 512);
            int[] free = solo(model, new Request(prompt, SamplingParams.greedy(12))).finished.tokens();
            int stop = free[3];
            int k = Arrays.stream(free).boxed().toList().indexOf(stop);
            try (BatchEngine engine = new BatchEngine(model, MIXING)) {
                SequenceHandle other = engine.submit(prompt, SamplingParams.greedy(12), GenerationListener.NONE);
                // when
                SequenceHandle h = engine.submit(prompt, SamplingParams.greedy(12).withStopTokens(stop), GenerationListener.NONE);
                runUntilIdle(engine);
                // then
                GenerationResult r = h.result().join();
                assertEquals(FinishReason.STOP, r.finishReason());
                assertEquals(OptionalInt.of(stop), r.stopToken());
                assertArrayEquals(Arrays.copyOf(free, k), r.tokens());
                assertArrayEquals(free, other.result().join().tokens());
            }
        }
    }

    @Test
    void submissionsAreCheckedInTheCallersThread() {
        try (Backend backend = new ScalarBackend(); MiniMaxModel model = TinyModel.load(backend);
             BatchEngine engine = new BatchEngine(model, MIXING)) {
            assertEquals("empty prompt", assertThrows(IllegalArgumentException.class,
                    () -> engine.submit(new int[0], SamplingParams.greedy(1), GenerationListener.NONE)).getMessage());
            assertEquals("token id 600 at index 1 is outside the vocabulary [0, 512)", assertThrows(IllegalArgumentException.class,
                    () -> engine.submit(new int[] {5, 600}, SamplingParams.greedy(1), GenerationListener.NONE)).getMessage());
            assertThrows(IllegalArgumentException.class, () -> new BatchConfig(32, 32, 4));
            assertFalse(engine.step(), "nothing was queued");
        }
    }

    @Test
    void theEnginesOwnLoopServesConcurrentSubmittersAndCancels() throws Exception {
        try (Backend backend = new ScalarBackend(); MiniMaxModel model = TinyModel.load(backend)) {
            // given 16 requests and their solo runs
            List<Request> requests = sixteen();
            List<GenerationResult> alone = requests.stream().map(q -> solo(model, q).finished).toList();
            try (BatchEngine engine = new BatchEngine(model, MIXING)) {
                engine.start();
                assertThrows(IllegalStateException.class, engine::step);
                // when virtual threads submit them all at once, and a long sequence is cancelled after its first token
                List<Future<GenerationResult>> results = new ArrayList<>();
                CountDownLatch firstToken = new CountDownLatch(1);
                SequenceHandle long1;
                try (ExecutorService submitters = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (Request q : requests) {
                        results.add(submitters.submit(() -> engine.submit(q.prompt(), q.params(), GenerationListener.NONE)
                                .result().get(120, TimeUnit.SECONDS)));
                    }
                    long1 = engine.submit(new int[] {7, 8, 9}, SamplingParams.greedy(100_000), id -> firstToken.countDown());
                    assertTrue(firstToken.await(120, TimeUnit.SECONDS));
                    long1.cancel();
                    // then
                    for (int i = 0; i < requests.size(); i++) {
                        assertArrayEquals(alone.get(i).tokens(), results.get(i).get().tokens(), "sequence " + i);
                    }
                }
                GenerationResult cancelled = long1.result().get(120, TimeUnit.SECONDS);
                assertEquals(FinishReason.CANCELLED, cancelled.finishReason());
                assertTrue(cancelled.tokenCount() >= 1 && cancelled.tokenCount() < 100_000);
                // and close() cancels whatever is still running
                SequenceHandle endless = engine.submit(new int[] {1}, SamplingParams.greedy(100_000), GenerationListener.NONE);
                engine.close();
                assertEquals(FinishReason.CANCELLED, endless.result().get(120, TimeUnit.SECONDS).finishReason());
                assertThrows(IllegalStateException.class,
                        () -> engine.submit(new int[] {1}, SamplingParams.greedy(1), GenerationListener.NONE));
            }
        }
    }

    @Test
    void aFedStateEqualsTheDirectPrefillOfTheSamePiecesWhileOthersDecodeBesideIt() throws Exception {
        try (Backend backend = new ScalarBackend(); MiniMaxModel model = TinyModel.load(backend)) {
            // given a 300-token document cut into uneven pieces, each prefilled directly in the engine's chunks
            int[] doc = TinyModel.randomIds(new SplittableRandom(7), 300, 512);
            int[] cuts = {0, 10, 32, 64, 100, 128, 250, 300};
            SequenceState direct = model.newSequence();
            Workspace ws = model.workspace(CHUNK, 1);
            PrefillPlan plan = new PrefillPlan(CHUNK);
            for (int c = 0; c + 1 < cuts.length; c++) {
                for (int at = cuts[c]; at < cuts[c + 1]; ) {
                    int n = plan.next(direct.position(), cuts[c + 1] - at);
                    model.forward(List.of(new Segment(direct, doc, at, n, Segment.Logits.NONE)), ws);
                    at += n;
                }
            }
            try (BatchEngine engine = new BatchEngine(model, MIXING)) {
                engine.start();
                // when the same pieces are fed through the running engine while 16 sequences decode in it
                List<SequenceHandle> others = new ArrayList<>();
                for (Request q : sixteen()) {
                    others.add(engine.submit(q.prompt(), q.params(), GenerationListener.NONE));
                }
                SequenceState fed = model.newSequence();
                for (int c = 0; c + 1 < cuts.length; c++) {
                    engine.feed(fed, doc, cuts[c], cuts[c + 1] - cuts[c]).get(120, TimeUnit.SECONDS);
                }
                assertTrue(engine.feed(fed, doc, 0, 0).isDone(), "an empty feed is done at once");
                for (SequenceHandle h : others) {
                    h.result().get(120, TimeUnit.SECONDS);
                }
                // then the state is the direct one: same position, bit-identical logits for the next token
                assertEquals(direct.position(), fed.position());
                int[] next = {5};
                float[] want = model.forward(List.of(new Segment(direct, next, 0, 1, Segment.Logits.LAST)), ws).get(0)[0];
                float[] got = model.forward(List.of(new Segment(fed, next, 0, 1, Segment.Logits.LAST)), ws).get(0)[0];
                assertArrayEquals(want, got);
                assertEquals(300, engine.stats().tokens().prefilled()
                        - sixteen().stream().mapToInt(q -> q.prompt().length).sum(), "the feed's tokens are counted as prefill");
            }
            // and a feed still queued when an engine closes fails instead of hanging its caller
            try (BatchEngine idle = new BatchEngine(model, MIXING)) {
                CompletableFuture<Void> late = idle.feed(model.newSequence(), doc, 0, 300);
                idle.close();
                assertThrows(CancellationException.class, () -> late.get(120, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void anErrorOnTheLoopsThreadFailsEverySequenceAndTheLoopGoesOn() throws Exception {
        try (Backend backend = new ScalarBackend(); MiniMaxModel model = TinyModel.load(backend);
             BatchEngine engine = new BatchEngine(model, MIXING)) {
            engine.start();
            // given a long sequence, and one whose listener throws an Error on its first token
            SequenceHandle bystander = engine.submit(new int[] {1, 2, 3}, SamplingParams.greedy(100_000), GenerationListener.NONE);
            SequenceHandle faulty = engine.submit(new int[] {4, 5}, SamplingParams.greedy(100_000), id -> {
                throw new OutOfMemoryError("thrown by a test listener");
            });
            // then both fail with it instead of waiting on a loop that died
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> faulty.result().get(120, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof OutOfMemoryError, String.valueOf(e.getCause()));
            // the other fails as a bystander, so that its caller can tell it had no part in the Error
            java.util.concurrent.ExecutionException other = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> bystander.result().get(120, TimeUnit.SECONDS));
            StepFailedException besides = assertInstanceOf(StepFailedException.class, other.getCause());
            assertTrue(besides.bystander(), besides.getMessage());
            assertInstanceOf(OutOfMemoryError.class, besides.getCause());
            // and the loop still serves what comes next
            GenerationResult next = engine.submit(new int[] {7}, SamplingParams.greedy(3), GenerationListener.NONE)
                    .result().get(120, TimeUnit.SECONDS);
            assertEquals(3, next.tokenCount());
        }
    }

    /** A scalar backend whose next allocation fails once `failNext` is set, as a full device would. */
    private static Backend failingAllocations(Backend inner, java.util.concurrent.atomic.AtomicBoolean failNext) {
        return (Backend) java.lang.reflect.Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("allocate") && failNext.getAndSet(false)) {
                        throw new IllegalStateException("out of device memory (simulated)");
                    }
                    try {
                        return method.invoke(inner, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** A scalar backend whose softmax attention fails while `fail` is set, leaving the states of that step half advanced. */
    private static Backend failingAttention(Backend inner, java.util.concurrent.atomic.AtomicBoolean fail) {
        return (Backend) java.lang.reflect.Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("softmaxAttention") && fail.get()) {
                        throw new IllegalStateException("device fault (simulated)");
                    }
                    try {
                        return method.invoke(inner, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** A fresh state of `model` that a failed step (its softmax attention failing) left half advanced. */
    private static SequenceState leftUnusable(MiniMaxModel model, java.util.concurrent.atomic.AtomicBoolean fail) {
        SequenceState broken = model.newSequence();
        fail.set(true);
        assertThrows(IllegalStateException.class, () -> model.forward(List.of(Segment.of(broken, new int[] {1, 2})), model.workspace(8, 1)));
        fail.set(false);
        return broken;
    }

    @Test
    void aStateAFailedStepLeftUnusableOrTwoLanesOnOneStateFailOnlyThoseLanes() {
        java.util.concurrent.atomic.AtomicBoolean fail = new java.util.concurrent.atomic.AtomicBoolean();
        try (ScalarBackend scalar = new ScalarBackend(); MiniMaxModel model = TinyModel.load(failingAttention(scalar, fail))) {
            // given a state a failed step left half advanced, and a healthy request's solo run
            SequenceState broken = leftUnusable(model, fail);
            Request healthy = new Request(new int[] {5, 6, 7, 8}, SamplingParams.greedy(6));
            Recorder alone = solo(model, healthy);
            try (BatchEngine engine = new BatchEngine(model, MIXING)) {
                // when it is fed again and continued beside the healthy one, and one fresh state gets two lanes
                CompletableFuture<Void> fedBroken = engine.feed(broken, new int[] {3, 4}, 0, 2);
                SequenceHandle onBroken = engine.submit(broken, new int[] {9}, SamplingParams.greedy(3), GenerationListener.NONE);
                SequenceHandle ok = engine.submit(healthy.prompt(), healthy.params(), GenerationListener.NONE);
                SequenceState shared = model.newSequence();
                CompletableFuture<Void> first = engine.feed(shared, new int[] {10, 11}, 0, 2);
                SequenceHandle second = engine.submit(shared, new int[] {12}, SamplingParams.greedy(2), GenerationListener.NONE);
                runUntilIdle(engine);
                // then only the lanes on the unusable state and the second lane on the shared one fail
                java.util.concurrent.CompletionException e = assertThrows(java.util.concurrent.CompletionException.class, fedBroken::join);
                assertTrue(e.getCause().getMessage().contains("unusable"), e.getCause().getMessage());
                assertTrue(onBroken.result().isCompletedExceptionally());
                first.join();
                e = assertThrows(java.util.concurrent.CompletionException.class, () -> second.result().join());
                assertTrue(e.getCause().getMessage().contains("another sequence"), e.getCause().getMessage());
                // and the healthy one is as it is alone
                assertArrayEquals(alone.finished.tokens(), ok.result().join().tokens());
            }
        }
    }

    @Test
    void aRefusedLaneInTheOnlySlotLeavesItToTheNextWaitingOneAndTheEngineDrains() {
        java.util.concurrent.atomic.AtomicBoolean fail = new java.util.concurrent.atomic.AtomicBoolean();
        try (ScalarBackend scalar = new ScalarBackend(); MiniMaxModel model = TinyModel.load(failingAttention(scalar, fail))) {
            // given one slot, a lane on a state a failed step left unusable, then a healthy request behind it
            SequenceState broken = leftUnusable(model, fail);
            Request healthy = new Request(new int[] {5, 6, 7, 8}, SamplingParams.greedy(4));
            Recorder alone = solo(model, healthy);
            try (BatchEngine engine = new BatchEngine(model, new BatchConfig(CHUNK, CHUNK, 1))) {
                SequenceHandle onBroken = engine.submit(broken, new int[] {9}, SamplingParams.greedy(3), GenerationListener.NONE);
                SequenceHandle ok = engine.submit(healthy.prompt(), healthy.params(), GenerationListener.NONE);
                // when the engine is stepped until step() says there is nothing to run
                runUntilIdle(engine);
                // then the broken lane failed and the healthy one ran, rather than being left waiting
                assertTrue(onBroken.result().isCompletedExceptionally());
                assertTrue(ok.result().isDone(), "step() returned false with a sequence still waiting");
                assertArrayEquals(alone.finished.tokens(), ok.result().join().tokens());
            }
        }
    }

    @Test
    void sequencesOfAFailedStepFailSayingHowManySharedItAndALoneOneWithTheCauseItself() {
        java.util.concurrent.atomic.AtomicBoolean fail = new java.util.concurrent.atomic.AtomicBoolean(true);
        try (ScalarBackend scalar = new ScalarBackend(); MiniMaxModel model = TinyModel.load(failingAttention(scalar, fail));
             BatchEngine engine = new BatchEngine(model, MIXING)) {
            // two prompts packed into one step, which fails
            SequenceHandle a = engine.submit(new int[] {1, 2, 3}, SamplingParams.greedy(2), GenerationListener.NONE);
            SequenceHandle b = engine.submit(new int[] {4, 5}, SamplingParams.greedy(2), GenerationListener.NONE);
            stepsThroughFailures(engine);
            for (SequenceHandle h : List.of(a, b)) {
                java.util.concurrent.CompletionException e = assertThrows(java.util.concurrent.CompletionException.class, () -> h.result().join());
                StepFailedException shared = assertInstanceOf(StepFailedException.class, e.getCause());
                assertEquals(2, shared.sequences());
                assertFalse(shared.bystander(), "it was packed into the step that failed");
                assertTrue(shared.getCause().getMessage().contains("device fault"), shared.getMessage());
            }
            // one alone in its step fails with the cause itself
            SequenceHandle alone = engine.submit(new int[] {6}, SamplingParams.greedy(2), GenerationListener.NONE);
            stepsThroughFailures(engine);
            java.util.concurrent.CompletionException e = assertThrows(java.util.concurrent.CompletionException.class, () -> alone.result().join());
            assertInstanceOf(IllegalStateException.class, e.getCause());
        }
    }

    /** Steps until idle; a step that fails (rethrowing what failed its sequences) is stepped past. */
    private static void stepsThroughFailures(BatchEngine engine) {
        for (int i = 0; i < 100_000; i++) {
            try {
                if (!engine.step()) {
                    return;
                }
            } catch (IllegalStateException stepFailed) {
                // its sequences have failed with it; the engine goes on
            }
        }
        throw new AssertionError("engine did not drain");
    }

    @Test
    void anErrorFromAListenersOnFinishWhileClosingLeavesNoFutureWaiting() {
        try (ScalarBackend backend = new ScalarBackend(); MiniMaxModel model = TinyModel.load(backend)) {
            BatchEngine engine = new BatchEngine(model, MIXING);
            GenerationListener throwing = new GenerationListener() {
                @Override
                public void onToken(int tokenId) {
                }

                @Override
                public void onFinish(GenerationResult result) {
                    throw new AssertionError("thrown by a test listener");
                }
            };
            // given three long sequences under way, the middle one's listener throwing an Error when it ends
            List<SequenceHandle> handles = List.of(
                    engine.submit(new int[] {1, 2}, SamplingParams.greedy(1000), GenerationListener.NONE),
                    engine.submit(new int[] {3, 4}, SamplingParams.greedy(1000), throwing),
                    engine.submit(new int[] {5, 6}, SamplingParams.greedy(1000), GenerationListener.NONE));
            for (int i = 0; i < 3; i++) {
                engine.step();
            }
            // when the engine closes (cancelling every sequence), the Error goes on to the closer
            assertThrows(AssertionError.class, engine::close);
            // and every sequence has ended: the others cancelled, the throwing one with its Error
            for (SequenceHandle h : handles) {
                assertTrue(h.result().isDone(), "a sequence still waits after close");
            }
            assertEquals(FinishReason.CANCELLED, handles.get(0).result().join().finishReason());
            assertEquals(FinishReason.CANCELLED, handles.get(2).result().join().finishReason());
            assertTrue(handles.get(1).result().isCompletedExceptionally());
        }
    }

    @Test
    void aStateOfAnotherModelIsRefusedWhenSubmittedOrFed() {
        try (ScalarBackend backend = new ScalarBackend(); MiniMaxModel model = TinyModel.load(backend);
             MiniMaxModel other = TinyModel.load(backend); BatchEngine engine = new BatchEngine(model, MIXING)) {
            SequenceState theirs = other.newSequence();
            IllegalArgumentException submitted = assertThrows(IllegalArgumentException.class,
                    () -> engine.submit(theirs, new int[] {5}, SamplingParams.greedy(1), GenerationListener.NONE));
            assertTrue(submitted.getMessage().contains("made by another model"), submitted.getMessage());
            assertThrows(IllegalArgumentException.class, () -> engine.feed(theirs, new int[] {5}, 0, 1));
            assertFalse(engine.step(), "nothing was queued");
        }
    }

    @Test
    void aFeedOfASliceOutsideItsArrayIsRefusedNotPaddedWithIdZero() {
        try (ScalarBackend backend = new ScalarBackend(); MiniMaxModel model = TinyModel.load(backend);
             BatchEngine engine = new BatchEngine(model, MIXING)) {
            assertThrows(IndexOutOfBoundsException.class, () -> engine.feed(model.newSequence(), new int[10], 5, 10));
        }
    }

    @Test
    void aSequenceWhoseStateCannotBeAllocatedFailsAndTheNextOneRuns() {
        java.util.concurrent.atomic.AtomicBoolean failNext = new java.util.concurrent.atomic.AtomicBoolean();
        try (ScalarBackend scalar = new ScalarBackend(); MiniMaxModel model = TinyModel.load(failingAllocations(scalar, failNext));
             BatchEngine engine = new BatchEngine(model, MIXING)) {
            failNext.set(true);
            SequenceHandle lost = engine.submit(new int[] {1, 2, 3}, SamplingParams.greedy(2), GenerationListener.NONE);
            SequenceHandle next = engine.submit(new int[] {4, 5, 6}, SamplingParams.greedy(2), GenerationListener.NONE);
            while (engine.step()) {
                // drain
            }
            assertTrue(lost.result().isCompletedExceptionally(), "its state could not be made: it fails, not waits for ever");
            assertEquals(2, next.result().join().tokens().length);
        }
    }

    @Test
    void anErrorWhileForkingBranchesEndsThemAndTheRestOfTheStepIsStillAccountedFor() {
        try (ScalarBackend backend = new ScalarBackend(); MiniMaxModel model = TinyModel.load(backend)) {
            BatchConfig config = new BatchConfig(40, 8, 6);
            int[] other = TinyModel.randomIds(new SplittableRandom(5), 20, 512);
            GenerationResult alone;
            try (BatchEngine engine = new BatchEngine(model, config)) {
                SequenceHandle h = engine.submit(other, SamplingParams.greedy(4), GenerationListener.NONE);
                while (engine.step()) {
                    // drain
                }
                alone = h.result().join();
            }
            try (BatchEngine engine = new BatchEngine(model, config)) {
                // given a branched request whose empty-suffix branch's listener throws an Error on
                // its first token, and another prompt prefilling in the same step after it
                GenerationListener throwing = id -> {
                    throw new AssertionError("a listener's bug");
                };
                List<SequenceHandle> branches = engine.submitBranched(new int[] {1, 2, 3, 4, 5}, List.of(
                        new BranchRequest(new int[0], SamplingParams.greedy(3), throwing),
                        new BranchRequest(new int[] {7}, SamplingParams.greedy(3), GenerationListener.NONE)));
                SequenceHandle beside = engine.submit(other, SamplingParams.greedy(4), GenerationListener.NONE);
                // when the step forks the branches
                assertThrows(AssertionError.class, engine::step);
                // then both branches have ended, failed, rather than waiting for ever
                assertTrue(branches.get(0).result().isCompletedExceptionally());
                assertTrue(branches.get(1).result().isCompletedExceptionally());
                // and the prompt beside them goes on from where the step left it: its chunk is not fed twice
                while (engine.step()) {
                    // drain
                }
                GenerationResult got = beside.result().join();
                assertArrayEquals(alone.tokens(), got.tokens());
                assertEquals(5 + other.length, engine.stats().tokens().prefilled(), "every prompt token prefilled once");
            }
        }
    }
}
