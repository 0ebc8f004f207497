/*
 * Constrained decoding on random-weight models, end to end through the tokenizer: the golden
 * minimax-tiny and a synthesized xs model, temperature sampling over many seeds and every schema
 * of Schemas, with the eos stop token and a budget that is sometimes too short for the draws. Every
 * output, decoded by TextTokenizer, must parse and validate. The batch engine, given the same
 * requests, must honour the constraint too and give the same tokens as Generator.
 */
package dev.longhaul.engine.constrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.batch.BatchConfig;
import dev.longhaul.engine.batch.BatchEngine;
import dev.longhaul.engine.batch.SequenceHandle;
import dev.longhaul.engine.checkpoint.DType;
import dev.longhaul.engine.cpu.ScalarBackend;
import dev.longhaul.engine.generate.GenerationListener;
import dev.longhaul.engine.generate.GenerationResult;
import dev.longhaul.engine.generate.Generator;
import dev.longhaul.engine.generate.SamplingParams;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.synth.ModelSynth;
import dev.longhaul.engine.synth.SynthSpec;
import dev.longhaul.engine.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConstrainedDecodingTest {
    private static final int SEEDS = 12;
    private static final String PROMPT = "Read the contract and answer in JSON.\n";

    @TempDir
    static Path synthDir;
    private static ScalarBackend backend;

    @BeforeAll
    static void start() {
        backend = new ScalarBackend();
        ModelSynth.write(synthDir, SynthSpec.of("xs", 7, DType.F32));
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    @Test
    void goldenTinyModelAlwaysWritesValidJson() {
        assertEquals(Schemas.ALL.size() * SEEDS, decodeAll(SharedData.minimaxTiny()));
    }

    @Test
    void synthesizedXsModelAlwaysWritesValidJson() {
        assertEquals(Schemas.ALL.size() * SEEDS, decodeAll(synthDir));
    }

    @Test
    void theBatchEngineHonoursTheConstraintAndMatchesGenerator() {
        try (TextTokenizer tokenizer = TextTokenizer.load(synthDir);
             MiniMaxModel model = MiniMaxModel.load(synthDir, backend, MiniMaxModel.RopeMode.PARTIAL)) {
            TokenVocabulary vocab = TokenVocabulary.of(tokenizer);
            int[] prompt = tokenizer.encode(PROMPT);
            List<SamplingParams> requests = new ArrayList<>();
            List<String> schemas = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String schema = Schemas.ALL.get(i % Schemas.ALL.size());
                schemas.add(schema);
                requests.add(params(schema, vocab, tokenizer, i, 60));
            }
            // given the same constrained requests, alone and batched
            Generator generator = new Generator(model, 16);
            List<GenerationResult> alone = new ArrayList<>();
            for (SamplingParams p : requests) {
                alone.add(generator.generate(prompt, p, id -> { }));
            }
            try (BatchEngine engine = new BatchEngine(model, new BatchConfig(32, 16, 6))) {
                List<SequenceHandle> handles = new ArrayList<>();
                for (SamplingParams p : requests) {
                    handles.add(engine.submit(prompt, p, GenerationListener.NONE));
                }
                while (engine.step()) {
                    // step until every sequence is done
                }
                // then the batch gives the same valid outputs
                for (int i = 0; i < handles.size(); i++) {
                    GenerationResult got = handles.get(i).result().join();
                    assertArrayEquals(alone.get(i).tokens(), got.tokens(), "request " + i);
                    Schemas.assertValid(schemas.get(i), tokenizer.decode(got.tokens()));
                }
            }
        }
    }

    /** Decodes every schema with SEEDS seeds on the model in dir; returns how many outputs were checked. */
    private static int decodeAll(Path dir) {
        int checked = 0;
        try (TextTokenizer tokenizer = TextTokenizer.load(dir);
             MiniMaxModel model = MiniMaxModel.load(dir, backend, MiniMaxModel.RopeMode.PARTIAL)) {
            TokenVocabulary vocab = TokenVocabulary.of(tokenizer);
            Generator generator = new Generator(model, 16);
            int[] prompt = tokenizer.encode(PROMPT);
            for (String schema : Schemas.ALL) {
                for (int seed = 0; seed < SEEDS; seed++) {
                    // a third of the budgets are barely above the shortest output: the closing path is forced
                    int budget = seed % 3 == 0 ? JsonGrammar.compile(schema).shortestLength() + 4 : 80;
                    GenerationResult r = generator.generate(prompt, params(schema, vocab, tokenizer, seed, budget), id -> { });
                    Schemas.assertValid(schema, tokenizer.decode(r.tokens()));
                    checked++;
                }
            }
        }
        return checked;
    }

    private static SamplingParams params(String schema, TokenVocabulary vocab, TextTokenizer tokenizer, long seed, int budget) {
        SamplingParams p = SamplingParams.sampled(seed % 2 == 0 ? 1.0 : 0.7, seed % 4 < 2 ? 1.0 : 0.9, seed, budget)
                .withConstraint(new SchemaConstraint(JsonGrammar.compile(schema), vocab));
        return p.withStopTokens(tokenizer.eosTokenId().orElseThrow());
    }
}
