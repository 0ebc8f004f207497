/*
 * The one salience ranking of the project: it picks the sentences of the extractive digest and the
 * passages of the worker's context-budget view, over a bounded candidate set (see Candidates), so
 * its cost does not grow with the document. Over the candidates, in document order:
 *
 *   e_i          = encoder(sentence_i), unit length                     // [n][dim]
 *   c            = mean_i e_i                                           // the candidates' centroid
 *   centrality_i = cos(e_i, c)                                          // how typical of the whole
 *   lexical_i    = n * textrank_i                                       // shared words, 1 on average
 *   salience_i   = centrality_i + LEXICAL * lexical_i + position * 1/(1+i) + BOOST * boost_i
 *   MMR: repeatedly take argmax_i  LAMBDA * salience_i - (1 - LAMBDA) * max_{j chosen} cos(e_i, e_j)
 *
 * until the capacity is spent, each candidate costing what its caller counts (words for the digest,
 * bytes for the view). Centrality is the raw cosine, not rescaled over the candidates: with two
 * sentences both lie exactly as far from their centroid, and a min-max rescale turned that rounding
 * noise into a whole unit of salience. The lexical term is TextRank's score (Baselines): the
 * defined terms a contract repeats ("trading items") are shared words the encoder smooths over.
 * The position prior is the lead bias of openings (the digest's candidates begin with the
 * document's first sentences); the view's middle has no opening, so it passes 0. LAMBDA = 0.7
 * weighs salience over novelty as Carbonell & Goldstein's and most later extractive work does;
 * a candidate within DUPLICATE cosine of a chosen one is never taken, so a line that dominates a
 * log is taken once. BOOST = 1: a full analyzer boost (an error burst, a termination clause) is
 * worth more than the whole spread of centrality. A candidate that does not fit the remaining
 * capacity is passed over for a smaller one; the first pick always fits.
 */
package dev.longhaul.pipeline.analyze.digest;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

public final class Salience {
    /** MMR trade-off between salience (1) and novelty (0). */
    public static final double LAMBDA = 0.7;
    /** Weight of a full analyzer boost. */
    public static final double BOOST = 1.0;
    /** Weight of the lexical (TextRank) centrality, 1 on average over the candidates. */
    public static final double LEXICAL = 0.1;
    /** Cosine at or above which a candidate repeats a chosen one. */
    public static final double DUPLICATE = 0.95;
    /** Weight of the position prior for candidates that start with the document's opening. */
    public static final double OPENING = 0.1;

    private final Encoder encoder;
    private final double position;

    /** A ranking with the encoder and a position prior weight (OPENING, or 0 where there is no opening). */
    public Salience(Encoder encoder, double position) {
        this.encoder = encoder;
        this.position = position;
    }

    /** The candidates chosen under {@code capacity}, each costing {@code cost}, in document order. */
    public List<Sentence> choose(Candidates candidates, ToLongFunction<Sentence> cost, long capacity) {
        List<Sentence> s = candidates.sentences();
        if (s.isEmpty()) {
            return List.of();
        }
        float[][] e = encoder.encode(s.stream().map(Sentence::text).toList());
        double[] salience = scores(s, e, candidates);
        List<Sentence> chosen = mmr(s, e, salience, cost, capacity);
        chosen.sort(java.util.Comparator.comparingLong(Sentence::offset));
        return chosen;
    }

    /** salience_i of every candidate, as the header states. */
    double[] scores(List<Sentence> s, float[][] e, Candidates candidates) {
        int n = s.size();
        float[] centroid = new float[encoder.dimension()];
        for (float[] v : e) {
            for (int d = 0; d < centroid.length; d++) {
                centroid[d] += v[d] / n;
            }
        }
        double centroidNorm = Math.sqrt(dot(centroid, centroid));
        double[] textRank = Baselines.textRankScores(s);
        double[] salience = new double[n];
        for (int i = 0; i < n; i++) {
            double centrality = centroidNorm == 0 ? 0 : dot(e[i], centroid) / centroidNorm;
            salience[i] = centrality + LEXICAL * n * textRank[i] + position / (1 + i)
                    + BOOST * candidates.boost(s.get(i));
        }
        return salience;
    }

    /** Greedy MMR under a capacity. */
    private static List<Sentence> mmr(List<Sentence> s, float[][] e, double[] salience,
                                      ToLongFunction<Sentence> cost, long capacity) {
        int n = s.size();
        long[] costs = new long[n];
        for (int i = 0; i < n; i++) {
            costs[i] = cost.applyAsLong(s.get(i));
        }
        boolean[] taken = new boolean[n];
        double[] maxSim = new double[n];     // max cos to a chosen candidate; 0 before the first pick
        List<Sentence> chosen = new ArrayList<>();
        long left = capacity;
        while (true) {
            int best = -1;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                if (taken[i] || maxSim[i] >= DUPLICATE || (!chosen.isEmpty() && costs[i] > left)) {
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
            left -= costs[best];
            for (int i = 0; i < n; i++) {
                maxSim[i] = Math.max(maxSim[i], dot(e[i], e[best]));
            }
        }
    }

    static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
