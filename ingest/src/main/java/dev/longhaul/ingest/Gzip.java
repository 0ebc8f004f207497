/*
 * Gzip detection by magic bytes (1f 8b, RFC 1952) rather than by file name, so a compressed log
 * piped on stdin or named .log is recognised too; and decompression while streaming, never
 * holding more than the inflater's buffers. Concatenated gzip members (as logrotate and
 * `cat a.gz b.gz` produce) decompress as one stream.
 */
package dev.longhaul.ingest;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

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

    /** The decompressed bytes of {@code in}, streaming. */
    static InputStream decompress(InputStream in) throws IOException {
        return new GZIPInputStream(in, BUFFER);
    }
}
