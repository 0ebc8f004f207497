/*
 * Sources before any Kafka: gzip detected by magic bytes (not by name) and decompressed while
 * streaming, so the digest is that of the plain bytes; up-front refusals (missing, empty,
 * directory, too large); stdin-like streams; and the digest of a corpus file equal to the
 * corpus's own sha256.
 */
package dev.longhaul.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocumentSourceTest {
    @TempDir
    Path tmp;

    private static Chunker.Cut digest(DocumentSource.Opened opened, int chunkBytes) throws IOException {
        return new Chunker(chunkBytes, Long.MAX_VALUE).cut(opened.parts(), c -> {});
    }

    private static void gzip(Path from, Path to) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(to))) {
            Files.copy(from, out);
        }
    }

    @Test
    void aGzippedLogIsSentDecompressedWithThePlainDigest() throws IOException {
        // Named .log on purpose: detection is by magic bytes, not by the name.
        Path compressed = tmp.resolve("Linux.log");
        gzip(Corpus.file(Corpus.LINUX_LOG), compressed);
        assertTrue(Files.size(compressed) < 2_375_732, "the test file really is compressed");

        DocumentSource.Opened opened = DocumentSource.file(compressed).open(Long.MAX_VALUE);
        Chunker.Cut cut = digest(opened, IngestConfig.MAX_CHUNK_BYTES);

        assertEquals(Corpus.manifestSha256(Corpus.LINUX_LOG), cut.sha256());
        assertEquals(2_375_732, cut.bytes());
        assertEquals(5, cut.chunkCount());
        assertEquals("gzip", opened.metadata().get(DocumentSource.META_CONTENT_ENCODING));
        assertEquals("Linux.log", opened.metadata().get(DocumentSource.META_FILE_NAME));
    }

    @Test
    void aPlainFileRecordsNoContentEncoding() throws IOException {
        DocumentSource.Opened opened = DocumentSource.file(Corpus.file(Corpus.HDFS_LOG)).open(Long.MAX_VALUE);
        assertFalse(opened.metadata().containsKey(DocumentSource.META_CONTENT_ENCODING));
        assertEquals(Corpus.manifestSha256(Corpus.HDFS_LOG), digest(opened, 1000).sha256());
        assertEquals(DocumentSource.TEXT, opened.mediaType());
    }

    @Test
    void aGzippedStreamIsDetectedToo() throws IOException {
        byte[] plain = "line one\nline two\n".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(compressed)) {
            out.write(plain);
        }
        DocumentSource.Opened opened = DocumentSource.stream(new ByteArrayInputStream(compressed.toByteArray()), "stdin").open(Long.MAX_VALUE);
        Chunker.Cut cut = digest(opened, 4);
        assertEquals(plain.length, cut.bytes());
        assertEquals("stdin", opened.metadata().get(DocumentSource.META_SOURCE));
        assertEquals("gzip", opened.metadata().get(DocumentSource.META_CONTENT_ENCODING));
    }

    @Test
    void concatenatedMembersAreOneDocumentAndBytesAfterTheLastAreRefused() throws IOException {
        ByteArrayOutputStream two = new ByteArrayOutputStream();
        for (String part : new String[] {"first member\n", "second member\n"}) {
            try (OutputStream out = new GZIPOutputStream(two)) {
                out.write(part.getBytes(StandardCharsets.UTF_8));
            }
        }
        Chunker.Cut cut = digest(DocumentSource.stream(new ByteArrayInputStream(two.toByteArray()), "stdin").open(Long.MAX_VALUE), 8);
        assertEquals("first member\nsecond member\n".length(), cut.bytes(), "`cat a.gz b.gz` is both files");
        // (gzip -c a; echo tail) > x.gz: the JDK's reader ended at the first member and dropped the rest unsaid
        two.write("tail\n".getBytes(StandardCharsets.UTF_8));
        // (refused when opened here, where the head checked for a binary format reaches it; while sent, in a longer stream)
        IOException e = assertThrows(IOException.class,
                () -> digest(DocumentSource.stream(new ByteArrayInputStream(two.toByteArray()), "stdin").open(Long.MAX_VALUE), 8));
        assertTrue(e.getMessage().contains("after a valid .gz stream"), e.getMessage());
        assertTrue(e.getMessage().startsWith("stdin is not valid gzip"), e.getMessage());
    }

    @Test
    void aSourceThatFailsUnderTheDecompressorIsNotCalledBadGzip() throws IOException {
        // given a gzipped stream whose source fails after 4 KB (a disk error, a broken pipe)
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(whole)) {
            out.write(Files.readAllBytes(Corpus.file(Corpus.LINUX_LOG)));
        }
        byte[] head = java.util.Arrays.copyOf(whole.toByteArray(), 4096);
        java.io.InputStream failing = new java.io.SequenceInputStream(new ByteArrayInputStream(head), new java.io.InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("Input/output error");
            }
        });
        // then the error says reading failed, with the source's own reason, not that the gzip is bad
        // (a stream is read to its end when opened, before any transaction begins)
        IOException e = assertThrows(IOException.class, () -> DocumentSource.stream(failing, "stdin").open(Long.MAX_VALUE));
        assertTrue(e.getMessage().startsWith("stdin: reading failed") && e.getMessage().contains("Input/output error"), e.getMessage());
    }

    @Test
    void aTruncatedGzipFileFailsNamingTheFile() throws IOException {
        // given the first half of a gzipped log (a copy cut short): its head is fine, its end is missing
        Path whole = tmp.resolve("whole.gz");
        gzip(Corpus.file(Corpus.LINUX_LOG), whole);
        byte[] bytes = Files.readAllBytes(whole);
        Path half = tmp.resolve("half.log.gz");
        Files.write(half, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        DocumentSource.Opened opened = DocumentSource.file(half).open(Long.MAX_VALUE);
        // when it is read, then the error says which file and why, not a bare EOFException
        IOException e = assertThrows(IOException.class, () -> digest(opened, IngestConfig.MAX_CHUNK_BYTES));
        assertTrue(e.getMessage().contains(half.toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aStreamCanBeSubmittedOnce() throws IOException {
        DocumentSource source = DocumentSource.stream(new ByteArrayInputStream(new byte[] {1}), "stdin");
        source.open(10);
        assertThrows(IllegalStateException.class, () -> source.open(10));
    }

    @Test
    void missingEmptyAndDirectoryInputsAreRefusedUpFront() throws IOException {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> DocumentSource.file(tmp.resolve("nope.txt")).open(10));
        assertTrue(missing.getMessage().contains("nope.txt"), missing.getMessage());
        Path empty = Files.createFile(tmp.resolve("empty.txt"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DocumentSource.file(empty).open(10));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        IllegalArgumentException dir = assertThrows(IllegalArgumentException.class, () -> DocumentSource.file(tmp).open(10));
        assertTrue(dir.getMessage().contains("REPO"), dir.getMessage());
    }

    @Test
    void aBinaryFileIsRefusedUpFrontWithItsFormatNamedButLatin1TextIsNot() throws IOException {
        Path zstd = Files.write(tmp.resolve("app.log.zst"), new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 1, 2, 3});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DocumentSource.file(zstd).open(100));
        assertTrue(e.getMessage().contains("zstd") && e.getMessage().contains("app.log.zst"), e.getMessage());
        Path nul = Files.write(tmp.resolve("utf16.txt"), "hi".getBytes(StandardCharsets.UTF_16LE));
        e = assertThrows(IllegalArgumentException.class, () -> DocumentSource.file(nul).check(SourceLimits.of(100)));
        assertTrue(e.getMessage().contains("NUL byte at offset 1"), e.getMessage());
        Path utf16 = Files.write(tmp.resolve("ps.log"), "\uFEFFhi".getBytes(StandardCharsets.UTF_16LE));
        e = assertThrows(IllegalArgumentException.class, () -> DocumentSource.file(utf16).open(100));
        assertTrue(e.getMessage().contains("UTF-16 text"), e.getMessage());
        // gzip is decompressed: what counts is what would be sent
        Path pdf = Files.writeString(tmp.resolve("contract.txt"), "%PDF-1.7 ...");
        gzip(pdf, tmp.resolve("contract.txt.gz"));
        e = assertThrows(IllegalArgumentException.class, () -> DocumentSource.file(tmp.resolve("contract.txt.gz")).open(100));
        assertTrue(e.getMessage().contains("PDF"), e.getMessage());
        // bzip2 by its whole header (block size, then a block's magic or the end's), not by "BZh" alone
        Path bz2 = Files.write(tmp.resolve("app.log.bz2"), new byte[] {'B', 'Z', 'h', '9', 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 7, 7});
        e = assertThrows(IllegalArgumentException.class, () -> DocumentSource.file(bz2).open(100));
        assertTrue(e.getMessage().contains("bzip2"), e.getMessage());
        Path emptyBz2 = Files.write(tmp.resolve("empty.bz2"), new byte[] {'B', 'Z', 'h', '9', 0x17, 0x72, 0x45, 0x38, 0x50, (byte) 0x90, 0, 0, 0, 0});
        assertThrows(IllegalArgumentException.class, () -> DocumentSource.file(emptyBz2).open(100));
        Path bzhText = Files.writeString(tmp.resolve("codes.txt"), "BZh is the code of the Bozhou plant\n");
        assertEquals(1, DocumentSource.file(bzhText).open(100).parts().size());
        Path pdfText = Files.writeString(tmp.resolve("notes.txt"), "%PDF-parsing notes: none yet\n");
        assertEquals(1, DocumentSource.file(pdfText).open(100).parts().size());
        // a Latin-1 log is text to summarize, though not UTF-8
        Path latin1 = Files.write(tmp.resolve("latin1.log"), "caf\u00e9 ouvert\n".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(1, DocumentSource.file(latin1).open(100).parts().size());
    }

    @Test
    void aBinaryStreamIsRefusedByItsCheckAndAStreamCheckedIsSentFromItsCheckedCopy() throws IOException {
        byte[] xz = {(byte) 0xFD, '7', 'z', 'X', 'Z', 0, 9, 9};
        DocumentSource source = DocumentSource.stream(new ByteArrayInputStream(xz), "stdin");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> source.check(SourceLimits.of(100)));
        assertTrue(e.getMessage().contains("xz") && e.getMessage().contains("stdin"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DocumentSource.stream(new ByteArrayInputStream(xz), "stdin").open(100),
                "refused when opened unchecked too");
        // text streams are sent whole, the sniffed head included; a checked one from the copy its check made
        byte[] text = "line one\nline two\n".getBytes(StandardCharsets.UTF_8);
        ByteArrayInputStream in = new ByteArrayInputStream(text);
        DocumentSource checked = DocumentSource.stream(in, "stdin");
        checked.check(SourceLimits.of(100));
        assertEquals(0, in.available(), "the check read the stream to its end");
        Chunker.Cut cut = digest(checked.open(100), 4);
        assertEquals(text.length, cut.bytes());
        assertEquals(text.length, digest(DocumentSource.stream(new ByteArrayInputStream(text), "stdin").open(100), 4).bytes());
        assertThrows(IllegalStateException.class, () -> checked.open(100), "a stream is submitted once");
    }

    @Test
    void aStreamEmptyOrOverTheLimitIsRefusedWhenOpenedAndItsCopyDeleted() throws IOException {
        String name = "stdin-" + Long.toHexString(System.nanoTime()); // its copy's name begins with it
        // over the limit by less than the copy's room for gzip framing: refused once the copy's size is known
        byte[] text = "0123456789".repeat(10).getBytes(StandardCharsets.US_ASCII);
        byte[] longer = (new String(text, StandardCharsets.US_ASCII) + "x").getBytes(StandardCharsets.US_ASCII);
        IllegalArgumentException over = assertThrows(IllegalArgumentException.class,
                () -> DocumentSource.stream(new ByteArrayInputStream(longer), name).open(SourceLimits.of(100)));
        assertTrue(over.getMessage().contains("101 bytes, more than the limit of 100"), over.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> DocumentSource.stream(java.io.InputStream.nullInputStream(), name).open(SourceLimits.of(100)));
        assertTrue(empty.getMessage().contains("empty input: " + name), empty.getMessage());
        try (var left = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertEquals(java.util.List.of(), left.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("longhaul-" + name + "-")).toList(), "copies left behind");
        }
        // exactly at the limit it is sent, its size known up front
        DocumentSource.Opened at = DocumentSource.stream(new ByteArrayInputStream(text), name).open(SourceLimits.of(100));
        assertEquals(100, at.parts().get(0).size());
        assertEquals(100, digest(at, 64).bytes());
    }

    /** An empty gzip (`gzip < /dev/null`, some bytes but no content) is refused up front, as a file or a stream. */
    @Test
    void anEmptyGzipIsRefusedBeforeAnyTransaction(@TempDir Path dir) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        new java.util.zip.GZIPOutputStream(bytes).close();
        Path file = Files.write(dir.resolve("empty.log.gz"), bytes.toByteArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DocumentSource.file(file).check(SourceLimits.of(100)));
        assertTrue(e.getMessage().contains("empty input: ") && e.getMessage().contains("decompresses to no bytes"), e.getMessage());
        IllegalArgumentException stream = assertThrows(IllegalArgumentException.class,
                () -> DocumentSource.stream(new ByteArrayInputStream(bytes.toByteArray()), "stdin").open(SourceLimits.of(100)));
        assertTrue(stream.getMessage().contains("decompresses to no bytes"), stream.getMessage());
    }

    /** A stream's copy goes when its Opened is closed, read or not (a submission refused or failed before reading it). */
    @Test
    void closingAnOpenedStreamDeletesItsCopyReadOrNot() throws IOException {
        String name = "stdin-" + Long.toHexString(System.nanoTime()); // its copy's name begins with it
        byte[] text = "a line of text\n".getBytes(StandardCharsets.US_ASCII);
        DocumentSource.Opened unread = DocumentSource.stream(new ByteArrayInputStream(text), name).open(SourceLimits.of(100));
        assertEquals(1, copiesOf(name), "the copy is there while the document is open");
        unread.close();
        assertEquals(0, copiesOf(name), "closed unread, the copy is left behind");
        DocumentSource.Opened read = DocumentSource.stream(new ByteArrayInputStream(text), name).open(SourceLimits.of(100));
        assertEquals(text.length, digest(read, 64).bytes());
        read.close(); // after its part was read (and the copy deleted with it): nothing to do, no error
        assertEquals(0, copiesOf(name));
    }

    private static long copiesOf(String name) throws IOException {
        try (var left = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return left.filter(p -> p.getFileName().toString().startsWith("longhaul-" + name + "-")).count();
        }
    }

    @Test
    void aFileLargerThanTheLimitIsRefusedBeforeReading() throws IOException {
        Path file = Files.writeString(tmp.resolve("big.txt"), "0123456789");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DocumentSource.file(file).open(9));
        assertTrue(e.getMessage().contains("limit"), e.getMessage());
        assertEquals(1, DocumentSource.file(file).open(10).parts().size());
    }

    @Test
    void argumentsMapToSources() throws IOException {
        assertTrue(DocumentSource.forArgument("-", new ByteArrayInputStream(new byte[0])) instanceof DocumentSource.StreamSource);
        assertTrue(DocumentSource.forArgument(tmp.toString(), System.in).isRepository());
        Path file = Files.writeString(tmp.resolve("a.txt"), "a");
        assertTrue(DocumentSource.forArgument(file.toString(), System.in) instanceof DocumentSource.FileSource);
    }

    @Test
    void aRepositoryFileSwappedForALinkAfterTheWalkIsLeftOutNotFollowed() throws IOException {
        java.nio.file.Path repo = java.nio.file.Files.createDirectories(tmp.resolve("repo"));
        java.nio.file.Path secret = java.nio.file.Files.writeString(tmp.resolve("secret.txt"), "outside the tree");
        java.nio.file.Files.writeString(repo.resolve("a.txt"), "inside");
        java.nio.file.Files.writeString(repo.resolve("b.txt"), "inside too");
        DocumentSource.Opened opened = DocumentSource.repository(repo).open(Long.MAX_VALUE);
        // the tree changes during the upload: b.txt becomes a link to a file outside it
        java.nio.file.Files.delete(repo.resolve("b.txt"));
        java.nio.file.Files.createSymbolicLink(repo.resolve("b.txt"), secret);
        DocumentPart b = opened.parts().stream().filter(part -> part.path().equals("b.txt")).findFirst().orElseThrow();
        try (var in = b.opener().open()) {
            assertEquals(0, in.readAllBytes().length, "nothing of the link's target is read");
        }
        assertTrue(opened.skipped().contains(new Skipped("b.txt", Skipped.Reason.CHANGED)), opened.skipped().toString());
    }
}
