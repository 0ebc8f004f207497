/*
 * Where the tests find the read-only shared data: the golden folder comes from the system property
 * longhaul.golden.dir (set by surefire from the root pom) or, when that is unset, from
 * ../../shared/golden relative to the working directory, which surefire makes the engine module
 * folder. The corpus is the sibling folder <golden>/../corpus. Test-only code.
 */
package dev.longhaul.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

public final class SharedData {
    private SharedData() {}

    public static Path goldenDir() {
        String configured = System.getProperty("longhaul.golden.dir");
        Path dir = configured == null || configured.isBlank()
                ? Path.of("..", "..", "shared", "golden")
                : Path.of(configured);
        return dir.toAbsolutePath().normalize();
    }

    /** One golden folder, e.g. "minimax-tiny". */
    public static Path golden(String name) {
        return goldenDir().resolve(name);
    }

    public static Path minimaxTiny() {
        return golden("minimax-tiny");
    }

    public static Path corpusDir() {
        return goldenDir().resolveSibling("corpus");
    }

    /** The first maxChars chars of a UTF-8 file (never ending inside a surrogate pair). */
    public static String head(Path file, int maxChars) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            int end = Math.min(maxChars, text.length());
            if (end > 0 && end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
                end--;
            }
            return text.substring(0, end);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
