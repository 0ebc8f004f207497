/*
 * SchemaConstraint through Completion without a model: a vocabulary of the 256 byte tokens, a stop
 * token and multi-byte tokens that cross JSON structure (`"},{"`, `":"`, half of a CJK character,
 * escapes), fed random logits and sampled at temperature 1 over many seeds and token budgets down
 * to the schema's shortest output. Every output must be complete, parse and validate; the budget
 * may only ever end one that is already complete.
 */
package dev.longhaul.engine.constrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.generate.Completion;
import dev.longhaul.engine.generate.FinishReason;
import dev.longhaul.engine.generate.GenerationListener;
import dev.longhaul.engine.generate.GenerationResult;
import dev.longhaul.engine.generate.SamplingParams;
import dev.longhaul.engine.generate.Timings;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ConstrainedCompletionTest {
    static final int STOP = 256;
    private static final String[] MULTI = {"{\"", "\":\"", "\",\"", "\":", "\"}", "\"},{\"", "true", "false", "null",
        "12", "0.5", "e+", "-", "name", "age", "nick", "items", "\"k\":", " the", "中", "\\\"", "\\u00", "]", "],\"",
        "[{\"", "abc", "\"]", "\",", ",\"", "\"ok\":true}", "é", "\n", "ab\"", "\"b\\\"c\""};

    /** The byte tokens, the stop token (no bytes), the multi-byte tokens and two byte fragments. */
    static TokenVocabulary vocabulary() {
        List<byte[]> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(new byte[] {(byte) b});
        }
        tokens.add(null);
        for (String m : MULTI) {
            tokens.add(m.getBytes(StandardCharsets.UTF_8));
        }
        tokens.add(new byte[] {(byte) 0xE4, (byte) 0xB8});
        tokens.add(new byte[] {(byte) 0xAD, '"'});
        return new TokenVocabulary(tokens.toArray(byte[][]::new));
    }

    /** The check every decoding test relies on refuses output that runs on past one complete value. */
    @Test
    void theValidityCheckRefusesTrailingOutput() {
        String fields = "{\"parties\": \"A and B\", \"term\": \"2y\"}";
        Schemas.assertValid(Schemas.FIELDS, fields);
        for (String runOn : List.of(fields + "}", fields + fields, fields + " x")) {
            assertThrows(AssertionError.class, () -> Schemas.assertValid(Schemas.FIELDS, runOn), runOn);
        }
    }

    @Test
    void randomLogitsAlwaysGiveValidJson() {
        TokenVocabulary vocab = vocabulary();
        int outputs = 0;
        int forced = 0;
        for (String schema : Schemas.ALL) {
            JsonGrammar grammar = JsonGrammar.compile(schema);
            SchemaConstraint constraint = new SchemaConstraint(grammar, vocab);
            int shortest = grammar.shortestLength();
            for (int budget : new int[] {shortest, shortest + 3, shortest + 20, 200}) {
                for (long seed = 0; seed < 40; seed++) {
                    // given random logits and a budget that may be too short for what the draws begin
                    SamplingParams params = SamplingParams.sampled(1.0, seed % 2 == 0 ? 1.0 : 0.9, seed, budget)
                            .withStopTokens(STOP).withConstraint(constraint);
                    // when decoding
                    GenerationResult r = run(params, vocab.size(), new SplittableRandom(seed * 31 + budget));
                    // then the output is complete JSON of the schema
                    String text = text(vocab, r.tokens());
                    Schemas.assertValid(schema, text);
                    assertTrue(r.tokenCount() <= budget);
                    outputs++;
                    forced += r.tokenCount() == budget ? 1 : 0;
                }
            }
        }
        assertEquals(4 * 4 * 40, outputs);
        assertTrue(forced > 0, "some outputs should have used the whole budget");
    }

    @Test
    void withoutAStopTokenTheOutputEndsWhenTheGrammarIsComplete() {
        TokenVocabulary vocab = vocabulary();
        SchemaConstraint constraint = new SchemaConstraint(JsonGrammar.compile(Schemas.FIELDS), vocab);
        GenerationResult r = run(SamplingParams.sampled(1.0, 1.0, 5, 500).withConstraint(constraint), vocab.size(),
                new SplittableRandom(5));
        Schemas.assertValid(Schemas.FIELDS, text(vocab, r.tokens()));
        assertEquals(FinishReason.STOP, r.finishReason());
        assertTrue(r.stopToken().isEmpty());
    }

    @Test
    void aTopLevelNumberWithoutAStopTokenEndsWhenNothingElseFitsItsBudget() {
        // given a number schema, no stop token, and two tokens: after "0" nothing may follow in one
        // token (no leading zeros; "0." needs a digit too), so the output must end there
        TokenVocabulary vocab = vocabulary();
        SchemaConstraint constraint = new SchemaConstraint(JsonGrammar.compile("{\"type\":\"number\"}"), vocab);
        TokenConstraint c = constraint.start(2, java.util.Set.of());
        c.restrict(new float[vocab.size()]);
        c.accept('0');
        assertTrue(c.complete(), "\"0\" is a whole document and nothing fits after it");
        // and sampled runs of such a schema always end with a number, never with no allowed token
        for (int seed = 0; seed < 200; seed++) {
            GenerationResult r = run(SamplingParams.sampled(1.0, 1.0, seed, 1 + seed % 12).withConstraint(constraint),
                    vocab.size(), new SplittableRandom(seed));
            Schemas.assertValid("{\"type\":\"number\"}", text(vocab, r.tokens()));
        }
    }

    @Test
    void aHugeLengthBoundDoesNotOverflowTheBudgetCheck() {
        // an optional property no output can hold: its cost saturates instead of wrapping negative,
        // so a budget of four tokens never starts it and always ends with a whole object
        String schema = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"minLength\":2147483647}}}";
        TokenVocabulary vocab = vocabulary();
        SchemaConstraint constraint = new SchemaConstraint(JsonGrammar.compile(schema), vocab);
        for (int seed = 0; seed < 100; seed++) {
            GenerationResult r = run(SamplingParams.sampled(1.0, 1.0, seed, 4).withConstraint(constraint), vocab.size(),
                    new SplittableRandom(seed));
            assertEquals(FinishReason.STOP, r.finishReason(), "seed " + seed + ": " + text(vocab, r.tokens()));
            assertEquals("{}", text(vocab, r.tokens()).replaceAll("\\s", ""));
        }
    }

    @Test
    void aBudgetBelowTheShortestOutputIsRefusedUpFront() {
        JsonGrammar grammar = JsonGrammar.compile(Schemas.PERSON);
        SchemaConstraint constraint = new SchemaConstraint(grammar, vocabulary());
        SamplingParams params = SamplingParams.greedy(grammar.shortestLength() - 1).withConstraint(constraint);
        assertThrows(IllegalArgumentException.class, () -> new Completion(params, GenerationListener.NONE));
    }

    @Test
    void aVocabularyWithoutEveryByteTokenIsRefused() {
        byte[][] bytes = new byte[255][];
        for (int b = 0; b < 255; b++) {
            bytes[b] = new byte[] {(byte) b};
        }
        assertThrows(IllegalArgumentException.class, () -> new TokenVocabulary(bytes));
    }

    @Test
    void statesThatNoTokenCanTellApartShareOneCachedMask() {
        // given a long unbounded string, decoded one byte token at a time
        TokenVocabulary vocab = vocabulary();
        SchemaConstraint constraint = new SchemaConstraint(JsonGrammar.compile("{\"type\":\"string\"}"), vocab);
        TokenConstraint c = constraint.start(1000, java.util.Set.of(STOP));
        float[] row = new float[vocab.size()];
        c.restrict(row);
        c.accept('"');
        for (int i = 0; i < 100; i++) {
            c.restrict(new float[vocab.size()]);
            c.accept('x');
        }
        // then the trie was walked for the opening state and the body state only
        assertEquals(2, constraint.cacheCounters()[0]);
        assertEquals(101, constraint.cacheCounters()[1]);
    }

    /** Drives one Completion with fresh random logits per step, as a model would. */
    static GenerationResult run(SamplingParams params, int vocab, SplittableRandom logitsRandom) {
        Completion c = new Completion(params, GenerationListener.NONE);
        float[] row = new float[vocab];
        do {
            for (int i = 0; i < vocab; i++) {
                row[i] = (float) (3 * logitsRandom.nextGaussian());
            }
        } while (c.accept(row.clone()));
        return c.result(0, new Timings(0, 0, 0));
    }

    static String text(TokenVocabulary vocab, int[] tokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : tokens) {
            out.writeBytes(vocab.bytes(id));
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
