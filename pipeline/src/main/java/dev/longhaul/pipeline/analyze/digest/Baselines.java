/*
 * The two baselines the digest is measured against, under the same word budget and sentences:
 *   lead:     the first sentences of the document;
 *   TextRank: Mihalcea & Tarau (2004) without embeddings: sentences are nodes, an edge weighs the
 *             words two sentences share, |W_i ∩ W_j| / (log|W_i| + log|W_j|) over their word sets,
 *             and a sentence's rank is its PageRank (damping 0.85, iterated to a change below 1e-6
 *             or 100 rounds); the highest ranked are taken.
 * Both list their sentences in document order, like the digest.
 */
package dev.longhaul.pipeline.analyze.digest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

public final class Baselines {
    private static final double DAMPING = 0.85;

    private Baselines() {}

    public static Digest.Result lead(List<Sentence> sentences, int words) {
        return Digest.Result.of(Digest.fill(sentences, words));
    }

    public static Digest.Result textRank(List<Sentence> sentences, int words) {
        double[] rank = textRankScores(sentences);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < sentences.size(); i++) {
            order.add(i);
        }
        // Highest rank first; ties go to the earlier sentence.
        order.sort(Comparator.comparingDouble((Integer i) -> -rank[i]).thenComparingInt(i -> i));
        return Digest.Result.of(Digest.fill(order.stream().map(sentences::get).toList(), words));
    }

    static double[] textRankScores(List<Sentence> sentences) {
        int n = sentences.size();
        List<Set<String>> words = new ArrayList<>();
        for (Sentence s : sentences) {
            words.add(new HashSet<>(Words.of(s.text())));
        }
        double[][] w = new double[n][n];
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                w[i][j] = w[j][i] = overlap(words.get(i), words.get(j));
            }
            for (int j = 0; j < n; j++) {
                out[i] += w[i][j];
            }
        }
        double[] rank = new double[n];
        java.util.Arrays.fill(rank, 1.0 / Math.max(1, n));
        for (int round = 0; round < 100; round++) {
            double[] next = new double[n];
            double change = 0;
            for (int i = 0; i < n; i++) {
                double in = 0;
                for (int j = 0; j < n; j++) {
                    if (w[j][i] > 0) {
                        in += w[j][i] / out[j] * rank[j];
                    }
                }
                next[i] = (1 - DAMPING) / n + DAMPING * in;
                change += Math.abs(next[i] - rank[i]);
            }
            rank = next;
            if (change < 1e-6) {
                break;
            }
        }
        return rank;
    }

    private static double overlap(Set<String> a, Set<String> b) {
        double norm = Math.log(a.size()) + Math.log(b.size());
        if (norm <= 0) {
            return 0; // two one-word sentences: log 1 + log 1 = 0, no defined similarity
        }
        int common = 0;
        for (String x : a) {
            if (b.contains(x)) {
                common++;
            }
        }
        return common / norm;
    }
}
