/*
 * Tells text from binary the way git and grep do, from the first 8 KiB only: a NUL byte, or bytes
 * that are not valid UTF-8, mean binary. A multi-byte character cut by the end of the window is
 * not counted against the file. Used to leave binaries out of repository jobs.
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
     * @param head      the first bytes of the file
     * @param wholeFile true when {@code head} is the entire file, so a truncated character at its
     *                  end is an error rather than the window's cut
     */
    static boolean looksBinary(byte[] head, boolean wholeFile) {
        for (byte b : head) {
            if (b == 0) {
                return true;
            }
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
