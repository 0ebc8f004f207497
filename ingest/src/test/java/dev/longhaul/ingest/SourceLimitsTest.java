/*
 * The client-side limits: a gzip bomb stops with a clear error after a bounded read, a document of
 * too many chunks and a repository of too many files are refused, and an honest compressed log
 * passes.
 */
package dev.longhaul.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceLimitsTest {

    private static byte[] gzip(byte[] data, int times) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            for (int i = 0; i < times; i++) {
                gz.write(data);
            }
        }
        return out.toByteArray();
    }

    private static long cut(DocumentSource source, SourceLimits limits) throws IOException {
        long[] bytes = {0};
        new Chunker(IngestConfig.MAX_CHUNK_BYTES, limits.maxDocumentBytes()).cut(source.open(limits).parts(), c -> bytes[0] += c.data().length);
        return bytes[0];
    }

    @Test
    void aGzipBombStopsOnceItsRatioIsPassed() throws IOException {
        // given 256 MiB of one letter in about 250 KiB of gzip (a ratio near 1000; text, so that
        // what stops it is the ratio, not the refusal of binary input)
        byte[] block = new byte[1 << 20];
        java.util.Arrays.fill(block, (byte) 'a');
        byte[] bomb = gzip(block, 256);
        long[] seen = {0};
        // when it is read as a stream with the default limits, then it is refused well before its end
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Chunker(IngestConfig.MAX_CHUNK_BYTES, Long.MAX_VALUE)
                .cut(DocumentSource.stream(new ByteArrayInputStream(bomb), "bomb").open(SourceLimits.of(Long.MAX_VALUE)).parts(),
                        c -> seen[0] += c.data().length));
        assertTrue(e.getMessage().contains("decompression bomb"), e.getMessage());
        assertTrue(seen[0] < 64L << 20, "stopped after " + seen[0] + " bytes, not at 256 MiB");
    }

    @Test
    void aClientMayAllowAHigherRatioForInputThatIsHonestlyThatRepetitive() throws IOException {
        // given 64 MiB of one letter in gzip (a ratio near 1000), which the default refuses
        byte[] block = new byte[1 << 20];
        java.util.Arrays.fill(block, (byte) 'a');
        byte[] repetitive = gzip(block, 64);
        IngestConfig config = IngestConfig.defaults("unused:9092").withMaxInflationRatio(2000);
        assertEquals(2000, config.sourceLimits().maxInflationRatio());
        long[] seen = {0};
        // when the client allows 2000, then all of it is read
        new Chunker(IngestConfig.MAX_CHUNK_BYTES, Long.MAX_VALUE)
                .cut(DocumentSource.stream(new ByteArrayInputStream(repetitive), "repetitive").open(config.sourceLimits()).parts(),
                        c -> seen[0] += c.data().length);
        assertEquals(64L << 20, seen[0]);
        assertThrows(IllegalArgumentException.class, () -> config.withMaxInflationRatio(0));
    }

    @Test
    void aGzipBombOfManySmallMembersStopsOnceItsRatioIsPassed() throws IOException {
        // given 1000 gzip members of 1 MiB of one letter each, concatenated (about 1 MB in all)
        byte[] block = new byte[1 << 20];
        java.util.Arrays.fill(block, (byte) 'a');
        byte[] member = gzip(block, 1);
        ByteArrayOutputStream members = new ByteArrayOutputStream();
        for (int i = 0; i < 1000; i++) {
            members.write(member);
        }
        long[] seen = {0};
        // when it is read with the default limits, then the ratio holds across members as within one
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Chunker(IngestConfig.MAX_CHUNK_BYTES, Long.MAX_VALUE)
                .cut(DocumentSource.stream(new ByteArrayInputStream(members.toByteArray()), "members").open(SourceLimits.of(Long.MAX_VALUE)).parts(),
                        c -> seen[0] += c.data().length));
        assertTrue(e.getMessage().contains("decompression bomb"), e.getMessage());
        assertTrue(seen[0] < 64L << 20, "stopped after " + seen[0] + " bytes, not at 1000 MiB");
    }

    @Test
    void manyHonestMembersPass() throws IOException {
        // given a rotated log: 300 members of varied lines, each compressing about 5x
        java.util.Random random = new java.util.Random(11);
        ByteArrayOutputStream members = new ByteArrayOutputStream();
        long plain = 0;
        for (int m = 0; m < 300; m++) {
            StringBuilder text = new StringBuilder();
            while (text.length() < 20_000) {
                text.append(String.format("08:%02d:%02d req=%08x served %d%n", random.nextInt(60), random.nextInt(60),
                        random.nextInt(), random.nextInt(100_000)));
            }
            byte[] part = text.toString().getBytes(StandardCharsets.UTF_8);
            plain += part.length;
            members.write(gzip(part, 1));
        }
        // then every byte of every member is read, under a ratio of 10
        assertEquals(plain, cut(DocumentSource.stream(new ByteArrayInputStream(members.toByteArray()), "rotated"),
                new SourceLimits(Long.MAX_VALUE, 10, 10)));
    }

    @Test
    void anHonestCompressedLogPasses() throws IOException {
        // given 3 MiB of log lines with varying times and request ids (real logs compress 5-20x)
        java.util.Random random = new java.util.Random(7);
        StringBuilder text = new StringBuilder();
        while (text.length() < 3 << 20) {
            text.append(String.format("2026-11-29 08:%02d:%02d.%03d INFO req=%08x user=%d served %d bytes%n", random.nextInt(60),
                    random.nextInt(60), random.nextInt(1000), random.nextInt(), random.nextInt(5000), random.nextInt(100_000)));
        }
        byte[] log = text.toString().getBytes(StandardCharsets.UTF_8);
        long read = cut(DocumentSource.stream(new ByteArrayInputStream(gzip(log, 1)), "log"), SourceLimits.of(Long.MAX_VALUE));
        assertEquals(log.length, read);
    }

    @Test
    void aRatioOfOneRefusesEvenModestCompressionPastTheFloor() throws IOException {
        byte[] gz = gzip("abcabcabc\n".getBytes(StandardCharsets.UTF_8), 300_000);
        SourceLimits strict = new SourceLimits(Long.MAX_VALUE, 1, 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cut(DocumentSource.stream(new ByteArrayInputStream(gz), "s"), strict));
        assertTrue(e.getMessage().contains("more than 1 times its size"), e.getMessage());
    }

    @Test
    void tooManyChunksAreRefused() {
        List<DocumentPart> parts = List.of(new DocumentPart(null, () -> new ByteArrayInputStream(new byte[11])));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Chunker(1, 100, 10).cut(parts, c -> { }));
        assertTrue(e.getMessage().contains("more than 10 chunks"), e.getMessage());
    }

    @Test
    void aRepositoryOfTooManyFilesIsRefused(@TempDir Path root) throws IOException {
        for (int i = 0; i < 5; i++) {
            Files.writeString(root.resolve("f" + i + ".txt"), "file " + i + "\n");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DocumentSource.repository(root).open(new SourceLimits(1 << 20, 200, 3)));
        assertTrue(e.getMessage().contains("more than 3 files"), e.getMessage());
        assertEquals(5, DocumentSource.repository(root).open(new SourceLimits(1 << 20, 200, 5)).parts().size());
    }
}
