/*
 * Where a document comes from: a file of any size (gzip detected by magic bytes and decompressed
 * while streaming), a directory read as a repository (RepositoryWalker), or a stream such as
 * stdin. open() checks what can be checked before any Kafka transaction begins (exists, not
 * empty, not over the size limit when the size is known up front, not binary) and returns the parts to chunk
 * with the descriptor's media type and the metadata the source knows (file name, compression...).
 * A stream source can be opened once; it is consumed and closed by the submission.
 *
 * A single file or stream is sent as text/plain, so one whose first bytes (after gzip) are a
 * compressed format not decompressed here (zstd, xz, bzip2), an archive, a PDF or NUL bytes is
 * refused with the format named, rather than summarized as replacement characters, up front: a
 * stream is copied to a temporary file first (StreamSource), which is then checked as a file is.
 */
package dev.longhaul.ingest;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public sealed interface DocumentSource {
    String TEXT = "text/plain";
    /** The media type JobRequest's schema names for a repository. */
    String GIT_TREE = "application/x-git-tree";

    /** Metadata keys the sources fill in. */
    String META_SOURCE = "source";
    String META_FILE_NAME = "fileName";
    String META_CONTENT_ENCODING = "sourceContentEncoding";
    String META_REPOSITORY = "repository";
    String META_FILE_COUNT = "fileCount";
    String META_SKIPPED_COUNT = "skippedCount";

    /**
     * The document, ready to chunk.
     *
     * @param parts     what to chunk, in order; a chunk never spans two
     * @param mediaType of the bytes as sent
     * @param metadata  what the source knows about itself
     * @param skipped   repository entries left out; empty for other sources
     */
    /**
     * skipped is a view: a repository adds the files that changed before their turn to be uploaded came.
     * Closing it releases what opening made (a stream's temporary copy), read or not; the submission
     * closes it whatever happened, so a refusal or a failed transaction leaves nothing on disk.
     */
    record Opened(List<DocumentPart> parts, String mediaType, Map<String, String> metadata, List<Skipped> skipped,
                  Release release) implements AutoCloseable {
        /** What closing an Opened does; it never fails a submission (a copy left is deleted at exit). */
        @FunctionalInterface
        public interface Release {
            void release();
        }

        public Opened {
            parts = List.copyOf(parts);
            metadata = Map.copyOf(metadata);
            skipped = java.util.Collections.unmodifiableList(skipped);
            java.util.Objects.requireNonNull(release, "release");
        }

        /** A document whose opening made nothing to release (a file, a repository). */
        public Opened(List<DocumentPart> parts, String mediaType, Map<String, String> metadata, List<Skipped> skipped) {
            this(parts, mediaType, metadata, skipped, () -> {});
        }

        @Override
        public void close() {
            release.release();
        }

        /**
         * The metadata as the upload left it, for the request written after the chunks: a
         * repository's fileCount and skippedCount count the files that changed before their turn
         * (CHANGED, sent as nothing) among the skipped, not the sent. Other sources' metadata as it was.
         */
        public Map<String, String> metadataAfterUpload() {
            if (!metadata.containsKey(META_FILE_COUNT)) {
                return metadata;
            }
            List<Skipped> now = List.copyOf(skipped); // called once every part has been read
            long changed = now.stream().filter(k -> k.reason() == Skipped.Reason.CHANGED).count();
            Map<String, String> after = new LinkedHashMap<>(metadata);
            after.put(META_FILE_COUNT, Long.toString(parts.size() - changed));
            after.put(META_SKIPPED_COUNT, Integer.toString(now.size()));
            return after;
        }

        /** Chunks of chunkBytes the parts will take (each part starts a chunk), or -1 when a size is unknown. */
        public long chunksUpFront(int chunkBytes) {
            long chunks = 0;
            for (DocumentPart part : parts) {
                if (part.size() < 0) {
                    return -1;
                }
                chunks += (part.size() + chunkBytes - 1) / chunkBytes;
            }
            return chunks;
        }
    }

    /** Validates the source against the limits and lists its parts (decompression is checked while streaming). */
    Opened open(SourceLimits limits) throws IOException;

    /**
     * The checks open() makes up front, with nothing consumed: a file or repository is checked
     * (and can still be opened after; what open() gave comes back); a stream, which can be read
     * once, is copied and its copy checked, and open() then gives that copy.
     */
    default Opened check(SourceLimits limits) throws IOException {
        return open(limits);
    }

    /**
     * {@code in}, refused when its first bytes show a binary format (TextSniffer.binaryFormat):
     * an IllegalArgumentException naming {@code what} and the format.
     */
    static InputStream refusingBinary(InputStream in, String what) throws IOException {
        BufferedInputStream b = in instanceof BufferedInputStream bb ? bb : new BufferedInputStream(in, TextSniffer.WINDOW);
        byte[] head;
        try {
            b.mark(TextSniffer.WINDOW + 1);
            head = b.readNBytes(TextSniffer.WINDOW);
            b.reset();
        } catch (IOException | RuntimeException e) {
            try {
                b.close(); // the caller never gets the stream to close (a temporary copy is deleted with it)
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        String format = TextSniffer.binaryFormat(head);
        if (format != null) {
            b.close();
            throw new IllegalArgumentException(what + " is " + format + ", not text: decompress or convert it to text first"
                    + " (gzip is decompressed here; a directory is submitted as kind REPO)");
        }
        return b;
    }

    /**
     * The checks of a file's content before any transaction, the file named `what` in errors:
     * not empty, not binary (its head as it would be sent, decompressed), and, unless it is gzip
     * (whose size does not bound its content; the Chunker checks while streaming), within the
     * size limit. Returns whether it is gzip.
     */
    private static boolean checkContent(Path file, long size, String what, SourceLimits limits) throws IOException {
        if (size == 0) {
            throw new IllegalArgumentException("empty input: " + what + " has no bytes");
        }
        boolean gzip;
        try (BufferedInputStream in = Gzip.buffered(Files.newInputStream(file))) {
            gzip = Gzip.startsWithMagic(in);
            // closed, so a gzip head's inflater is released now rather than by the collector
            try (InputStream content = refusingBinary(gzip ? Gzip.decompress(in, limits.maxInflationRatio(), what) : in, what)) {
                if (gzip && content.read() < 0) { // `gzip < /dev/null`: some bytes, no content
                    throw new IllegalArgumentException("empty input: " + what + " decompresses to no bytes");
                }
            }
        }
        if (!gzip && size > limits.maxDocumentBytes()) {
            throw new IllegalArgumentException(what + " has " + size + " bytes, more than the limit of " + limits.maxDocumentBytes());
        }
        return gzip;
    }

    /** The same with the default inflation ratio and repository file count. */
    default Opened open(long maxDocumentBytes) throws IOException {
        return open(SourceLimits.of(maxDocumentBytes));
    }

    /** A repository job reads a directory; every other kind reads one file or stream. */
    default boolean isRepository() {
        return false;
    }

    static DocumentSource file(Path file) {
        return new FileSource(file);
    }

    static DocumentSource repository(Path root) {
        return new RepositorySource(root);
    }

    /** {@code in} read to its end; {@code name} is recorded as the source, e.g. "stdin". */
    static DocumentSource stream(InputStream in, String name) {
        return new StreamSource(in, name);
    }

    /** One regular file. Compressed (gzip) files are sent decompressed; the descriptor's encoding stays null. */
    record FileSource(Path file) implements DocumentSource {
        @Override
        public Opened open(SourceLimits limits) throws IOException {
            if (!Files.exists(file)) {
                throw new IllegalArgumentException("no such file: " + file);
            }
            if (Files.isDirectory(file)) {
                throw new IllegalArgumentException(file + " is a directory: submit it as a repository (kind REPO)");
            }
            if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                throw new IllegalArgumentException("not a readable regular file: " + file);
            }
            long size = Files.size(file);
            boolean gzip = checkContent(file, size, file.toString(), limits);
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put(META_SOURCE, "file");
            metadata.put(META_FILE_NAME, String.valueOf(file.getFileName()));
            if (gzip) {
                metadata.put(META_CONTENT_ENCODING, "gzip");
            }
            DocumentPart part = new DocumentPart(null, () -> {
                InputStream raw = Gzip.buffered(Files.newInputStream(file));
                return gzip ? Gzip.decompress(raw, limits.maxInflationRatio(), file.toString()) : raw;
            }, gzip ? -1 : size);
            return new Opened(List.of(part), TEXT, metadata, List.of());
        }
    }

    /** A directory: its text files, each chunked on its own, each chunk naming its file. */
    record RepositorySource(Path root) implements DocumentSource {
        @Override
        public Opened open(SourceLimits limits) throws IOException {
            long maxDocumentBytes = limits.maxDocumentBytes();
            if (!Files.isDirectory(root)) {
                throw new IllegalArgumentException("a repository must be a directory: " + root);
            }
            RepositoryWalker.Walk walk = RepositoryWalker.walk(root, limits.maxRepositoryFiles());
            if (walk.files().isEmpty()) {
                // say why, at least for the first few: a root whose .gitignore is a link leaves out everything
                String why = walk.skipped().stream().limit(3).map(k -> k.path() + " " + k.reason())
                        .collect(java.util.stream.Collectors.joining(", "));
                throw new IllegalArgumentException("empty input: " + root + " has no text files to submit ("
                        + walk.skipped().size() + " skipped" + (why.isEmpty() ? "" : ": " + why
                        + (walk.skipped().size() > 3 ? ", ..." : "")) + ")");
            }
            if (walk.totalBytes() > maxDocumentBytes) {
                throw new IllegalArgumentException(root + " has " + walk.totalBytes() + " bytes of text, more than the limit of " + maxDocumentBytes);
            }
            Path realRoot = root.toRealPath();
            // a file gone or swapped before its turn (the tree may change during an upload of
            // minutes) is left out and reported, not a failure of the whole job; one that fails
            // half-read still fails it, since its first chunks are already in the transaction
            List<Skipped> skipped = java.util.Collections.synchronizedList(new java.util.ArrayList<>(walk.skipped()));
            List<DocumentPart> parts = walk.files().stream()
                    .map(f -> new DocumentPart(f.path(), () -> {
                        try {
                            return openWalked(realRoot, f.file());
                        } catch (IOException e) {
                            skipped.add(new Skipped(f.path(), Skipped.Reason.CHANGED));
                            return InputStream.nullInputStream();
                        }
                    }, f.size()))
                    .toList();
            Path name = root.toRealPath().getFileName();
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put(META_SOURCE, "repository");
            metadata.put(META_REPOSITORY, name == null ? "/" : name.toString());
            metadata.put(META_FILE_COUNT, Integer.toString(walk.files().size()));
            metadata.put(META_SKIPPED_COUNT, Integer.toString(walk.skipped().size()));
            return new Opened(parts, GIT_TREE, metadata, skipped);
        }

        /**
         * Opens a file the walk accepted, as it is now: the tree may change during an upload that
         * takes minutes, and a file swapped for a link (to a key outside the tree, say) or a FIFO
         * (which would hang the open transaction) is refused rather than followed.
         */
        static java.io.InputStream openWalked(Path realRoot, Path file) throws IOException {
            java.nio.file.attribute.BasicFileAttributes now = Files.readAttributes(file,
                    java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (!now.isRegularFile()) {
                throw new IOException(file + " is no longer a regular file: the repository changed while it was submitted");
            }
            if (!file.toRealPath().startsWith(realRoot)) {
                throw new IOException(file + " is no longer inside " + realRoot + ": the repository changed while it was submitted");
            }
            return Files.newInputStream(file, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }

        @Override
        public boolean isRepository() {
            return true;
        }
    }

    /**
     * A stream of unknown length (stdin); gzip is detected by its magic bytes here too. open()
     * first copies the stream to a temporary file (deleted once read or the Opened closed, or at exit), so the
     * submission's transaction is open only while the copy is sent, never while a slow producer
     * (a pipe from a running command, a log still being written) takes its time: read_committed
     * readers of the partitions a transaction writes wait until it ends, so a transaction held
     * open by a slow stream would stall every other job on those partitions of `documents`. The
     * copy is refused past the document limit (with room for gzip's framing), so it takes at most
     * that much disk; then it is checked as a file is (empty, binary, over the limit) before any
     * transaction begins.
     */
    final class StreamSource implements DocumentSource {
        private final InputStream in;
        private final String name;
        private boolean opened;
        /** The copy check() made and checked, which open() then gives (null before a check). */
        private Opened checked;

        StreamSource(InputStream in, String name) {
            if (in == null) {
                throw new IllegalArgumentException("no input stream");
            }
            this.in = in;
            this.name = name == null || name.isBlank() ? "stream" : name;
        }

        @Override
        public synchronized Opened open(SourceLimits limits) throws IOException {
            if (opened) {
                throw new IllegalStateException("a stream source can be submitted once: " + name);
            }
            opened = true;
            if (checked != null) {
                return checked; // copied and checked already, by check()
            }
            return copyAndCheck(limits);
        }

        private Opened copyAndCheck(SourceLimits limits) throws IOException {
            Path copy = spool(limits);
            try {
                // the copy is checked as a file is, before any transaction: its size is known now
                long size = Files.size(copy);
                boolean gzip = checkContent(copy, size, name, limits);
                Map<String, String> metadata = new LinkedHashMap<>();
                metadata.put(META_SOURCE, name);
                if (gzip) {
                    metadata.put(META_CONTENT_ENCODING, "gzip");
                }
                DocumentPart part = new DocumentPart(null, () -> {
                    BufferedInputStream buffered = Gzip.buffered(Files.newInputStream(copy, java.nio.file.StandardOpenOption.DELETE_ON_CLOSE));
                    return gzip ? Gzip.decompress(buffered, limits.maxInflationRatio(), name) : buffered;
                }, gzip ? -1 : size);
                return new Opened(List.of(part), TEXT, metadata, List.of(), () -> deleteQuietly(copy));
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(copy);
                throw e;
            }
        }

        /** Deletes the copy; one that cannot be deleted now is at exit (spool asked for it). */
        private static void deleteQuietly(Path copy) {
            try {
                Files.deleteIfExists(copy);
            } catch (IOException ignored) {
                // deleteOnExit's turn
            }
        }

        /** The stream copied to a temporary file, read to its end; refused past the document limit. */
        private Path spool(SourceLimits limits) throws IOException {
            // gzip's framing adds at most a few bytes per 16 KiB block to what it holds
            long max = limits.maxDocumentBytes();
            long cap = max > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : max + max / 1024 + (64 << 10);
            String safe = name.replaceAll("[^A-Za-z0-9_.-]", "_");
            Path copy = Files.createTempFile("longhaul-" + safe.substring(0, Math.min(40, safe.length())) + "-", ".part");
            copy.toFile().deleteOnExit();
            try (InputStream source = in; java.io.OutputStream out = Files.newOutputStream(copy)) {
                byte[] buffer = new byte[1 << 16];
                long total = 0;
                for (int n; (n = source.read(buffer)) >= 0; ) {
                    total += n;
                    if (total > cap) {
                        throw new IllegalArgumentException(name + " is more than " + limits.maxDocumentBytes()
                                + " bytes, the document limit");
                    }
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                Files.deleteIfExists(copy);
                throw new IOException(name + ": reading failed: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                Files.deleteIfExists(copy);
                throw e;
            }
            return copy;
        }

        /**
         * Copies the stream and checks the copy as open() does, keeping it for open(): a client
         * submitting several documents checks every one before writing any, stdin too. The copy
         * stays until it is sent, or until exit if it never is.
         */
        @Override
        public synchronized Opened check(SourceLimits limits) throws IOException {
            if (opened) {
                throw new IllegalStateException("a stream source can be submitted once: " + name);
            }
            if (checked == null) {
                checked = copyAndCheck(limits);
            }
            return checked;
        }

        @Override
        public String toString() {
            return "StreamSource[" + name + "]";
        }
    }

    /** The source a command-line argument names: "-" is {@code stdin}, a directory a repository, else a file. */
    static DocumentSource forArgument(String argument, InputStream stdin) {
        if ("-".equals(argument)) {
            return stream(stdin, "stdin");
        }
        Path path = Path.of(argument);
        return Files.isDirectory(path) ? repository(path) : file(path);
    }
}
