/*
 * Parties from the preamble. Contracts name their parties once, near the top, in one of two
 * drafting shapes:
 *   1. "This Agreement is made ... by and between X, a Delaware corporation ("X"), and Y ..." (also
 *      "between", "among", "BETWEEN: X AND: Y"): the text after the connective, up to the recitals,
 *      is split at top-level "and" / ";" (never inside parentheses or quotes), and each piece's name
 *      is its opening run up to the first descriptor (", a ...", "(", " having", " located", ...).
 *   2. A letter or a form without "between": names immediately followed by a defined term in
 *      parentheses, NAME, a ... corporation (the "Company"), in the first part of the document.
 * The alias is the first quoted defined term in the piece. Names must look like names: start with a
 * capital or digit, at most MAX_NAME_WORDS words, not a generic noun phrase ("the parties").
 */
package dev.longhaul.pipeline.analyze.contracts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class PartyExtractor {
    /** How far into the document a preamble may start: cover pages and tables of contents come first. */
    static final int PREAMBLE_WINDOW = 40_000;
    private static final int MAX_NAME_WORDS = 12;
    /** Shape 2 looks only this far: further down, "NAME ("Term")" defines products and third parties. */
    private static final int DEFINED_TERMS_WINDOW = 3_000;
    private static final int MAX_PARTY_TEXT = 2_000;

    private static final Pattern CONNECTIVE = Rx.of("\\b(?:by and between|by and among|between|among)\\s*:?\\s+");
    /** The preamble's first few candidate sentences only: later "this Agreement ... between" are body text. */
    private static final int PREAMBLE_TRIES = 3;
    private static final Pattern PREAMBLE_SUBJECT = Rx.of(
            "\\bthis [^.;]{0,120}?\\b(?:agreement|amendment|contract)\\b[^.]{0,400}?\\b(?:is|are|was|shall be)?"
                    + " ?(?:made|entered|dated|executed|effective|between|among|sets forth|confirms?)\\b");
    private static final Pattern RECITALS = Rx.of(
            "\\b(?:WHEREAS|RECITALS|BACKGROUND|W ?I ?T ?N ?E ?S ?S ?E ?T ?H|NOW,? THEREFORE|PREAMBLE)\\b|\\n\\s*1\\.\\s");
    private static final Pattern ALIAS = Pattern.compile(
            "\\(\\s*(?:the\\s+|hereinafter\\s+(?:referred\\s+to\\s+as\\s+)?(?:the\\s+)?|herein\\s+|each\\s+a\\s+)?[\"\u201c'?]([^\"\u201d'?()]{1,40})[\"\u201d'?]",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern DESCRIPTOR = Rx.of(
            "(?:,\\s*(?:a|an|the|having|located|with|which|whose|organi[sz]ed|incorporated|duly|acting|on behalf)\\b"
                    + "|\\s*\\(|\\s+(?:a|an) [A-Za-z-]+ (?:corporation|company|limited|partnership|statutory|bank)"
                    + "|\\s+(?:having|located|with (?:its|an|a) (?:principal|registered|address)|whose|of _|through|"
                    + "incorporated|organi[sz]ed|registered)\\b|,\\s*$"
                    + "|\\s+(?:shall|will|may|agrees?|is|are|hereby|each|both|collectively|individually|as an?)\\b)");
    /** "and" / ";" / "AND:" that separate parties; applied only outside brackets and quotes. */
    private static final Pattern SEPARATOR = Pattern.compile("(?:;|,?\\s+and\\s*:?|\\n\\s*AND\\s*:|(?<=\\)),(?=\\s+(?-i:[A-Z])))\\s+",
            Pattern.CASE_INSENSITIVE);
    /** A piece after the first is a party only if it shows a party's marks; else it continues a description. */
    private static final Pattern PARTY_MARK = Pattern.compile("\\(\\s*(?:the\\s+|hereinafter|herein)?[^)]{0,40}[\"\u201c']"
            + "|,\\s*an?\\s|\\b(?:Inc|Incorporated|Corporation|Corp|LLC|L\\.L\\.C|Ltd|Limited|Company|N\\.A|plc|PLC|GmbH|"
            + "L\\.P|LP|LLP|S\\.A|B\\.V|AG|Bank|Trust|Fund)\\b");
    private static final Pattern CORPORATE = Pattern.compile("\\b(?:Inc|Incorporated|Corporation|Corp|LLC|Ltd|Limited|Company"
            + "|plc|GmbH|LLP|LP)\\b\\.?", Pattern.CASE_INSENSITIVE);
    private static final Pattern SUFFIX_NAMED = Pattern.compile(
            "((?:[A-Z0-9][\\w&.,'\\-]*\\s+){0,7}?[\\w&.'\\-]*?(?:Inc\\.?|Incorporated|Corporation|Corp\\.?|LLC|L\\.L\\.C\\.|"
                    + "Ltd\\.?|Limited|Company|N\\.A\\.|plc|PLC|GmbH|L\\.P\\.|LP|LLP|S\\.A\\.S?\\.?|B\\.V\\.|AG|Bank|Trust|Fund))(?![\\w])"
                    + "[^()]{0,120}?\\(\\s*(?:the\\s+|hereinafter\\s+)?[\"\u201c]",
            0);
    private static final Set<String> NOT_NAMES = Set.of("the parties", "each", "you", "the undersigned",
            "both", "either", "it", "its", "the company", "the following");

    private PartyExtractor() {}

    static List<Party> extract(String doc, List<Span> sentences) {
        int window = Math.min(doc.length(), PREAMBLE_WINDOW);
        Matcher subject = PREAMBLE_SUBJECT.matcher(doc).region(0, window);
        List<Party> connective = List.of();
        for (int tries = 0; tries < PREAMBLE_TRIES && subject.find(); tries++) {
            List<Party> parties = fromConnective(doc, subject.start(), window, sentences);
            if (parties.size() >= 2) {
                return parties;
            }
            connective = connective.isEmpty() ? parties : connective;
        }
        List<Party> defined = fromDefinedTerms(doc, Math.min(doc.length(), DEFINED_TERMS_WINDOW));
        return defined.size() >= 2 || connective.isEmpty() ? defined : connective;
    }

    /** Shape 1: parties listed after "between/among" in the sentence opening at from. */
    private static List<Party> fromConnective(String doc, int from, int window, List<Span> sentences) {
        int limit = Math.min(window, from + MAX_PARTY_TEXT);
        Matcher c = CONNECTIVE.matcher(doc).region(from, limit);
        if (!c.find()) {
            return List.of();
        }
        int start = c.end();
        for (Span s : sentences) {
            if (s.end() > start) {
                limit = Math.min(limit, s.end());
                break;
            }
        }
        Matcher r = RECITALS.matcher(doc).region(start, limit);
        int end = r.find() ? r.start() : limit;
        List<Party> out = new ArrayList<>();
        List<int[]> pieces = topLevelPieces(doc, start, end);
        for (int i = 0; i < pieces.size(); i++) {
            int[] piece = pieces.get(i);
            if (i > 0 && !PARTY_MARK.matcher(doc).region(piece[0], piece[1]).find()) {
                continue;
            }
            Party p = partyIn(doc, piece[0], piece[1]);
            if (p != null && out.stream().noneMatch(q -> q.name().equalsIgnoreCase(p.name()))) {
                out.add(p);
            }
        }
        return out;
    }

    /** Split [start, end) at separators that stand outside parentheses and quotes. */
    private static List<int[]> topLevelPieces(String doc, int start, int end) {
        List<int[]> pieces = new ArrayList<>();
        Matcher sep = SEPARATOR.matcher(doc).region(start, end);
        int pieceStart = start;
        int depth = 0;
        boolean quoted = false;
        int scanned = start;
        while (sep.find()) {
            for (; scanned < sep.start(); scanned++) {
                char ch = doc.charAt(scanned);
                if (ch == '(' || ch == '[') {
                    depth++;
                } else if (ch == ')' || ch == ']') {
                    depth = Math.max(0, depth - 1);
                } else if (ch == '"') {
                    quoted = !quoted;
                } else if (ch == '\u201c') {
                    quoted = true;
                } else if (ch == '\u201d') {
                    quoted = false;
                }
            }
            if (depth == 0 && !quoted) {
                pieces.add(new int[] {pieceStart, sep.start()});
                pieceStart = sep.end();
            }
        }
        pieces.add(new int[] {pieceStart, end});
        return pieces;
    }

    private static Party partyIn(String doc, int start, int end) {
        while (start < end && (Character.isWhitespace(doc.charAt(start)) || doc.charAt(start) == ':')) {
            start++;
        }
        Matcher d = DESCRIPTOR.matcher(doc).region(start, end);
        int nameEnd = d.find() ? d.start() : end;
        while (nameEnd > start && (Character.isWhitespace(doc.charAt(nameEnd - 1)) || doc.charAt(nameEnd - 1) == ',')) {
            nameEnd--;
        }
        String name = doc.substring(start, nameEnd).replaceAll("\\s+", " ").strip();
        if (!looksLikeName(name)) {
            return null;
        }
        Matcher a = ALIAS.matcher(doc).region(nameEnd, end);
        String alias = a.find() ? a.group(1).strip() : null;
        return new Party(name, alias, Span.of(doc, start, nameEnd));
    }

    /** Shape 2: names with a corporate suffix followed by a defined term in parentheses. */
    private static List<Party> fromDefinedTerms(String doc, int window) {
        List<Party> out = new ArrayList<>();
        Matcher m = SUFFIX_NAMED.matcher(doc).region(0, window);
        while (m.find()) {
            String name = m.group(1).replaceAll("\\s+", " ").strip();
            Matcher a = ALIAS.matcher(doc).region(m.end(1), Math.min(window, m.end() + 60));
            String alias = a.find() ? a.group(1).strip() : null;
            boolean seen = out.stream().anyMatch(p -> p.name().equalsIgnoreCase(name));
            if (looksLikeName(name) && !seen) {
                out.add(new Party(name, alias, Span.of(doc, m.start(1), m.end(1))));
            }
        }
        return out;
    }

    private static boolean looksLikeName(String name) {
        if (name.isEmpty() || name.length() > 150) {
            return false;
        }
        char first = name.charAt(0);
        boolean corporate = CORPORATE.matcher(name).find();
        if (!(Character.isUpperCase(first) || Character.isDigit(first) || corporate)) {
            return false;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        return !NOT_NAMES.contains(lower) && name.split("\\s+").length <= MAX_NAME_WORDS
                && name.chars().anyMatch(Character::isLetter);
    }
}
