/*
 * Chunk boundaries and digests without a broker: exact multiples, one byte, one past a multiple,
 * empty and oversized input, parts (repository files) never sharing a chunk, and a 1 GiB stream
 * cut in constant memory. Digests are checked against MessageDigest over the same bytes and
 * against the corpus's own MANIFEST.json.
 */
package dev.longhaul.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class ChunkerTest {
    private static DocumentPart part(String path, byte[] bytes) {
        return new DocumentPart(path, () -> new ByteArrayInputStream(bytes));
    }

    private static byte[] seeded(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(Chunker.sha256().digest(bytes));
    }

    private record Result(Chunker.Cut cut, List<Chunker.Chunk> chunks) {}

    private static Result cut(int chunkBytes, long max, List<DocumentPart> parts) throws IOException {
        List<Chunker.Chunk> chunks = new ArrayList<>();
        Chunker.Cut cut = new Chunker(chunkBytes, max).cut(parts, chunks::add);
        return new Result(cut, chunks);
    }

    @Test
    void anExactMultipleFillsEveryChunkAndMarksOnlyTheLast() throws IOException {
        byte[] data = seeded(4 * 8, 1);
        Result r = cut(8, Long.MAX_VALUE, List.of(part(null, data)));
        assertEquals(4, r.cut().chunkCount());
        assertEquals(32, r.cut().bytes());
        for (int i = 0; i < 4; i++) {
            Chunker.Chunk c = r.chunks().get(i);
            assertEquals(i, c.index());
            assertEquals(8, c.data().length);
            assertEquals(i == 3, c.last(), "chunk " + i);
        }
        assertEquals(sha256(data), r.cut().sha256());
    }

    @Test
    void onePastAMultipleAddsAOneByteChunk() throws IOException {
        byte[] data = seeded(17, 2);
        Result r = cut(8, Long.MAX_VALUE, List.of(part(null, data)));
        assertEquals(List.of(8, 8, 1), r.chunks().stream().map(c -> c.data().length).toList());
        assertTrue(r.chunks().get(2).last());
        assertEquals(sha256(data), r.cut().sha256());
    }

    @Test
    void aOneByteDocumentIsOneLastChunk() throws IOException {
        Result r = cut(512 * 1024, Long.MAX_VALUE, List.of(part(null, new byte[] {'x'})));
        assertEquals(1, r.cut().chunkCount());
        assertEquals(1, r.cut().bytes());
        assertArrayEquals(new byte[] {'x'}, r.chunks().get(0).data());
        assertTrue(r.chunks().get(0).last());
        assertEquals("2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", r.cut().sha256(), "sha256 of 'x'");
    }

    @Test
    void anEmptyDocumentIsRefusedAndNothingIsHandedOut() {
        List<Chunker.Chunk> seen = new ArrayList<>();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Chunker(8, 100).cut(List.of(part(null, new byte[0])), seen::add));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        assertEquals(List.of(), seen);
    }

    @Test
    void aDocumentOverTheLimitIsRefusedWhileStreaming() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cut(8, 20, List.of(part(null, seeded(21, 3)))));
        assertTrue(e.getMessage().contains("20"), e.getMessage());
    }

    @Test
    void partsNeverShareAChunkAndKeepTheirPaths() throws IOException {
        byte[] a = seeded(10, 4);
        byte[] b = seeded(3, 5);
        Result r = cut(8, Long.MAX_VALUE, List.of(part("a.txt", a), part("dir/b.txt", b)));
        assertEquals(List.of("a.txt", "a.txt", "dir/b.txt"), r.chunks().stream().map(Chunker.Chunk::path).toList());
        assertEquals(List.of(8, 2, 3), r.chunks().stream().map(c -> c.data().length).toList());
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.writeBytes(a);
        both.writeBytes(b);
        assertEquals(sha256(both.toByteArray()), r.cut().sha256());
        assertEquals(13, r.cut().bytes());
    }

    @Test
    void aCorpusContractDigestsToItsManifestSha256() throws IOException {
        byte[] contract = Files.readAllBytes(Corpus.file(Corpus.CONTRACT));
        Result r = cut(4096, Long.MAX_VALUE, List.of(part(null, contract)));
        assertEquals(Corpus.manifestSha256(Corpus.CONTRACT), r.cut().sha256());
        assertEquals((contract.length + 4095) / 4096, r.cut().chunkCount());
    }

    /** 1 GiB through full-size chunks with nothing kept: the Chunker holds one chunk at a time. */
    @Test
    void aGibibyteStreamIsCutIntoFullChunks() throws IOException {
        long size = 1L << 30;
        int chunk = IngestConfig.MAX_CHUNK_BYTES;
        long[] seen = {0, 0};
        int[] lastIndex = {-1};
        Chunker.Cut cut = new Chunker(chunk, Long.MAX_VALUE).cut(List.of(new DocumentPart(null, () -> new Zeros(size))), c -> {
            seen[0]++;
            seen[1] += c.data().length;
            if (c.last()) {
                lastIndex[0] = c.index();
            }
        });
        assertEquals(2048, cut.chunkCount());
        assertEquals(size, cut.bytes());
        assertEquals(2048, seen[0]);
        assertEquals(size, seen[1]);
        assertEquals(2047, lastIndex[0]);
        // `head -c 1073741824 /dev/zero | sha256sum`
        assertEquals("49bc20df15e412a64472421e13fe86ff1c5165e18b2afccf160d4dc19fe68a14", cut.sha256());
    }

    /** {@code size} zero bytes, generated: no file or array of that size exists. */
    private static final class Zeros extends InputStream {
        private long left;

        Zeros(long size) {
            this.left = size;
        }

        @Override
        public int read() {
            if (left == 0) {
                return -1;
            }
            left--;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            Arrays.fill(b, off, off + n, (byte) 0);
            left -= n;
            return n;
        }
    }
}
