/*
 * The task branches of an order decoded in one batch give each branch the tokens it gets alone.
 * Given a document prefilled into one state (the golden tiny model, scalar backend) and branches
 * like an order's (a summary, field extractions under a schema constraint, a sampled one), when
 * BranchDecoder decodes them together, then every branch equals Generator.continueFrom on a
 * snapshot, and equals the same decoder with one slot (branches one after another); the document
 * state is left as it was. When the stop flag rises mid-batch, the call returns empty, every
 * branch ends CANCELLED, and the engine is empty and decodes the next order as if fresh. The
 * engine runs its own step loop, as in a worker; progress reaches the caller on its own thread.
 */
package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.batch.BatchConfig;
import dev.longhaul.engine.batch.BatchEngine;
import dev.longhaul.engine.batch.BatchStats;
import dev.longhaul.engine.constrain.JsonGrammar;
import dev.longhaul.engine.constrain.SchemaConstraint;
import dev.longhaul.engine.constrain.TokenVocabulary;
import dev.longhaul.engine.cpu.ScalarBackend;
import dev.longhaul.engine.generate.GenerationResult;
import dev.longhaul.engine.generate.Generator;
import dev.longhaul.engine.generate.SamplingParams;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.Segment;
import dev.longhaul.engine.model.SequenceState;
import dev.longhaul.engine.tokenizer.TextTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BranchDecoderTest {
    private static final int CHUNK = 16;
    private static final int DOCUMENT_TOKENS = 70;
    private static final int OUTPUT = 12;

    private static ScalarBackend backend;
    private static MiniMaxModel model;
    private static TextTokenizer tokenizer;

    @BeforeAll
    static void load() {
        backend = new ScalarBackend();
        model = MiniMaxModel.load(SharedData.minimaxTiny(), backend, MiniMaxModel.RopeMode.PARTIAL);
        tokenizer = TextTokenizer.load(SharedData.minimaxTiny());
    }

    @AfterAll
    static void close() {
        tokenizer.close();
        model.close();
        backend.close();
    }

    @Test
    void batchedBranchesEqualEachBranchAlone() throws Exception {
        // given a prefilled document and an order's branches
        SequenceState document = document(new SplittableRandom(11));
        int position = document.position();
        List<BranchDecoder.Branch> branches = branches();
        // when they decode in one batch of four slots, and in a batch of one slot
        List<GenerationResult> batched = decode(4, document, branches, () -> false).orElseThrow();
        List<GenerationResult> oneByOne = decode(1, document, branches, () -> false).orElseThrow();
        // then each branch has the tokens it has alone, and the document state is untouched
        Generator generator = new Generator(model, CHUNK);
        for (int i = 0; i < branches.size(); i++) {
            BranchDecoder.Branch b = branches.get(i);
            GenerationResult alone = generator.continueFrom(document.snapshot(), b.instruction(), b.params(), id -> { });
            assertArrayEquals(alone.tokens(), batched.get(i).tokens(), "branch " + i + " batched vs alone");
            assertArrayEquals(alone.tokens(), oneByOne.get(i).tokens(), "branch " + i + " one slot vs alone");
            assertEquals(alone.promptTokens(), batched.get(i).promptTokens(), "branch " + i + " prompt tokens");
            assertEquals(alone.finishReason(), batched.get(i).finishReason(), "branch " + i + " finish");
        }
        for (int i = 1; i < branches.size() - 1; i++) {
            new ObjectMapper().readTree(tokenizer.decodeSkippingSpecial(batched.get(i).tokens())); // constrained: parses
        }
        assertEquals(position, document.position(), "the document state is not advanced");
    }

    @Test
    void stopMidBatchCancelsEveryBranchAndLeavesTheEngineEmpty() {
        SequenceState document = document(new SplittableRandom(12));
        // given branches that would decode for ever (no stop token, no bound worth the name)
        List<BranchDecoder.Branch> endless = new ArrayList<>();
        for (String instruction : List.of("Go on.", "Say more.", "Continue the text.")) {
            endless.add(new BranchDecoder.Branch(tokenizer.encode(instruction), SamplingParams.greedy(1_000_000)));
        }
        List<BranchDecoder.Branch> branches = branches();
        try (BatchEngine engine = started(4)) {
            BranchDecoder decoder = new BranchDecoder(engine);
            // and a stop flag that rises once the decoder reports three tokens decoded between them
            // (its progress callback, on this thread, so however long the instructions' prefill)
            AtomicLong decoded = new AtomicLong();
            // when the batch decodes
            Optional<List<GenerationResult>> stopped = decoder.decode(document, endless, () -> decoded.get() >= 3, decoded::set);
            // then the call is empty, every branch was cancelled, nothing is left in the engine
            assertTrue(stopped.isEmpty(), "a stopped batch has no results");
            BatchStats stats = settled(engine, endless.size());
            assertEquals(endless.size(), stats.sequences().cancelled(), "every branch cancelled: " + stats);
            assertEquals(0, stats.sequences().active() + stats.sequences().waiting(), "nothing left: " + stats);
            // each branch's first token comes from its prefill step, the rest from decode steps
            // (what stats count as decoded): tokens heard ≤ decode steps + branches
            assertTrue(decoded.get() >= 3 && stats.tokens().decoded() > 0
                    && decoded.get() <= stats.tokens().decoded() + endless.size(), "stopped once decoding: " + decoded + " tokens, " + stats);
            // and the next order on the same engine decodes as on a fresh one
            List<GenerationResult> next = decoder.decode(document, branches, () -> false).orElseThrow();
            List<GenerationResult> fresh = decode(4, document, branches, () -> false).orElseThrow();
            for (int i = 0; i < branches.size(); i++) {
                assertArrayEquals(fresh.get(i).tokens(), next.get(i).tokens(), "branch " + i + " after a stopped batch");
            }
        }
    }

    @Test
    void anErrorInOneBranchFailsTheOrderWithItNotAsABystanderOfItsOwnError() {
        SequenceState document = document(new SplittableRandom(13));
        // given two branches, the second's constraint failing with an Error on its third token
        java.util.concurrent.atomic.AtomicInteger restricts = new java.util.concurrent.atomic.AtomicInteger();
        dev.longhaul.engine.constrain.TokenConstraint.Factory poisoned = (max, stops) -> new dev.longhaul.engine.constrain.TokenConstraint() {
            @Override
            public void restrict(float[] logits) {
                if (restricts.incrementAndGet() == 3) {
                    throw new OutOfMemoryError("constraint out of memory (test)");
                }
            }

            @Override
            public void accept(int tokenId) { }

            @Override
            public boolean complete() {
                return false;
            }
        };
        List<BranchDecoder.Branch> branches = List.of(
                new BranchDecoder.Branch(tokenizer.encode("Go on."), SamplingParams.greedy(1_000)),
                new BranchDecoder.Branch(tokenizer.encode("Say more."), SamplingParams.greedy(1_000).withConstraint(poisoned)));
        try (BatchEngine engine = started(4)) {
            // when they decode, the first fails as the Error's bystander and the second with the Error
            Throwable e = org.junit.jupiter.api.Assertions.assertThrows(Throwable.class,
                    () -> new BranchDecoder(engine).decode(document, branches, () -> false));
            // then the order fails with its own Error, which a worker does not run again
            assertTrue(dev.longhaul.pipeline.Failures.find(e, OutOfMemoryError.class).isPresent(), String.valueOf(e));
            assertTrue(dev.longhaul.pipeline.Failures.find(e, dev.longhaul.engine.batch.StepFailedException.class).isEmpty(),
                    "failed as a bystander of its own branch: " + e);
            org.junit.jupiter.api.Assertions.assertFalse(Worker.mayPass(e));
        }
    }

    private static Optional<List<GenerationResult>> decode(int slots, SequenceState document, List<BranchDecoder.Branch> branches,
                                                           BooleanSupplier stop) {
        try (BatchEngine engine = started(slots)) {
            return new BranchDecoder(engine).decode(document, branches, stop);
        }
    }

    /** The engine's stats once `finished` sequences show (they are published at the end of the step that ended them). */
    private static BatchStats settled(BatchEngine engine, int finished) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        BatchStats stats = engine.stats();
        while (stats.sequences().finished() < finished && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            stats = engine.stats();
        }
        return stats;
    }

    private static BatchEngine started(int slots) {
        BatchEngine engine = new BatchEngine(model, config(slots));
        engine.start();
        return engine;
    }


    private static BatchConfig config(int slots) {
        return new BatchConfig(CHUNK + slots - 1, CHUNK, slots);
    }

    /** Random document tokens prefilled in CHUNK steps, as OrderRunner's prefill does. */
    private static SequenceState document(SplittableRandom random) {
        int[] ids = new int[DOCUMENT_TOKENS];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(model.config().vocabSize());
        }
        SequenceState state = model.newSequence();
        var workspace = model.workspace(CHUNK, 1);
        for (int from = 0; from < ids.length; from += CHUNK) {
            int n = Math.min(CHUNK, ids.length - from);
            model.forward(List.of(new Segment(state, ids, from, n, Segment.Logits.NONE)), workspace);
        }
        return state;
    }

    /** A summary, two schema-constrained extractions (instructions of different lengths) and a sampled branch. */
    private static List<BranchDecoder.Branch> branches() {
        TokenVocabulary vocabulary = TokenVocabulary.of(tokenizer);
        List<BranchDecoder.Branch> out = new ArrayList<>();
        out.add(new BranchDecoder.Branch(tokenizer.encode(Prompts.summarize(dev.longhaul.schemas.DocumentKind.TEXT)),
                SamplingParams.greedy(OUTPUT)));
        for (List<String> fields : List.of(List.of("first error"), List.of("parties", "term", "governing law"))) {
            JsonGrammar grammar = JsonGrammar.compile(OrderRunner.fieldsSchema(fields));
            out.add(new BranchDecoder.Branch(tokenizer.encode(Prompts.extractFields(fields)),
                    SamplingParams.greedy(grammar.shortestLength() + OUTPUT).withConstraint(new SchemaConstraint(grammar, vocabulary))));
        }
        out.add(new BranchDecoder.Branch(tokenizer.encode("Say one thing."), SamplingParams.sampled(0.9, 0.95, 5, OUTPUT)));
        return out;
    }
}
