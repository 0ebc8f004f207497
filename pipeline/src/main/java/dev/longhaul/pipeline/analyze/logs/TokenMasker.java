/*
 * Preprocessing of a log line's content before template mining (Drain's "domain knowledge" step,
 * made generic): splits the content on whitespace and replaces the parts of each token that are
 * variables by any reasonable definition (URLs after their scheme, a path's directories, IP
 * addresses with ports, hexadecimal literals and ids, numbers not glued to letters) with the wildcard <*>. Only parts are replaced, so `rhost=10.0.0.1`
 * becomes `rhost=<*>` and `blk_-42` becomes `blk_<*>`: the constant part still takes part in the
 * similarity and shows in the template. A token longer than MAX_TOKEN (a payload: a list of
 * numbers, a hex dump, base64, a run of letters) keeps what precedes its first digit or slash, at
 * most MAX_TOKEN chars, and is a wildcard from there: the patterns cost time quadratic in a token's
 * length, java.util.regex recurses per repetition (a list of a few thousand numbers overflowed the
 * stack), and templates holding tokens of 64K letters each took gigabytes. Stateless and
 * thread-safe.
 */
package dev.longhaul.pipeline.analyze.logs;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class TokenMasker {
    /** The wildcard, as in the Loghub ground truth. */
    public static final String WILDCARD = "<*>";
    /** Longest token masked part by part (chars). */
    static final int MAX_TOKEN = 256;

    // Order matters: the longer, more specific shapes are replaced before bare numbers eat them.
    private static final Pattern[] VARIABLES = {
        // IPv4 with an optional port, IPv6 and MAC addresses.
        Pattern.compile("(?<![\\w.])\\d{1,3}(?:\\.\\d{1,3}){3}(?::\\d+)?(?![\\w.])"),
        Pattern.compile("(?<![\\w:])(?:[0-9A-Fa-f]{1,4}:){3,7}[0-9A-Fa-f]{1,4}(?![\\w:])"),
        // 0x literals, then hex runs that hold a digit (ids, hashes, addresses), then numbers
        // (signed, decimal, with a glued unit such as 64MB or 12ms) that no letter touches:
        // `t761` or `v2` keep their digits.
        Pattern.compile("(?<![A-Za-z0-9])0[xX][0-9A-Fa-f]+(?![A-Za-z0-9])"),
        Pattern.compile("(?<![A-Za-z0-9])(?=[0-9A-Fa-f]*[0-9])(?=[0-9A-Fa-f]*[A-Fa-f])[0-9A-Fa-f]{6,}(?![A-Za-z0-9])"),
        Pattern.compile("(?<![A-Za-z0-9])[-+]?\\d+(?:[.,:]\\d+)*(?:[KMGT]i?B?|B|[mun]?s|%)?(?![A-Za-z0-9])"),
    };
    // A URL keeps its scheme (`hdfs://<*>`); a path keeps its last name (`/<*>/blk_<*>`), since
    // directories are where an event happened, not what happened.
    private static final Pattern URL = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)\\S+");
    private static final Pattern DIRECTORIES = Pattern.compile("(?<![\\w.~/])/(?:[^/\\s]+/)+");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    /** The masked tokens of {@code content}, in order; empty for blank content. */
    public List<String> tokens(String content) {
        String trimmed = content.strip();
        List<String> out = new ArrayList<>();
        if (trimmed.isEmpty()) {
            return out;
        }
        for (String token : WHITESPACE.split(trimmed)) {
            out.add(mask(token));
        }
        return out;
    }

    /** One token with its variable parts replaced; adjacent wildcards collapse into one. */
    static String mask(String token) {
        if (token.length() > MAX_TOKEN) {
            int first = 0;
            while (first < MAX_TOKEN && token.charAt(first) != '/' && (token.charAt(first) < '0' || token.charAt(first) > '9')) {
                first++;
            }
            return token.substring(0, first) + WILDCARD;
        }
        // Every variable shape holds a digit or a slash; most words have neither.
        if (token.chars().noneMatch(c -> c == '/' || (c >= '0' && c <= '9'))) {
            return token;
        }
        String masked = URL.matcher(token).replaceAll("$1" + Matcher.quoteReplacement(WILDCARD));
        masked = DIRECTORIES.matcher(masked).replaceAll(Matcher.quoteReplacement("/" + WILDCARD + "/"));
        for (Pattern p : VARIABLES) {
            Matcher m = p.matcher(masked);
            if (m.find()) {
                masked = m.replaceAll(Matcher.quoteReplacement(WILDCARD));
            }
        }
        while (masked.contains("<*><*>")) {
            masked = masked.replace("<*><*>", WILDCARD);
        }
        return masked;
    }

    /** True when the token has a variable part: the tree routes it to the wildcard branch. */
    static boolean isVariable(String maskedToken) {
        if (maskedToken.contains(WILDCARD)) {
            return true;
        }
        for (int i = 0; i < maskedToken.length(); i++) {
            if (Character.isDigit(maskedToken.charAt(i))) {
                return true;
            }
        }
        return false;
    }
}
