/*
 * How an analysis is scored against CUAD labels, field by field. The rule per field:
 *  - parties (one item per party): gold parties are the entries of the label answer, split at ";",
 *    each entry's name being its text before the first bracket or quote (entries with no name, and
 *    entries that define the collective term, '... (individually a "Party" ...)', are dropped). A predicted party matches an unmatched gold party
 *    when their names' token F1 > TEXT_MATCH, or the predicted name is that party's defined term;
 *    matching is one-to-one, in predicted order. tp = matches, fp = unmatched predictions, fn =
 *    unmatched gold parties.
 *  - agreement/effective/expiration date (one item per document): gold is the answer read as a date
 *    (m/d/yy with [] for blanks; a date with no known part counts as no date) or "perpetual";
 *    prediction and gold match when every known part agrees and they know the same parts (complete
 *    dates may differ by one day: anniversary vs day before), or both are perpetual.
 *  - governing law: the answer, or any of its ";"-separated parts, has token F1 > TEXT_MATCH with the
 *    predicted jurisdiction.
 *  - renewal term, notice period to terminate renewal: some length in the answer equals the predicted
 *    length (12 months = 1 year; "successive" is ignored).
 *  - yes/no clause categories: the category is predicted present iff the label says Yes.
 * Per document and single-valued field: a match is a tp; a prediction that does not match is a fp,
 * and also a fn when there was gold; gold with no prediction is a fn; neither is a true negative.
 * Tokens: lower-cased letter/digit runs minus STOP words; token F1 = 2|P∩G| / (|P| + |G|) over sets.
 */
package dev.longhaul.pipeline.analyze.contracts;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class ContractScoring {
    /** Strictly above: at exactly 0.5 two-word names sharing one word ("New Jersey", "New York") would match. */
    public static final double TEXT_MATCH = 0.5;
    private static final Set<String> STOP = Set.of("the", "of", "and", "a", "an", "state", "commonwealth", "province", "laws",
            "law", "its", "dba", "d", "b");
    /** Label entries that define the collective term ("X and Y (individually a "Party" ...)") name no new party. */
    private static final Pattern COLLECTIVE = Pattern.compile("\\b(?:individually|collectively|together they)\\b",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern QUOTED = Pattern.compile("[\"\u201c\u201d]([^\"\u201c\u201d]{1,60})[\"\u201c\u201d]");

    /** One field's counts, summed over documents. */
    public record Counts(int tp, int fp, int fn) {
        public static final Counts ZERO = new Counts(0, 0, 0);

        public Counts plus(Counts o) {
            return new Counts(tp + o.tp, fp + o.fp, fn + o.fn);
        }

        /** 1.0 when nothing was predicted: no prediction was wrong. */
        public double precision() {
            return tp + fp == 0 ? 1.0 : (double) tp / (tp + fp);
        }

        /** 1.0 when there was nothing to find. */
        public double recall() {
            return tp + fn == 0 ? 1.0 : (double) tp / (tp + fn);
        }

        public double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
        }
    }

    private ContractScoring() {}

    public static Counts parties(List<Party> predicted, CuadLabels.Label gold) {
        record GoldParty(String name, List<String> aliases) {}
        List<GoldParty> golds = new ArrayList<>();
        for (String entry : gold.answer().split(";")) {
            int cut = entry.length();
            for (char c : new char[] {'(', '"', '\u201c'}) {
                int i = entry.indexOf(c);
                cut = i >= 0 ? Math.min(cut, i) : cut;
            }
            String name = entry.substring(0, cut).replaceAll("[\\s,]+$", "").strip();
            if (name.length() < 2 || COLLECTIVE.matcher(entry).find()) {
                continue;
            }
            List<String> aliases = new ArrayList<>();
            Matcher q = QUOTED.matcher(entry);
            while (q.find()) {
                aliases.add(q.group(1).strip());
            }
            golds.add(new GoldParty(name, aliases));
        }
        boolean[] used = new boolean[golds.size()];
        int tp = 0;
        for (Party p : predicted) {
            for (int i = 0; i < golds.size(); i++) {
                GoldParty g = golds.get(i);
                boolean aliasHit = g.aliases().stream().anyMatch(a -> a.equalsIgnoreCase(p.name()));
                if (!used[i] && (tokenF1(p.name(), g.name()) > TEXT_MATCH || aliasHit)) {
                    used[i] = true;
                    tp++;
                    break;
                }
            }
        }
        return new Counts(tp, predicted.size() - tp, golds.size() - tp);
    }

    public static Counts date(Finding predicted, CuadLabels.Label gold) {
        String answer = gold.answer().strip();
        boolean goldPerpetual = answer.equalsIgnoreCase(Finding.PERPETUAL);
        Optional<ContractDate> goldDate = ContractDate.parse(answer)
                .filter(d -> d.year() != null || d.month() != null || d.day() != null);
        boolean hasGold = goldPerpetual || goldDate.isPresent();
        if (predicted == null) {
            return single(false, false, hasGold);
        }
        boolean match;
        if (predicted.value().equalsIgnoreCase(Finding.PERPETUAL)) {
            match = goldPerpetual;
        } else {
            Optional<ContractDate> p = ContractDate.parse(predicted.value());
            match = p.isPresent() && goldDate.isPresent() && p.get().sameAs(goldDate.get());
        }
        return single(true, match, hasGold);
    }

    public static Counts text(Finding predicted, CuadLabels.Label gold) {
        String answer = gold.answer().strip();
        boolean hasGold = !answer.isEmpty();
        if (predicted == null) {
            return single(false, false, hasGold);
        }
        boolean match = hasGold && (tokenF1(predicted.value(), answer) > TEXT_MATCH
                || Arrays.stream(answer.split(";")).anyMatch(part -> tokenF1(predicted.value(), part) > TEXT_MATCH));
        return single(true, match, hasGold);
    }

    public static Counts length(Finding predicted, CuadLabels.Label gold) {
        String answer = gold.answer().strip();
        List<TermLength> golds = TermLength.parseAll(answer);
        boolean goldPerpetual = answer.equalsIgnoreCase(Finding.PERPETUAL);
        boolean hasGold = !golds.isEmpty() || goldPerpetual;
        if (predicted == null) {
            return single(false, false, hasGold);
        }
        Optional<TermLength> p = TermLength.parse(predicted.value());
        boolean match = p.isPresent() ? golds.stream().anyMatch(g -> g.sameLength(p.get()))
                : goldPerpetual && predicted.value().equalsIgnoreCase(Finding.PERPETUAL);
        return single(true, match, hasGold);
    }

    public static Counts yesNo(boolean predicted, CuadLabels.Label gold) {
        boolean yes = gold.yes();
        return single(predicted, predicted && yes, yes);
    }

    private static Counts single(boolean predicted, boolean match, boolean hasGold) {
        if (match) {
            return new Counts(1, 0, 0);
        }
        return new Counts(0, predicted ? 1 : 0, hasGold ? 1 : 0);
    }

    public static double tokenF1(String predicted, String gold) {
        Set<String> p = tokens(predicted);
        Set<String> g = tokens(gold);
        if (p.isEmpty() || g.isEmpty()) {
            return 0.0;
        }
        Set<String> common = new HashSet<>(p);
        common.retainAll(g);
        return 2.0 * common.size() / (p.size() + g.size());
    }

    static Set<String> tokens(String text) {
        Set<String> out = new HashSet<>();
        for (String t : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (!t.isEmpty() && !STOP.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }
}
