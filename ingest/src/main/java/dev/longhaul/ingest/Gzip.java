/*
 * Gzip detection by magic bytes (1f 8b, RFC 1952) rather than by file name, so a compressed log
 * piped on stdin or named .log is recognised too; and decompression while streaming, never
 * holding more than the inflater's buffers. Concatenated gzip members (as logrotate and
 * `cat a.gz b.gz` produce) decompress as one stream; bytes after the last member that do not
 * start another are an error (commons-compress), never a silent end that would commit part of a
 * document under a digest of that part. Decompression stops with a clear error once
 * the output exceeds maxRatio times the compressed bytes read (past a 1 MiB floor): a gzip bomb
 * is refused after reading a few KiB of it, not after filling the disk or the topic.
 */
package dev.longhaul.ingest;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

final class Gzip {
    static final int MAGIC_0 = 0x1f;
    static final int MAGIC_1 = 0x8b;
    private static final int BUFFER = 64 * 1024;

    private Gzip() {}

    /** {@code in} buffered, positioned where it was; the magic is read with mark/reset. */
    static BufferedInputStream buffered(InputStream in) {
        return in instanceof BufferedInputStream b ? b : new BufferedInputStream(in, BUFFER);
    }

    /** True when the next two bytes of {@code in} are the gzip magic; consumes nothing. */
    static boolean startsWithMagic(BufferedInputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == MAGIC_0 && b1 == MAGIC_1;
    }

    /**
     * The decompressed bytes of {@code in}, streaming, refused once they outgrow {@code maxRatio};
     * {@code in} is closed when its header is already bad.
     */
    static InputStream decompress(InputStream in, int maxRatio) throws IOException {
        CountingInputStream compressed = new CountingInputStream(in);
        try {
            return new RatioGuard(GzipCompressorInputStream.builder().setInputStream(compressed)
                    .setDecompressConcatenated(true).get(), compressed, maxRatio);
        } catch (IOException | RuntimeException e) {
            in.close(); // a bad header fails here, before any caller holds a stream to close
            throw e;
        }
    }

    /** Counts the bytes read through it (the compressed side). */
    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count += Math.max(0, n);
            return n;
        }
    }

    /** Fails the read that takes the expanded bytes past the ratio. */
    private static final class RatioGuard extends FilterInputStream {
        private final CountingInputStream compressed;
        private final int maxRatio;
        private long expanded;

        RatioGuard(InputStream inflated, CountingInputStream compressed, int maxRatio) {
            super(inflated);
            this.compressed = compressed;
            this.maxRatio = maxRatio;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            expanded += Math.max(0, n);
            if (expanded > SourceLimits.INFLATION_FLOOR_BYTES && expanded > (double) maxRatio * compressed.count) {
                throw new IllegalArgumentException("gzip input expands to more than " + maxRatio + " times its size ("
                        + expanded + " bytes from " + compressed.count + " compressed): refused as a decompression bomb");
            }
            return n;
        }
    }
}
