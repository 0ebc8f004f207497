/* Generator over minimax-tiny: golden greedy continuations, stop tokens, seeds, cancellation, prompt checks. */
package dev.longhaul.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.engine.cpu.ScalarBackend;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.SequenceState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GeneratorTest {
    private static final IntConsumer NOTHING = id -> {
    };
    private static ScalarBackend backend;
    private static MiniMaxModel model;

    @BeforeAll
    static void load() {
        backend = new ScalarBackend();
        model = TinyModel.load(backend);
    }

    @AfterAll
    static void close() {
        model.close();
        backend.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 16, 64})
    void greedyContinuationsMatchTheGoldenCases(int prefillChunk) throws IOException {
        // given every case of minimax-tiny with its 8 greedy tokens
        JsonNode cases = new ObjectMapper().readTree(TinyModel.dir("minimax-tiny").resolve("cases.json").toFile());
        Generator generator = new Generator(model, prefillChunk);
        for (JsonNode c : cases.get("cases")) {
            int[] prompt = ints(c.get("input_ids"));
            int[] want = ints(c.get("greedy_tokens"));
            List<Integer> streamed = new ArrayList<>();
            // when
            GenerationResult r = generator.generate(prompt, SamplingParams.greedy(want.length), streamed::add);
            // then
            assertArrayEquals(want, r.tokens(), c.get("name").asText() + " with chunk " + prefillChunk);
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(prompt.length, r.promptTokens());
            assertEquals(Arrays.stream(want).boxed().toList(), streamed);
        }
    }

    @Test
    void aStopTokenEndsGenerationAndIsNotEmitted() {
        // given a greedy run and its 5th token as a stop token
        int[] prompt = TinyModel.randomIds(new SplittableRandom(5), 23, 512);
        Generator generator = new Generator(model, 8);
        int[] free = generator.generate(prompt, SamplingParams.greedy(12), NOTHING).tokens();
        int stop = free[4];
        int k = Arrays.stream(free).boxed().toList().indexOf(stop);
        Recorder rec = new Recorder();
        // when
        GenerationResult r = generator.stream(prompt, SamplingParams.greedy(12).withStopTokens(stop, 511 - stop), rec);
        // then
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(OptionalInt.of(stop), r.stopToken());
        assertArrayEquals(Arrays.copyOf(free, k), r.tokens());
        assertFalse(rec.tokens.contains(stop));
        assertEquals(k + 1, rec.logits.size(), "the stop token was sampled from its own logits row");
        assertEquals(r, rec.finished);
    }

    @Test
    void seededSamplingIsReproducibleAndTinyTopPIsGreedy() {
        // given
        int[] prompt = TinyModel.randomIds(new SplittableRandom(6), 40, 512);
        Generator generator = new Generator(model, 16);
        SamplingParams p = SamplingParams.sampled(1.0, 0.95, 99, 16);
        // when
        int[] a = generator.generate(prompt, p, NOTHING).tokens();
        int[] b = generator.generate(prompt, p, NOTHING).tokens();
        int[] c = generator.generate(prompt, p.withSeed(100), NOTHING).tokens();
        int[] tiny = generator.generate(prompt, SamplingParams.sampled(1.0, 1e-9, 3, 16), NOTHING).tokens();
        int[] greedy = generator.generate(prompt, SamplingParams.greedy(16), NOTHING).tokens();
        // then
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c), "seeds 99 and 100 drew the same 16 tokens");
        assertArrayEquals(greedy, tiny);
    }

    @Test
    void cancelStopsBeforeTheNextStepAndKeepsTheTokens() {
        // given a listener that cancels after the third token
        int[] prompt = TinyModel.randomIds(new SplittableRandom(7), 10, 512);
        Generator generator = new Generator(model, 4);
        int[] free = generator.generate(prompt, SamplingParams.greedy(20), NOTHING).tokens();
        List<Integer> seen = new ArrayList<>();
        // when
        GenerationResult r = generator.generate(prompt, SamplingParams.greedy(20), id -> {
            seen.add(id);
            if (seen.size() == 3) {
                generator.cancel();
            }
        });
        // then
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertArrayEquals(Arrays.copyOf(free, 3), r.tokens());
        assertTrue(r.prefillNanos() > 0);
    }

    @Test
    void promptsAreCheckedBeforeAnyCompute() {
        Generator generator = new Generator(model, 4);
        assertEquals("empty prompt", assertThrows(IllegalArgumentException.class,
                () -> generator.generate(new int[0], SamplingParams.greedy(1), NOTHING)).getMessage());
        assertEquals("token id 512 at index 2 is outside the vocabulary [0, 512)", assertThrows(IllegalArgumentException.class,
                () -> generator.generate(new int[] {1, 2, 512}, SamplingParams.greedy(1), NOTHING)).getMessage());
        assertEquals("token id -1 at index 0 is outside the vocabulary [0, 512)", assertThrows(IllegalArgumentException.class,
                () -> generator.generate(new int[] {-1}, SamplingParams.greedy(1), NOTHING)).getMessage());
    }

    @Test
    void continuingASnapshotEqualsGeneratingFromScratchAtAChunkBoundary() {
        // given a prefix of two whole chunks prefilled once (one token sampled, none fed)
        int[] prefix = TinyModel.randomIds(new SplittableRandom(8), 32, 512);
        int[] suffix = TinyModel.randomIds(new SplittableRandom(9), 11, 512);
        int[] whole = Arrays.copyOf(prefix, prefix.length + suffix.length);
        System.arraycopy(suffix, 0, whole, prefix.length, suffix.length);
        Generator generator = new Generator(model, 16);
        SequenceState state = model.newSequence();
        generator.continueFrom(state, prefix, SamplingParams.greedy(1), GenerationListener.NONE);
        assertEquals(prefix.length, state.position());
        Recorder branch = new Recorder();
        Recorder again = new Recorder();
        Recorder scratch = new Recorder();
        // when two branches continue snapshots, and one run starts from scratch
        GenerationResult a = generator.continueFrom(state.snapshot(), suffix, SamplingParams.greedy(6), branch);
        GenerationResult b = generator.continueFrom(state.snapshot(), suffix, SamplingParams.greedy(6), again);
        GenerationResult c = generator.stream(whole, SamplingParams.greedy(6), scratch);
        // then all three agree bitwise and the original state is untouched
        assertArrayEquals(c.tokens(), a.tokens());
        assertArrayEquals(c.tokens(), b.tokens());
        assertEquals(-1, branch.firstBitwiseDifference(scratch));
        assertEquals(-1, again.firstBitwiseDifference(scratch));
        assertEquals(whole.length, a.promptTokens());
        assertEquals(prefix.length, state.position());
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }
}
