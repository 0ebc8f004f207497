/*
 * Repository walking on a tree built in the test: nested .gitignore files with negation and
 * directory rules, .git/ and .git files (a worktree's or submodule's pointer) left out, binaries (a NUL byte or a
 * binary format's magic; Latin-1 text is text) and empty files skipped and
 * reported, symlinks never followed (one escapes the root, one stays inside), paths recorded
 * relative to the root with '/' separators, in path order.
 */
package dev.longhaul.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryWalkerTest {
    @TempDir
    Path tmp;

    private static void write(Path root, String rel, String text) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    private static void write(Path root, String rel, byte[] bytes) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.write(p, bytes);
    }

    private Path repository() throws IOException {
        Path root = tmp.resolve("repo");
        write(root, ".gitignore", "*.log\nbuild/\n!keep.log\n/only-at-root.txt\n");
        write(root, "README.md", "# readme\n");
        write(root, "app.log", "ignored by *.log\n");
        write(root, "keep.log", "re-included by !keep.log\n");
        write(root, "only-at-root.txt", "anchored pattern\n");
        write(root, "build/out.txt", "ignored directory\n");
        write(root, "src/.gitignore", "generated/\n*.tmp\n");
        write(root, "src/Main.java", "class Main {}\n");
        write(root, "src/only-at-root.txt", "the anchored rule does not reach here\n");
        write(root, "src/x.tmp", "ignored by src/.gitignore\n");
        write(root, "src/generated/G.java", "ignored directory, nested rule\n");
        write(root, "src/deep/.gitignore", "!important.tmp\n");
        write(root, "src/deep/important.tmp", "re-included by the deeper rule\n");
        write(root, "src/deep/other.tmp", "still ignored by src/.gitignore\n");
        write(root, ".git/config", "[core]\n");
        write(root, "src/deep/.git", "gitdir: ../../.git/modules/deep\n");
        write(root, "image.png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 13});
        write(root, "latin1.txt", "caf\u00e9 cr\u00e8me\n".getBytes(StandardCharsets.ISO_8859_1));
        write(root, "empty.txt", new byte[0]);
        Path outside = Files.writeString(tmp.resolve("secret.txt"), "outside the repository\n");
        Files.createSymbolicLink(root.resolve("escape.txt"), outside);
        Files.createSymbolicLink(root.resolve("src/readme-link.md"), root.resolve("README.md"));
        Files.createSymbolicLink(root.resolve("linked-dir"), tmp);
        return root;
    }

    @Test
    void walksAsGitWouldListTheFiles() throws IOException {
        RepositoryWalker.Walk walk = RepositoryWalker.walk(repository());
        assertEquals(List.of(
                        ".gitignore",
                        "README.md",
                        "keep.log",
                        "latin1.txt",
                        "src/.gitignore",
                        "src/Main.java",
                        "src/deep/.gitignore",
                        "src/deep/important.tmp",
                        "src/only-at-root.txt"),
                walk.files().stream().map(RepositoryWalker.RepoFile::path).toList());
    }

    @Test
    void binariesEmptyFilesAndSymlinksAreSkippedWithTheirReason() throws IOException {
        RepositoryWalker.Walk walk = RepositoryWalker.walk(repository());
        Map<String, Skipped.Reason> skipped = walk.skipped().stream().collect(Collectors.toMap(Skipped::path, Skipped::reason));
        assertEquals(Map.of(
                        "image.png", Skipped.Reason.BINARY,
                        "empty.txt", Skipped.Reason.EMPTY,
                        "escape.txt", Skipped.Reason.SYMLINK,
                        "linked-dir", Skipped.Reason.SYMLINK,
                        "src/readme-link.md", Skipped.Reason.SYMLINK),
                skipped);
    }

    @Test
    void aFileWhosePathThePipelineWouldRefuseIsSkippedBeforeAnythingIsSent() throws IOException {
        // a backslash, a drive-like prefix and a newline are legal in Linux names, and each failed
        // the whole job at the planner after its upload
        Path root = tmp.resolve("names");
        write(root, "ok.txt", "fine\n");
        write(root, "back\\slash.txt", "x\n");
        write(root, "c:notes.txt", "x\n");
        write(root, "line\nbreak.txt", "x\n");
        RepositoryWalker.Walk walk = RepositoryWalker.walk(root);
        assertEquals(List.of("ok.txt"), walk.files().stream().map(RepositoryWalker.RepoFile::path).toList());
        assertEquals(Map.of("back\\slash.txt", Skipped.Reason.BAD_PATH, "c:notes.txt", Skipped.Reason.BAD_PATH,
                        "line\nbreak.txt", Skipped.Reason.BAD_PATH),
                walk.skipped().stream().collect(Collectors.toMap(Skipped::path, Skipped::reason)));
    }

    @Test
    void aDirectoryWhoseGitignoreIsASymlinkIsLeftOutWholeAndReported() throws IOException {
        // its rules (here: leave out .env) are never read through the link, so nothing they might
        // have left out is sent; the rest of the repository is
        Path root = tmp.resolve("linked-rules");
        write(root, "README.md", "top\n");
        write(root, "shared-ignore", ".env\n");
        write(root, "app/main.py", "print(1)\n");
        write(root, "app/.env", "SECRET=1\n");
        Files.createSymbolicLink(root.resolve("app/.gitignore"), root.resolve("shared-ignore"));
        RepositoryWalker.Walk walk = RepositoryWalker.walk(root);
        assertEquals(List.of("README.md", "shared-ignore"), walk.files().stream().map(RepositoryWalker.RepoFile::path).toList());
        assertEquals(Map.of("app", Skipped.Reason.UNREAD_IGNORE_RULES),
                walk.skipped().stream().collect(Collectors.toMap(Skipped::path, Skipped::reason)));
        // at the root it leaves out the whole tree, and the refusal says why
        Files.createSymbolicLink(root.resolve(".gitignore"), root.resolve("shared-ignore"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DocumentSource.repository(root).open(1000));
        assertTrue(e.getMessage().contains(". UNREAD_IGNORE_RULES"), e.getMessage());
    }

    @Test
    void manyEntriesThatAreNotSentDoNotCountAgainstTheFileLimit() throws IOException {
        // two text files among thirty images: a limit of two files to send still walks the tree
        Path root = tmp.resolve("images");
        write(root, "a.txt", "a\n");
        write(root, "b.txt", "b\n");
        for (int i = 0; i < 30; i++) {
            write(root, "img/" + i + ".png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1});
        }
        assertEquals(2, RepositoryWalker.walk(root, 2).files().size());
    }

    @Test
    void aFileGoneBeforeItsTurnToBeUploadedIsSkippedNotTheWholeJob() throws IOException {
        Path root = tmp.resolve("changing");
        write(root, "a.txt", "first\n");
        write(root, "b.txt", "second\n");
        DocumentSource.Opened opened = DocumentSource.repository(root).open(1000);
        Files.delete(root.resolve("a.txt"));
        try (var in = opened.parts().get(0).open()) {
            assertEquals(0, in.readAllBytes().length, "it sends nothing");
        }
        try (var in = opened.parts().get(1).open()) {
            assertEquals("second\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertEquals(List.of(new Skipped("a.txt", Skipped.Reason.CHANGED)), opened.skipped());
        // and the request, written after the chunks, counts it among the skipped, not the sent
        assertEquals("2", opened.metadata().get(DocumentSource.META_FILE_COUNT), "as walked");
        assertEquals("1", opened.metadataAfterUpload().get(DocumentSource.META_FILE_COUNT));
        assertEquals("1", opened.metadataAfterUpload().get(DocumentSource.META_SKIPPED_COUNT));
    }

    @Test
    void nothingOutsideTheRootIsEverListed() throws IOException {
        Path root = repository().toRealPath();
        for (RepositoryWalker.RepoFile f : RepositoryWalker.walk(root).files()) {
            assertTrue(f.file().toRealPath().startsWith(root), f.file().toString());
            assertFalse(f.path().contains("\\") || f.path().startsWith("/"), f.path());
        }
    }

    @Test
    void aRepositorySourceRecordsPathsOnItsParts() throws IOException {
        DocumentSource.Opened opened = DocumentSource.repository(repository()).open(Long.MAX_VALUE);
        assertEquals(DocumentSource.GIT_TREE, opened.mediaType());
        assertEquals("9", opened.metadata().get(DocumentSource.META_FILE_COUNT));
        assertEquals("5", opened.metadata().get(DocumentSource.META_SKIPPED_COUNT));
        assertEquals("src/Main.java", opened.parts().get(5).path());
        try (var in = opened.parts().get(5).open()) {
            assertEquals("class Main {}\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aRepositoryWithNothingToSendIsRefused() throws IOException {
        Path root = tmp.resolve("bare");
        write(root, ".gitignore", "");
        Files.delete(root.resolve(".gitignore"));
        write(root, "blob.bin", new byte[] {0, 1, 2});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DocumentSource.repository(root).open(100));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void aRepositoryOverTheLimitIsRefusedUpFront() throws IOException {
        Path root = tmp.resolve("small");
        write(root, "a.txt", "12345");
        write(root, "b.txt", "6789");
        assertThrows(IllegalArgumentException.class, () -> DocumentSource.repository(root).open(8));
        assertEquals(2, DocumentSource.repository(root).open(9).parts().size());
    }

    @Test
    void aLatin1FileIsTextAndANulByteOrAnArchivesMagicIsBinary() throws IOException {
        Path root = tmp.resolve("encodings");
        write(root, "latin1.c", "/* caf\u00e9 cr\u00e8me */\nint x;\n".getBytes(StandardCharsets.ISO_8859_1));
        write(root, "utf8.md", "caf\u00e9\n");
        write(root, "nul.dat", new byte[] {'a', 'b', 0, 'c'});
        write(root, "late-nul.txt", (("x".repeat(TextSniffer.WINDOW)) + "\u0000").getBytes(StandardCharsets.US_ASCII));
        write(root, "bundle.zip", new byte[] {'P', 'K', 3, 4, 'a', 'b'});
        write(root, "wide.txt", new byte[] {(byte) 0xFF, (byte) 0xFE, 'h', 'i'});
        RepositoryWalker.Walk walk = RepositoryWalker.walk(root);
        assertEquals(List.of("late-nul.txt", "latin1.c", "utf8.md"), walk.files().stream().map(RepositoryWalker.RepoFile::path).toList(),
                "a NUL past the first 8 KiB is not looked for, as git does not");
        assertEquals(Map.of("nul.dat", Skipped.Reason.BINARY, "bundle.zip", Skipped.Reason.BINARY, "wide.txt", Skipped.Reason.BINARY),
                walk.skipped().stream().collect(Collectors.toMap(Skipped::path, Skipped::reason)));
    }

    @Test
    void utf8TextFromTheCorpusIsText() throws IOException {
        assertFalse(TextSniffer.looksBinary(Corpus.file(Corpus.CONTRACT)));
    }
}
