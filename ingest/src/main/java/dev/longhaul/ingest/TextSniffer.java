/*
 * Tells text from binary from the first 8 KiB of a file, the way git does, plus the magic of the
 * formats git would call text by accident: a NUL byte, a compressed or archive format this
 * project does not decompress (gzip is decompressed for a single document), a PDF, or UTF-16/32
 * (text, but not the UTF-8 the pipeline reads) mean binary. Bytes that are not valid UTF-8 do not:
 * a log or a source file in Latin-1 is still text to read (the pipeline decodes it as UTF-8, each
 * byte that is not becoming U+FFFD). Used to leave binaries out of repository jobs, and to refuse a
 * single document that is one.
 */
package dev.longhaul.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

public final class TextSniffer {
    /** How much of a file is inspected. */
    public static final int WINDOW = 8 * 1024;

    private TextSniffer() {}

    /** True when the first {@link #WINDOW} bytes of {@code file} look binary (binaryFormat). */
    public static boolean looksBinary(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return binaryFormat(in.readNBytes(WINDOW)) != null;
        }
    }

    /**
     * What makes a file's or a stream's first bytes binary, or null when they may be text: UTF-16
     * or UTF-32 by its byte-order mark, a known compressed or archive format or a PDF by its
     * magic, else a NUL byte in the window.
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
            if (m.matches().test(head)) {
                return m.name();
            }
        }
        int nul = firstNul(head);
        return nul < 0 ? null : "binary data (a NUL byte at offset " + nul + ")";
    }

    /**
     * "BZh", the block size digit 1-9, then the magic of a compressed block (the digits of pi) or of
     * the stream's end (of sqrt(pi), an empty stream): a text file that merely begins "BZh" is text.
     */
    private static boolean isBzip2(byte[] head) {
        return has(head, 0, 'B', 'Z', 'h') && digitAt(head, 3, '1')
                && (has(head, 4, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59) || has(head, 4, 0x17, 0x72, 0x45, 0x38, 0x50, 0x90));
    }

    /** "%PDF-" and the version's first digit: a text file that merely begins "%PDF-" is text. */
    private static boolean isPdf(byte[] head) {
        return has(head, 0, '%', 'P', 'D', 'F', '-') && digitAt(head, 5, '0');
    }

    /** Whether head holds `bytes` (each 0-255) from `at`. */
    private static boolean has(byte[] head, int at, int... bytes) {
        if (head.length < at + bytes.length) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if (head[at + i] != (byte) bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether head[at] is an ASCII digit from `lowest` to '9'. */
    private static boolean digitAt(byte[] head, int at, char lowest) {
        return head.length > at && head[at] >= lowest && head[at] <= '9';
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

    /** A binary format and how its first bytes show it. */
    private record Magic(String name, java.util.function.Predicate<byte[]> matches) {
        /** A format whose files begin with `bytes` (each 0-255). */
        static Magic of(String name, int... bytes) {
            return new Magic(name, head -> has(head, 0, bytes));
        }
    }

    private static final java.util.List<Magic> MAGICS = java.util.List.of(
            Magic.of("zstd-compressed data", 0x28, 0xB5, 0x2F, 0xFD),
            Magic.of("xz-compressed data", 0xFD, '7', 'z', 'X', 'Z', 0x00),
            new Magic("bzip2-compressed data", TextSniffer::isBzip2),
            Magic.of("a zip archive", 'P', 'K', 0x03, 0x04),
            Magic.of("a 7-zip archive", '7', 'z', 0xBC, 0xAF, 0x27, 0x1C),
            new Magic("a PDF", TextSniffer::isPdf));
}
