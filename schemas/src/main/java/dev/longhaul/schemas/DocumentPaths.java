/*
 * The rule for a repository path a DocumentChunk names, in one place for the client that walks a
 * repository (which skips and reports a file whose path breaks it, before anything is sent) and the
 * planner (which refuses a chunk naming one, from clients that bypass the ingest library): the path
 * must stay inside the submitted root, relative and '/'-separated with no empty, '.' or '..'
 * segment, no drive prefix or backslash, no control characters or U+FFFD (a name that was not
 * valid in the file system's encoding), at most MAX_CHARS characters (the worker prints it into
 * the prompt as the file's header).
 */
package dev.longhaul.schemas;

import java.util.Optional;

public final class DocumentPaths {
    public static final int MAX_CHARS = 1024;

    private DocumentPaths() {}

    /** Why a chunk's repository path is refused, or empty when it is null (not a repository) or safe. */
    public static Optional<String> problem(String path) {
        if (path == null) {
            return Optional.empty();
        }
        if (path.isEmpty() || path.length() > MAX_CHARS) {
            return Optional.of("a path must have 1 to " + MAX_CHARS + " characters, has " + path.length());
        }
        if (path.startsWith("/") || path.contains("\\") || path.matches("^[A-Za-z]:.*")) {
            return Optional.of("path " + shortened(path) + " is not relative to the repository root");
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return Optional.of("path " + shortened(path) + " has an empty, '.' or '..' segment (it could leave the root)");
            }
        }
        if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == 0xFFFD)) {
            return Optional.of("path " + shortened(path) + " holds control characters or invalid UTF-8");
        }
        return Optional.empty();
    }

    /** A client's string as it may appear in a message: at most 80 characters. */
    public static String shortened(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "... (" + s.length() + " characters)";
    }
}
