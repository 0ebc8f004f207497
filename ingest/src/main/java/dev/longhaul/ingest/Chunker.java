/*
 * Cuts a document, given as a sequence of parts (one file, one stream, or the files of a
 * repository), into chunks of at most chunkBytes, streaming: one chunk in hand at a time, so
 * documents of any size pass through in constant memory. A chunk never spans two parts. The
 * SHA-256 is over exactly the bytes handed out, in chunk order. The last chunk is only known
 * once the input ends, so each chunk is handed out when the next one exists (or the input ended).
 * An empty document, one larger than the byte limit and one of more than maxChunks chunks are
 * refused with IllegalArgumentException, as soon as the limit is passed.
 */
package dev.longhaul.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

final class Chunker {
    /** One chunk: its index, data, whether it is the document's last, and its file's path (repositories). */
    record Chunk(int index, byte[] data, boolean last, String path) {}

    /** Receives chunks in index order. */
    interface Sink {
        void accept(Chunk chunk) throws IOException;
    }

    /** What was cut: the descriptor's numbers. */
    record Cut(int chunkCount, long bytes, String sha256) {}

    private final int chunkBytes;
    private final long maxDocumentBytes;
    private final int maxChunks;

    Chunker(int chunkBytes, long maxDocumentBytes) {
        this(chunkBytes, maxDocumentBytes, Integer.MAX_VALUE);
    }

    Chunker(int chunkBytes, long maxDocumentBytes, int maxChunks) {
        if (chunkBytes < 1) {
            throw new IllegalArgumentException("chunk size must be positive: " + chunkBytes);
        }
        this.chunkBytes = chunkBytes;
        this.maxDocumentBytes = maxDocumentBytes;
        this.maxChunks = maxChunks;
    }

    Cut cut(List<? extends DocumentPart> parts, Sink sink) throws IOException {
        MessageDigest sha256 = sha256();
        long total = 0;
        int index = 0;
        Chunk pending = null;
        for (DocumentPart part : parts) {
            try (InputStream in = part.open()) {
                while (true) {
                    byte[] data = in.readNBytes(chunkBytes);
                    if (data.length == 0) {
                        break;
                    }
                    total += data.length;
                    if (total > maxDocumentBytes) {
                        throw new IllegalArgumentException("document is larger than the limit of " + maxDocumentBytes + " bytes");
                    }
                    sha256.update(data);
                    if (pending != null) {
                        sink.accept(pending);
                    }
                    if (index >= maxChunks) {
                        throw new IllegalArgumentException("document needs more than " + maxChunks + " chunks of "
                                + chunkBytes + " bytes, the limit");
                    }
                    pending = new Chunk(index++, data, false, part.path());
                    if (data.length < chunkBytes) {
                        break;
                    }
                }
            }
        }
        if (pending == null) {
            throw new IllegalArgumentException("empty input: the document has no bytes");
        }
        sink.accept(new Chunk(pending.index(), pending.data(), true, pending.path()));
        return new Cut(index, total, HexFormat.of().formatHex(sha256.digest()));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
