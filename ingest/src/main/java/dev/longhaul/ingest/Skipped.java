/*
 * A repository entry left out of a REPO job and why, reported back to the submitter so the user
 * sees what the model will not read. Files matched by .gitignore are not listed (they can be
 * many, e.g. node_modules); they are left out as git would leave them out.
 */
package dev.longhaul.ingest;

/** @param path repository-relative path with '/' separators */
public record Skipped(String path, Reason reason) {

    public enum Reason {
        /** A NUL byte in the first 8 KiB, or the magic of a compressed or archive format, a PDF, UTF-16 or UTF-32 (TextSniffer). */
        BINARY,
        /** A symbolic link: never followed, so nothing outside the root is read. */
        SYMLINK,
        /** Resolves to a location outside the repository root. */
        OUTSIDE_ROOT,
        /** Zero bytes: nothing to read, and a chunk never carries no data. */
        EMPTY,
        /** Not a regular file (device, socket, pipe), or not readable (an I/O error naming it). */
        NOT_REGULAR,
        /**
         * A path the pipeline refuses (DocumentPaths): a backslash or drive prefix, a control
         * character, a name not valid in the file system's encoding, over 1,024 characters.
         */
        BAD_PATH,
        /** Gone, or no longer a regular file inside the root, when its turn to be uploaded came. */
        CHANGED,
        /**
         * A directory whose .gitignore is a symbolic link (never followed) or cannot be read: its
         * rules might leave out anything below it (.env, keys), so nothing below it is sent.
         */
        UNREAD_IGNORE_RULES
    }
}
