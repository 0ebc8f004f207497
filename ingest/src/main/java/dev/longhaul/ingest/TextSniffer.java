/*
 * Tells text from binary the way git and grep do, from the first 8 KiB only: a NUL byte, or bytes
 * that are not valid UTF-8, mean binary. A multi-byte character cut by the end of the window is
 * not counted against the file. Used to leave binaries out of repository jobs.
 *
 * A single document (a file or stdin) is held to a looser test, binaryFormat(): a log in Latin-1
 * is still text to summarize, so only a NUL byte or the magic of an archive or a compressed
 * format this project does not decompress (gzip is decompressed) refuses it.
 */
package dev.longhaul.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

public final class TextSniffer {
    /** How much of a file is inspected. */
    public static final int WINDOW = 8 * 1024;

    private TextSniffer() {}

    /** True when the first {@link #WINDOW} bytes of {@code file} look binary. */
    public static boolean looksBinary(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(WINDOW);
            boolean wholeFile = head.length < WINDOW || in.read() < 0;
            return looksBinary(head, wholeFile);
        }
    }

    /**
     * What makes a single document's first bytes binary, or null when they may be text: a known
     * compressed or archive format by its magic, else a NUL byte in the window.
     */
    static String binaryFormat(byte[] head) {
        // UTF-16/32 text is text, but not UTF-8, which is what the pipeline reads: say which it is
        if (head.length >= 4 && (head[0] == (byte) 0xFF && head[1] == (byte) 0xFE && head[2] == 0 && head[3] == 0
                || head[0] == 0 && head[1] == 0 && head[2] == (byte) 0xFE && head[3] == (byte) 0xFF)) {
            return "UTF-32 text (convert it to UTF-8)";
        }
        if (head.length >= 2 && (head[0] == (byte) 0xFF && head[1] == (byte) 0xFE || head[0] == (byte) 0xFE && head[1] == (byte) 0xFF)) {
            return "UTF-16 text (convert it to UTF-8)";
        }
        for (Magic m : MAGICS) {
            if (head.length >= m.bytes.length && java.util.Arrays.equals(head, 0, m.bytes.length, m.bytes, 0, m.bytes.length)) {
                return m.name;
            }
        }
        int nul = firstNul(head);
        return nul < 0 ? null : "binary data (a NUL byte at offset " + nul + ")";
    }

    /** The offset of the first NUL byte within the window, or -1. */
    private static int firstNul(byte[] head) {
        for (int i = 0; i < Math.min(head.length, WINDOW); i++) {
            if (head[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private record Magic(String name, byte[] bytes) {
        static Magic of(String name, int... bytes) {
            byte[] b = new byte[bytes.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) bytes[i];
            }
            return new Magic(name, b);
        }
    }

    private static final java.util.List<Magic> MAGICS = java.util.List.of(
            Magic.of("zstd-compressed data", 0x28, 0xB5, 0x2F, 0xFD),
            Magic.of("xz-compressed data", 0xFD, '7', 'z', 'X', 'Z', 0x00),
            Magic.of("bzip2-compressed data", 'B', 'Z', 'h'),
            Magic.of("a zip archive", 'P', 'K', 0x03, 0x04),
            Magic.of("a 7-zip archive", '7', 'z', 0xBC, 0xAF, 0x27, 0x1C),
            Magic.of("a PDF", '%', 'P', 'D', 'F', '-'));

    /**
     * @param head      the first bytes of the file
     * @param wholeFile true when {@code head} is the entire file, so a truncated character at its
     *                  end is an error rather than the window's cut
     */
    static boolean looksBinary(byte[] head, boolean wholeFile) {
        if (firstNul(head) >= 0) {
            return true;
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(head);
        CharBuffer out = CharBuffer.allocate(head.length + 1);
        CoderResult result = decoder.decode(in, out, wholeFile);
        if (result.isError()) {
            return true;
        }
        return wholeFile && decoder.flush(out).isError();
    }
}
