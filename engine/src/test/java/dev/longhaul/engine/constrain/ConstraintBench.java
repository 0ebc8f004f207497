/*
 * Benchmark, never run by `mvn test` (no Test suffix): the cost of SchemaConstraint.restrict per
 * decode step over a seeded synthetic vocabulary the size of MiniMax-01's (200,064 ids: the 256
 * byte tokens plus word-like tokens of 2 to 12 bytes, some with a leading space, digits,
 * punctuation or CJK characters, some cut inside a character). Reports the trie walk (a cache
 * miss) in a string body and at a structural position, and the mean per step over whole outputs
 * decoded from random logits, with how many steps missed the cache.
 * Run: java -cp <engine test and main classes and dependencies> dev.longhaul.engine.constrain.ConstraintBench
 */
package dev.longhaul.engine.constrain;

import dev.longhaul.engine.generate.Completion;
import dev.longhaul.engine.generate.GenerationListener;
import dev.longhaul.engine.generate.SamplingParams;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;

public final class ConstraintBench {
    private static final int VOCAB = 200_064;

    private ConstraintBench() {
    }

    public static void main(String[] args) {
        long t0 = System.nanoTime();
        TokenVocabulary vocab = new TokenVocabulary(syntheticVocabulary(new SplittableRandom(42)));
        System.out.printf(Locale.ROOT, "vocabulary: %,d ids, %,d trie nodes, built in %.0f ms%n", vocab.size(), vocab.nodes,
                (System.nanoTime() - t0) / 1e6);
        JsonGrammar grammar = JsonGrammar.compile(Schemas.NESTED);
        // warm-up, then the walks themselves
        for (int i = 0; i < 5; i++) {
            walkCost(grammar, vocab, "{\"id\":\"a\",\"items\":[{\"k\":\"");
        }
        System.out.printf(Locale.ROOT, "walk in a string body:      %.2f ms%n", walkCost(grammar, vocab, "{\"id\":\"a\",\"items\":[{\"k\":\""));
        System.out.printf(Locale.ROOT, "walk at a structural point: %.2f ms%n", walkCost(grammar, vocab, "{\"id\":\"a\",\"items\":[{\"k\":\"ab\""));
        for (String schema : Schemas.ALL) {
            SchemaConstraint c = new SchemaConstraint(JsonGrammar.compile(schema), vocab);
            long steps = 0;
            long nanos = 0;
            for (long seed = 0; seed < 20; seed++) {
                SamplingParams p = SamplingParams.sampled(1.0, 1.0, seed, 120).withStopTokens(256).withConstraint(c);
                Completion completion = new Completion(p, GenerationListener.NONE);
                SplittableRandom logits = new SplittableRandom(seed);
                float[] row = new float[VOCAB];
                boolean going = true;
                while (going) {
                    for (int i = 0; i < VOCAB; i++) {
                        row[i] = (float) (3 * logits.nextGaussian());
                    }
                    long s = System.nanoTime();
                    going = completion.accept(row);
                    nanos += System.nanoTime() - s;
                    steps++;
                }
            }
            long[] counters = c.cacheCounters();
            System.out.printf(Locale.ROOT, "%-60.60s %,6d steps, %.2f ms/step (restrict + sampling), %d walks%n",
                    schema.replaceAll("\\s+", " "), steps, nanos / 1e6 / steps, counters[0]);
        }
    }

    private static double walkCost(JsonGrammar grammar, TokenVocabulary vocab, String prefix) {
        SchemaConstraint c = new SchemaConstraint(grammar, vocab);
        Frame f = grammar.start();
        for (byte b : prefix.getBytes(StandardCharsets.UTF_8)) {
            f = f.feed(b & 0xFF);
        }
        long s = System.nanoTime();
        SchemaConstraint.Allowed a = c.allowed(f);
        double ms = (System.nanoTime() - s) / 1e6;
        if (a.ids().length == 0) {
            throw new IllegalStateException("nothing allowed after " + prefix);
        }
        return ms;
    }

    private static byte[][] syntheticVocabulary(SplittableRandom random) {
        byte[][] bytes = new byte[VOCAB][];
        for (int b = 0; b < 256; b++) {
            bytes[b] = new byte[] {(byte) b};
        }
        String letters = "etaoinshrdlcumwfgypbvkjxqz";
        String other = "0123456789.,:;\"'{}[]()-_/\\!?";
        for (int id = 257; id < VOCAB; id++) {
            StringBuilder t = new StringBuilder();
            if (random.nextInt(2) == 0) {
                t.append(' ');
            }
            int length = 2 + random.nextInt(10);
            int kind = random.nextInt(20);
            for (int i = 0; i < length; i++) {
                if (kind == 0) {
                    t.append((char) (0x4E00 + random.nextInt(0x5000)));
                } else if (kind == 1) {
                    t.append(other.charAt(random.nextInt(other.length())));
                } else {
                    t.append(letters.charAt(Math.min(letters.length() - 1, (int) Math.abs(random.nextGaussian() * 8))));
                }
            }
            byte[] b = t.toString().getBytes(StandardCharsets.UTF_8);
            // one CJK token in three is cut before its last byte, as byte-level BPE vocabularies do
            bytes[id] = kind == 0 && id % 3 == 0 ? java.util.Arrays.copyOf(b, b.length - 1) : b;
        }
        return bytes;
    }
}
