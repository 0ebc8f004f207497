/*
 * Lists the files of a directory as a repository job reads them: every regular text file under
 * the root, in path order, minus what git would ignore and what must not be read. Rules:
 * - .gitignore files are honoured at every level with git's semantics (JGit's IgnoreNode:
 *   negation, anchoring, **, directory-only patterns); a deeper file's match overrides a
 *   shallower one, and an ignored directory is not entered, so nothing under it comes back (as in
 *   git). A directory whose .gitignore cannot be read, or is a symbolic link, is left out whole
 *   and reported (UNREAD_IGNORE_RULES): its rules might have left out secrets. .git/info/exclude and global excludes are not read: they are one user's, not the repo's.
 * - .git/ is never entered, and a .git file (a worktree's or submodule's pointer to its git
 *   directory, which holds a machine path) is never read: neither is the repository's content.
 * - Symbolic links are never followed, and a file whose real path leaves the root is skipped, so
 *   a repository cannot make the submitter read outside it.
 * - Binary files (TextSniffer) and empty files are skipped and reported.
 * - At most maxFiles files are sent, and at most ten times that many entries walked (ten times
 *   the default file limit when maxFiles is lower): past either,
 *   the walk stops with an IllegalArgumentException (a home directory is not a repository).
 */
package dev.longhaul.ingest;

import dev.longhaul.schemas.DocumentPaths;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;

import org.eclipse.jgit.ignore.IgnoreNode;

public final class RepositoryWalker {
    /** A file to send: its repository-relative path ('/'-separated) and where it is on disk. */
    public record RepoFile(String path, Path file, long size) {}

    /** The outcome of a walk: files in path order and what was skipped. */
    public record Walk(List<RepoFile> files, List<Skipped> skipped) {
        public long totalBytes() {
            return files.stream().mapToLong(RepoFile::size).sum();
        }
    }

    private RepositoryWalker() {}

    /** Walks {@code root}, which must be a directory, with the default file limit. */
    public static Walk walk(Path root) throws IOException {
        return walk(root, SourceLimits.DEFAULT_MAX_REPOSITORY_FILES);
    }

    /** Walks {@code root}, refusing a tree of more than {@code maxFiles} files to send. */
    public static Walk walk(Path root, int maxFiles) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("not a directory: " + root);
        }
        Path realRoot = root.toRealPath();
        Visitor visitor = new Visitor(realRoot, maxFiles);
        Files.walkFileTree(realRoot, visitor);
        visitor.files.sort(Comparator.comparing(RepoFile::path));
        visitor.skipped.sort(Comparator.comparing(Skipped::path));
        return new Walk(List.copyOf(visitor.files), List.copyOf(visitor.skipped));
    }

    /** The .gitignore rules of one directory and that directory's path relative to the root. */
    private record Rules(String dir, IgnoreNode node) {}

    private static final class Visitor extends SimpleFileVisitor<Path> {
        private final Path root;
        private final List<RepoFile> files = new ArrayList<>();
        private final List<Skipped> skipped = new ArrayList<>();
        /** Rules of the directories from the root down to the current one, innermost first. */
        private final Deque<Rules> rules = new ArrayDeque<>();
        private final int maxFiles;
        private long entries;

        Visitor(Path root, int maxFiles) {
            this.root = root;
            this.maxFiles = maxFiles;
        }

        private void count() {
            // entries (directories, binaries, ignored files...) are bounded on their own: a tree of a
            // few thousand text files among many images is fine whatever the file limit
            long most = 10L * Math.max(maxFiles, SourceLimits.DEFAULT_MAX_REPOSITORY_FILES);
            if (++entries > most) {
                throw new IllegalArgumentException("the repository has more than " + most + " entries to walk; submit a smaller tree");
            }
        }

        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
            count();
            String rel = relative(dir);
            if (!rel.isEmpty() && (dir.getFileName().toString().equals(".git") || ignored(rel, true))) {
                return FileVisitResult.SKIP_SUBTREE;
            }
            IgnoreNode node;
            try {
                node = readRules(dir.resolve(".gitignore"));
            } catch (IOException e) {
                // rules that cannot be read, or are a link not followed, might ignore anything
                // below (.env, keys): none of it is sent, rather than all of it; the directory is reported
                skipped.add(new Skipped(rel.isEmpty() ? "." : rel, Skipped.Reason.UNREAD_IGNORE_RULES));
                return FileVisitResult.SKIP_SUBTREE;
            }
            rules.push(new Rules(rel, node));
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException failure) {
            rules.pop();
            if (failure != null) {
                // a directory that could not be read to its end: what it gave is kept, and it is reported
                skipped.add(new Skipped(relative(dir), Skipped.Reason.NOT_REGULAR));
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            count();
            String rel = relative(file);
            if (file.getFileName().toString().equals(".git")) {
                return FileVisitResult.CONTINUE;
            }
            if (attrs.isSymbolicLink()) {
                // Ignored symlinks are not worth reporting; any other is a skip the user should see.
                if (!ignored(rel, false)) {
                    skipped.add(new Skipped(rel, Skipped.Reason.SYMLINK));
                }
                return FileVisitResult.CONTINUE;
            }
            if (ignored(rel, attrs.isDirectory())) {
                return FileVisitResult.CONTINUE;
            }
            Skipped.Reason reason;
            try {
                reason = !attrs.isRegularFile() || !Files.isReadable(file) ? Skipped.Reason.NOT_REGULAR
                        : DocumentPaths.problem(rel).isPresent() ? Skipped.Reason.BAD_PATH
                        : !file.toRealPath().startsWith(root) ? Skipped.Reason.OUTSIDE_ROOT
                        : attrs.size() == 0 ? Skipped.Reason.EMPTY
                        : TextSniffer.looksBinary(file) ? Skipped.Reason.BINARY
                        : null;
            } catch (IOException e) {
                reason = Skipped.Reason.NOT_REGULAR; // it could not be read: one file, not the whole job
            }
            if (reason != null) {
                skipped.add(new Skipped(rel, reason));
            } else {
                if (files.size() >= maxFiles) {
                    throw new IllegalArgumentException("the repository has more than " + maxFiles + " files to send"
                            + " (each is at least one chunk; the limit is the chunks a document may have)");
                }
                files.add(new RepoFile(rel, file, attrs.size()));
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException failure) {
            String rel = relative(file);
            if (!ignored(rel, Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS))) {
                skipped.add(new Skipped(rel, Skipped.Reason.NOT_REGULAR));
            }
            return FileVisitResult.CONTINUE;
        }

        /** Git's answer for {@code rel}: the innermost .gitignore with a matching rule decides. */
        private boolean ignored(String rel, boolean directory) {
            for (Rules r : rules) {
                if (r.node() == null) {
                    continue;
                }
                String local = r.dir().isEmpty() ? rel : rel.substring(r.dir().length() + 1);
                Boolean verdict = r.node().checkIgnored(local, directory);
                if (verdict != null) {
                    return verdict;
                }
            }
            return false;
        }

        private String relative(Path p) {
            return root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
        }

        /**
         * The rules of a .gitignore, or null when there is none; IOException when it cannot be
         * read, or is a symbolic link (never followed: it could name a file outside the root, and
         * git does not follow one either), or anything but a regular file.
         */
        private static IgnoreNode readRules(Path gitignore) throws IOException {
            if (!Files.exists(gitignore, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            if (!Files.isRegularFile(gitignore, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(gitignore + " is a symbolic link or not a regular file");
            }
            IgnoreNode node = new IgnoreNode();
            try (InputStream in = Files.newInputStream(gitignore)) {
                node.parse(gitignore.toString(), in);
            }
            return node;
        }
    }
}
