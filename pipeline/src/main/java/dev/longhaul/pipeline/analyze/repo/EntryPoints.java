/*
 * Entry points found in source lines, one line at a time: Java's `public static void main(`,
 * Kotlin's top-level `fun main(`, Python's `if __name__ == "__main__":`, Go's `func main()` and
 * Rust's `fn main()` at the start of a line, a Dockerfile's ENTRYPOINT and CMD, and a shebang on a
 * file's first line. Line rules only (no parser): a match in a comment or string counts too,
 * which is rare for these shapes and cheap to accept.
 */
package dev.longhaul.pipeline.analyze.repo;

import java.util.regex.Pattern;

final class EntryPoints {
    /** A match: its kind and what it runs (the line, trimmed and bounded). */
    record Match(String kind, String detail) {}

    private static final int MAX_DETAIL = 160;
    private static final Pattern JAVA_MAIN = Pattern.compile(
            "^\\s*(public\\s+static|static\\s+public)\\s+(final\\s+)?void\\s+main\\s*\\(");
    private static final Pattern KOTLIN_MAIN = Pattern.compile("^fun\\s+main\\s*\\(");
    private static final Pattern PYTHON_MAIN = Pattern.compile("^if\\s+__name__\\s*==\\s*[\"']__main__[\"']\\s*:");
    private static final Pattern GO_MAIN = Pattern.compile("^func\\s+main\\s*\\(\\s*\\)");
    private static final Pattern RUST_MAIN = Pattern.compile("^(pub\\s+)?(async\\s+)?fn\\s+main\\s*\\(\\s*\\)");
    private static final Pattern DOCKER = Pattern.compile("^(?i)(ENTRYPOINT|CMD)\\s+(.+)$");

    private EntryPoints() {}

    /** The entry point {@code line} (line {@code number} of a file of {@code language}) declares, or null. */
    static Match scan(String language, long number, String line) {
        if (number == 1 && line.startsWith("#!")) {
            return new Match("shebang", bounded(line.substring(2).strip()));
        }
        if (language == null) {
            return null;
        }
        return switch (language) {
            case "Java" -> JAVA_MAIN.matcher(line).find() ? new Match("java-main", bounded(line.strip())) : null;
            case "Kotlin" -> KOTLIN_MAIN.matcher(line).find() ? new Match("kotlin-main", bounded(line.strip())) : null;
            case "Python" -> PYTHON_MAIN.matcher(line).find() ? new Match("python-main", bounded(line.strip())) : null;
            case "Go" -> GO_MAIN.matcher(line).find() ? new Match("go-main", bounded(line.strip())) : null;
            case "Rust" -> RUST_MAIN.matcher(line).find() ? new Match("rust-main", bounded(line.strip())) : null;
            case "Dockerfile" -> {
                var m = DOCKER.matcher(line.strip());
                yield m.matches() ? new Match("dockerfile", bounded(m.group(1).toUpperCase(java.util.Locale.ROOT) + " " + m.group(2))) : null;
            }
            default -> null;
        };
    }

    /** Whether lines of this language can hold an entry point past the first line (so are worth decoding). */
    static boolean scans(String language) {
        return language != null && switch (language) {
            case "Java", "Kotlin", "Python", "Go", "Rust", "Dockerfile" -> true;
            default -> false;
        };
    }

    private static String bounded(String s) {
        return s.length() <= MAX_DETAIL ? s : s.substring(0, MAX_DETAIL);
    }
}
