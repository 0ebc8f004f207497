/*
 * The extractive digest: sentences copied verbatim from the document, chosen by a pretrained
 * sentence encoder, so a result says something true about the document even when the model's own
 * summary is noise (the bundled random-weight model). Over the candidates (see Candidates):
 *
 *   e_i          = encoder(sentence_i), unit length                        // [n][dim]
 *   c            = mean_i e_i                                              // the document's centroid
 *   centrality_i = cos(e_i, c), rescaled to [0,1] over the candidates      // how typical of the whole
 *   salience_i   = centrality_i + BOOST_WEIGHT * boost_i                   // boost_i in [0,1] from Signals
 *   MMR: repeatedly take argmax_i  LAMBDA * salience_i - (1 - LAMBDA) * max_{j chosen} cos(e_i, e_j)
 *
 * until the word budget is spent (Budget: a share of the document's words, within bounds). LAMBDA =
 * 0.7 weighs salience over novelty as Carbonell & Goldstein's and most later extractive work does.
 * MMR alone does not stop a line that dominates the document (a heartbeat repeated thousands of
 * times) from being taken again and again, so a candidate within DUPLICATE cosine of a chosen one is
 * never taken. BOOST_WEIGHT = 1: a full analyzer boost is worth the whole spread of centrality, so
 * an error line or a termination clause can outrank the most typical sentence. A sentence that
 * does not fit the remaining budget is passed over for a shorter one; the first pick always fits.
 * The digest lists its sentences in document order, one per line, or separated by a blank line when
 * one of them spans lines, so each can be found in the document as written.
 */
package dev.longhaul.pipeline.analyze.digest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

public final class Digest {
    /** MMR trade-off between salience (1) and novelty (0). */
    public static final double LAMBDA = 0.7;
    /** How much a full analyzer boost adds to the rescaled centrality (which spans [0, 1]). */
    public static final double BOOST_WEIGHT = 1.0;
    /** Cosine at or above which a candidate repeats a chosen sentence. */
    public static final double DUPLICATE = 0.95;

    /**
     * The digest's length in words: RATIO of the document's words, at least MIN_WORDS and at most
     * MAX_WORDS. RATIO 0.25 is one global choice (human summaries of contracts and reports run at a
     * quarter of their source or less); the bounds keep short texts readable and long ones brief.
     */
    public record Budget(double ratio, int minWords, int maxWords) {
        public static final Budget DEFAULT = new Budget(0.25, 12, 200);

        public Budget {
            if (!(ratio > 0 && ratio <= 1) || minWords < 1 || maxWords < minWords) {
                throw new IllegalArgumentException("bad digest budget " + ratio + " " + minWords + " " + maxWords);
            }
        }

        public int words(long documentWords) {
            return (int) Math.clamp(Math.round(ratio * documentWords), minWords, maxWords);
        }
    }

    /** The chosen sentences (document order) and the digest text built from them. */
    public record Result(List<Sentence> sentences, String text) {
        static Result of(List<Sentence> chosen) {
            List<Sentence> ordered = new ArrayList<>(chosen);
            ordered.sort(Comparator.comparingLong(Sentence::offset));
            boolean spansLines = ordered.stream().anyMatch(s -> s.text().indexOf('\n') >= 0);
            List<String> texts = ordered.stream().map(Sentence::text).toList();
            return new Result(List.copyOf(ordered), String.join(spansLines ? "\n\n" : "\n", texts));
        }
    }

    private final Encoder encoder;
    private final Budget budget;

    public Digest(Encoder encoder, Budget budget) {
        this.encoder = encoder;
        this.budget = budget;
    }

    /** The digest of a document whose candidates were collected in {@code candidates}. */
    public Result build(Candidates candidates) {
        List<Sentence> s = candidates.sentences();
        int n = s.size();
        if (n == 0) {
            return new Result(List.of(), "");
        }
        float[][] e = encoder.encode(s.stream().map(Sentence::text).toList());
        float[] centroid = new float[encoder.dimension()];
        for (float[] v : e) {
            for (int d = 0; d < centroid.length; d++) {
                centroid[d] += v[d] / n;
            }
        }
        double centroidNorm = Math.sqrt(dot(centroid, centroid));
        double[] centrality = new double[n];
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            centrality[i] = centroidNorm == 0 ? 0 : dot(e[i], centroid) / centroidNorm;
            lo = Math.min(lo, centrality[i]);
            hi = Math.max(hi, centrality[i]);
        }
        double[] salience = new double[n];
        for (int i = 0; i < n; i++) {
            double scaled = hi > lo ? (centrality[i] - lo) / (hi - lo) : 1;
            salience[i] = scaled + BOOST_WEIGHT * candidates.boost(s.get(i));
        }
        return Result.of(mmr(s, e, salience, budget.words(candidates.documentWords())));
    }

    /** Greedy MMR under a word budget. */
    private static List<Sentence> mmr(List<Sentence> s, float[][] e, double[] salience, int words) {
        int n = s.size();
        boolean[] taken = new boolean[n];
        double[] maxSim = new double[n];     // max cos to a chosen sentence; 0 before the first pick
        List<Sentence> chosen = new ArrayList<>();
        int left = words;
        while (true) {
            int best = -1;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                int w = s.get(i).words();
                if (taken[i] || maxSim[i] >= DUPLICATE || (!chosen.isEmpty() && w > left)) {
                    continue;
                }
                double score = LAMBDA * salience[i] - (1 - LAMBDA) * maxSim[i];
                if (score > bestScore) {
                    bestScore = score;
                    best = i;
                }
            }
            if (best < 0) {
                return chosen;
            }
            taken[best] = true;
            chosen.add(s.get(best));
            left -= s.get(best).words();
            for (int i = 0; i < n; i++) {
                maxSim[i] = Math.max(maxSim[i], dot(e[i], e[best]));
            }
        }
    }

    /** Sentences in rank order, taken while they fit the budget (the first always); for the baselines. */
    static List<Sentence> fill(List<Sentence> ranked, int words) {
        List<Sentence> chosen = new ArrayList<>();
        int left = words;
        for (Sentence s : ranked) {
            if (chosen.isEmpty() || s.words() <= left) {
                chosen.add(s);
                left -= s.words();
            }
        }
        return chosen;
    }

    static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
