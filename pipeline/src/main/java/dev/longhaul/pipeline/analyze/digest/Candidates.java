/*
 * The bounded set of sentences a digest is chosen from, filled as a document streams past, so that
 * encoding cost and memory do not grow with the document. Every sentence is offered once, in order,
 * at O(log salient) cost; at most head + salient + sample (Bounds) are kept:
 *   - the first `head` sentences, because openings state what a document is;
 *   - the `salient` sentences with the highest analyzer boost (> 0), because signals such as an
 *     error burst or a termination clause can sit anywhere;
 *   - a uniform sample of `sample` of the rest (reservoir sampling, fixed seed, so reruns agree), so
 *     the centroid the encoder ranks against reflects the whole document and not only its start.
 * Documents with at most head + salient + sample sentences therefore keep every sentence. The word
 * count of the whole document is kept too: the digest's length budget is relative to it.
 * Bounds.DIGEST (32 + 32 + 64, with MAX_SENTENCE chars each: about 0.7 s of MiniLM on one core and
 * 200 KB) serves the digest; the worker's view sizes its own to its passage budget.
 */
package dev.longhaul.pipeline.analyze.digest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;

public final class Candidates {
    /** How many sentences of each kind are kept. */
    public record Bounds(int head, int salient, int sample) {
        public static final Bounds DIGEST = new Bounds(32, 32, 64);

        public Bounds {
            if (head < 0 || salient < 0 || sample < 0) {
                throw new IllegalArgumentException("negative candidate bounds " + head + " " + salient + " " + sample);
            }
        }

        public int total() {
            return head + salient + sample;
        }
    }

    private static final long SEED = 0x5eed_d16e57L;

    private record Boosted(Sentence sentence, double boost) {}

    private final Signals signals;
    private final Bounds bounds;
    private final List<Sentence> head = new ArrayList<>();
    private final PriorityQueue<Boosted> salient = new PriorityQueue<>(
            Comparator.comparingDouble(Boosted::boost).thenComparing(b -> -b.sentence().offset()));
    private final List<Sentence> sample = new ArrayList<>();
    private final Map<Long, Double> boosts = new LinkedHashMap<>();
    private final Random random = new Random(SEED);
    private long sampled;        // sentences offered to the reservoir
    private long sentences;
    private long words;

    public Candidates(Signals signals) {
        this(signals, Bounds.DIGEST);
    }

    public Candidates(Signals signals, Bounds bounds) {
        this.signals = signals;
        this.bounds = bounds;
    }

    /** The next sentence of the document. */
    public void offer(Sentence s) {
        sentences++;
        words += s.words();
        double boost = Math.clamp(signals.boost(s), 0.0, 1.0);
        if (head.size() < bounds.head()) {
            head.add(s);
            remember(s, boost);
            return;
        }
        if (boost > 0) {
            salient.add(new Boosted(s, boost));
            if (salient.size() <= bounds.salient()) {
                remember(s, boost);
                return;
            }
            Boosted out = salient.poll();
            if (out.sentence() != s) {
                boosts.remove(out.sentence().offset());
                remember(s, boost);
                s = out.sentence(); // the displaced one competes for the sample instead
                boost = out.boost();
            }
        }
        sampled++;
        if (sample.size() < bounds.sample()) {
            sample.add(s);
            remember(s, boost);
        } else {
            long j = (long) (random.nextDouble() * sampled);
            if (j < bounds.sample()) {
                boosts.remove(sample.get((int) j).offset());
                sample.set((int) j, s);
                remember(s, boost);
            }
        }
    }

    private void remember(Sentence s, double boost) {
        boosts.put(s.offset(), boost);
    }

    /** The kept sentences in document order. */
    public List<Sentence> sentences() {
        List<Sentence> out = new ArrayList<>(head);
        for (Boosted b : salient) {
            out.add(b.sentence());
        }
        out.addAll(sample);
        out.sort(Comparator.comparingLong(Sentence::offset));
        return out;
    }

    /** The analyzer boost of a kept sentence, in [0, 1]. */
    public double boost(Sentence s) {
        return boosts.getOrDefault(s.offset(), 0.0);
    }

    /** Sentences offered in all. */
    public long offered() {
        return sentences;
    }

    /** Words in the whole document (every offered sentence). */
    public long documentWords() {
        return words;
    }
}
