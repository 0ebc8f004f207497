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
     * {@code in} is closed when its header is already bad. A corrupt or truncated stream fails
     * with an IOException naming {@code name} (the decompressor's own may have no message at all).
     */
    static InputStream decompress(InputStream in, int maxRatio, String name) throws IOException {
        CountingInputStream compressed = new CountingInputStream(in);
        try {
            return new RatioGuard(GzipCompressorInputStream.builder().setInputStream(compressed)
                    .setDecompressConcatenated(true).get(), compressed, maxRatio, name);
        } catch (IOException e) {
            in.close(); // a bad header fails here, before any caller holds a stream to close
            throw corrupt(name, e);
        } catch (RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** A failure of the source under the decompressor (a disk error, a broken pipe): not the gzip's fault. */
    private static final class SourceFailure extends IOException {
        SourceFailure(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private static IOException corrupt(String name, IOException e) {
        if (e instanceof SourceFailure source) {
            return new IOException(name + ": reading failed: " + source.getCause(), source.getCause());
        }
        String why = e instanceof java.io.EOFException ? "it ends in the middle of a member (truncated?)"
                : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return new IOException(name + " is not valid gzip: " + why, e);
    }

    /**
     * Counts the bytes taken through it (the compressed side). The decompressor marks, reads ahead
     * and resets at the end of every gzip member: the count goes back with the reset and counts
     * skipped bytes, so read-ahead is not counted once per member (which let a file of many small
     * members pass the ratio at any expansion).
     */
    private static final class CountingInputStream extends FilterInputStream {
        long count;
        private long marked;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public synchronized void mark(int readLimit) {
            super.mark(readLimit);
            marked = count;
        }

        @Override
        public synchronized void reset() throws IOException {
            super.reset();
            count = marked;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += Math.max(0, skipped);
            return skipped;
        }

        @Override
        public int read() throws IOException {
            int b;
            try {
                b = super.read();
            } catch (IOException e) {
                throw new SourceFailure(e);
            }
            count += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = super.read(b, off, len);
            } catch (IOException e) {
                throw new SourceFailure(e);
            }
            count += Math.max(0, n);
            return n;
        }
    }

    /** Fails the read that takes the expanded bytes past the ratio. */
    private static final class RatioGuard extends FilterInputStream {
        private final CountingInputStream compressed;
        private final int maxRatio;
        private final String name;
        private long expanded;

        RatioGuard(InputStream inflated, CountingInputStream compressed, int maxRatio, String name) {
            super(inflated);
            this.compressed = compressed;
            this.maxRatio = maxRatio;
            this.name = name;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = super.read(b, off, len);
            } catch (IOException e) {
                throw corrupt(name, e);
            }
            expanded += Math.max(0, n);
            if (expanded > SourceLimits.INFLATION_FLOOR_BYTES && expanded > (double) maxRatio * compressed.count) {
                throw new IllegalArgumentException(name + ": gzip input expands to more than " + maxRatio + " times its size ("
                        + expanded + " bytes from " + compressed.count + " compressed): refused as a decompression bomb");
            }
            return n;
        }
    }
}
