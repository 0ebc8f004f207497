/*
 * ROUGE F1 of a candidate summary against one reference (Lin 2004), over Words tokens with no
 * stemming and no stop-word removal. ROUGE-N: matches are clipped n-gram counts (an n-gram counts
 * at most as often as it occurs in the other text); P = matches / candidate n-grams, R = matches /
 * reference n-grams. ROUGE-L: the longest common subsequence of the two token sequences taken
 * whole (summary level, no sentence split); P = LCS / candidate tokens, R = LCS / reference tokens.
 * F1 = 2PR / (P + R), and 0 when either side has no n-gram.
 */
package dev.longhaul.pipeline.analyze.digest;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

public final class Rouge {
    /** F1 of ROUGE-1, ROUGE-2 and ROUGE-L, each in [0, 1]. */
    public record Scores(double rouge1, double rouge2, double rougeL) {
        public Scores plus(Scores o) {
            return new Scores(rouge1 + o.rouge1, rouge2 + o.rouge2, rougeL + o.rougeL);
        }

        public Scores over(int n) {
            return n == 0 ? this : new Scores(rouge1 / n, rouge2 / n, rougeL / n);
        }
    }

    private Rouge() {}

    public static Scores score(String candidate, String reference) {
        List<String> c = Words.of(candidate);
        List<String> r = Words.of(reference);
        return new Scores(rougeN(c, r, 1), rougeN(c, r, 2), rougeL(c, r));
    }

    static double rougeN(List<String> candidate, List<String> reference, int n) {
        Map<String, Integer> ref = ngrams(reference, n);
        Map<String, Integer> cand = ngrams(candidate, n);
        int matches = 0;
        for (Map.Entry<String, Integer> e : cand.entrySet()) {
            matches += Math.min(e.getValue(), ref.getOrDefault(e.getKey(), 0));
        }
        return f1(matches, Math.max(0, candidate.size() - n + 1), Math.max(0, reference.size() - n + 1));
    }

    static double rougeL(List<String> candidate, List<String> reference) {
        return f1(lcs(candidate, reference), candidate.size(), reference.size());
    }

    /** Length of the longest common subsequence; two rows of the DP table, O(|a||b|) time. */
    static int lcs(List<String> a, List<String> b) {
        int[] prev = new int[b.size() + 1];
        int[] cur = new int[b.size() + 1];
        for (int i = 1; i <= a.size(); i++) {
            for (int j = 1; j <= b.size(); j++) {
                cur[j] = a.get(i - 1).equals(b.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.size()];
    }

    private static Map<String, Integer> ngrams(List<String> words, int n) {
        Map<String, Integer> out = new HashMap<>();
        for (int i = 0; i + n <= words.size(); i++) {
            out.merge(String.join(" ", words.subList(i, i + n)), 1, Integer::sum);
        }
        return out;
    }

    private static double f1(int matches, int candidateTotal, int referenceTotal) {
        if (matches == 0 || candidateTotal == 0 || referenceTotal == 0) {
            return 0;
        }
        double p = (double) matches / candidateTotal;
        double r = (double) matches / referenceTotal;
        return 2 * p * r / (p + r);
    }
}
