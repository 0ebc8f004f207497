/*
 * The two Loghub benchmark scores of a template miner against labelled lines.
 *
 * Grouping accuracy (GA, Zhu et al., ICSE-SEIP 2019): a line is parsed correctly when the set of
 * lines its predicted template groups together is exactly the set its true event groups together;
 * GA is the share of such lines. Template ids and texts play no part.
 *
 * Parsing accuracy (PA, message level, the measure of Loghub-2.0 with a looser normalisation): a
 * line is correct when its predicted template equals its true template after both went through
 * normalise(): whitespace runs become one space, and any run of wildcards joined only by
 * punctuation or spaces (`<*>.<*>`, `<*>:<*>`, `<*> <*>`) becomes one `<*>`. The ground truth
 * splits variables where a miner cannot know to (a version `<*>.<*>.<*>` against one `<*>`);
 * constant words and punctuation must still match. Loghub-2.0's own correction joins fewer runs
 * (not `<*> <*>`, for one), so this PA reads higher than theirs would: paExact, with whitespace
 * runs the only thing normalised, is reported beside it as the strict end. Pure functions.
 */
package dev.longhaul.pipeline.analyze.logs;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

public final class TemplateAccuracy {
    /** GA and PA of one labelled log, each in [0, 1]. */
    public record Scores(double ga, double pa, double paExact, int lines) {}

    /** Possessive: a greedy group's repetitions recurse, and a line of 10,000 wildcards overflowed the stack. */
    private static final Pattern WILDCARD_RUN = Pattern.compile("<\\*>(?:[^A-Za-z0-9<]*+<\\*>)++");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private TemplateAccuracy() {}

    /**
     * Scores predictions line by line: index i of every list is the same log line. Ids are any
     * labels that are equal exactly for lines of the same group.
     */
    public static Scores score(List<String> trueIds, List<String> trueTemplates,
            List<Integer> predictedIds, List<String> predictedTemplates) {
        int n = trueIds.size();
        if (trueTemplates.size() != n || predictedIds.size() != n || predictedTemplates.size() != n) {
            throw new IllegalArgumentException("all four lists must have one entry per line");
        }
        if (n == 0) {
            return new Scores(0, 0, 0, 0);
        }
        Map<String, Integer> trueSize = new HashMap<>();
        Map<Integer, Integer> predictedSize = new HashMap<>();
        // A predicted group is right when all its lines share one true id and that id has no other line.
        Map<Integer, String> predictedTruth = new HashMap<>();
        Map<Integer, Boolean> pure = new HashMap<>();
        for (int i = 0; i < n; i++) {
            trueSize.merge(trueIds.get(i), 1, Integer::sum);
            int p = predictedIds.get(i);
            predictedSize.merge(p, 1, Integer::sum);
            String prior = predictedTruth.putIfAbsent(p, trueIds.get(i));
            if (prior != null && !prior.equals(trueIds.get(i))) {
                pure.put(p, false);
            }
        }
        int grouped = 0;
        int parsed = 0;
        int exact = 0;
        for (int i = 0; i < n; i++) {
            int p = predictedIds.get(i);
            if (pure.getOrDefault(p, true) && predictedSize.get(p).equals(trueSize.get(trueIds.get(i)))) {
                grouped++;
            }
            if (normalise(predictedTemplates.get(i)).equals(normalise(trueTemplates.get(i)))) {
                parsed++;
            }
            if (spaced(predictedTemplates.get(i)).equals(spaced(trueTemplates.get(i)))) {
                exact++;
            }
        }
        return new Scores((double) grouped / n, (double) parsed / n, (double) exact / n, n);
    }

    /** The form both templates are compared in; see the class comment. */
    public static String normalise(String template) {
        return WILDCARD_RUN.matcher(spaced(template)).replaceAll(TokenMasker.WILDCARD);
    }

    /** The template with its whitespace runs as one space, the only normalisation paExact makes. */
    static String spaced(String template) {
        return SPACES.matcher(template.strip()).replaceAll(" ");
    }
}
