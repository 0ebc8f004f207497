/*
 * What the model reads of a document, assembled while the document streams past chunk by chunk.
 * Every byte is seen once; nothing but a bounded tail and the salient passages is kept.
 *
 * A document whose estimated tokens fit the budget is read whole: every chunk is tokenized
 * incrementally and fed to the model as it arrives. A longer one is read as a view: the beginning
 * (40% of the budget) fed as it arrives, then the most salient lines of the middle (30%, chosen by
 * Salience, kept in document order) and the end (30%, a ring of the last bytes), fed at finish()
 * with an elision marker between the parts. Tokens per byte is measured on the first chunk, so the
 * byte-denominated parts track the tokenizer; token caps are enforced exactly. The share the
 * model read is counted in bytes. Every token goes out through LiteralTokens: text in the document
 * that spells a special token reaches the model as text, and the caps count what is fed.
 */
package dev.longhaul.pipeline.worker;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

import dev.longhaul.engine.tokenizer.StreamingTokenizer;
import dev.longhaul.engine.tokenizer.TextTokenizer;
import dev.longhaul.schemas.DocumentKind;

final class DocumentView {
    /** Receives tokens for the model in document order; may throw to stop the stream (cancel). */
    interface TokenSink {
        void feed(int[] tokens);
    }

    /** What was read: bytes streamed, bytes the model read, tokens fed, and whether it was whole. */
    record Outcome(long documentBytes, long bytesRead, long tokensFed, boolean whole) {
        double shareRead() {
            return documentBytes == 0 ? 1.0 : Math.min(1.0, (double) bytesRead / documentBytes);
        }
    }

    private static final int MAX_LINE = 4096;
    private static final Comparator<Passage> WORST_FIRST =
            Comparator.comparingInt(Passage::score).thenComparing(Comparator.comparingLong(Passage::offset).reversed());

    private record Passage(long offset, int score, byte[] bytes) {}

    private final TextTokenizer tokenizer;
    private final Salience salience;
    private final long totalBytes;
    private final int budget;
    private final TokenSink sink;
    private final LiteralTokens literal;

    private StreamingTokenizer stream;
    private String currentPath;
    private Boolean whole;           // decided on the first chunk
    private long headBytes;          // view mode: bytes fed as the beginning
    private int headTokens;
    private int salientTokens;
    private long seen;               // bytes streamed so far
    private long bytesRead;          // bytes the model read
    private long fed;                // tokens fed
    // view mode, the middle and the end
    private final TreeSet<Passage> passages = new TreeSet<>(WORST_FIRST);
    private long passageBytes;
    private long passageCap;
    private byte[] tail;
    private long tailWritten;        // document offset just past the last byte in the ring
    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;
    private long lineStart;

    DocumentView(TextTokenizer tokenizer, DocumentKind kind, long totalBytes, int budgetTokens, TokenSink sink) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.salience = new Salience(kind);
        this.totalBytes = totalBytes;
        this.budget = budgetTokens;
        this.sink = sink;
        this.literal = new LiteralTokens(tokenizer);
        this.stream = new StreamingTokenizer(tokenizer);
    }

    /** The next chunk, in document order; {@code path} is the file of a repository chunk, else null. */
    void accept(String path, byte[] data) {
        if (whole == null) {
            decide(data);
        }
        if (whole) {
            if (path != null && !path.equals(currentPath)) {
                newFile(path);
            }
            feedCapped(stream.acceptBytes(data), budget);
            bytesRead += fed < budget ? data.length : 0;
        } else {
            int from = 0;
            if (seen < headBytes) {
                int n = (int) Math.min(data.length, headBytes - seen);
                if (path != null && !path.equals(currentPath)) {
                    newFile(path);
                }
                feedCapped(stream.acceptBytes(data, 0, n), headTokens);
                bytesRead += n;
                from = n;
            }
            scan(data, from, seen + from);
        }
        seen += data.length;
    }

    /** Feeds what remains (view mode: the salient passages and the end) and reports what was read. */
    Outcome finish() {
        if (whole == null || whole) {
            feedCapped(stream.finish(), budget);
            return new Outcome(seen, whole == null ? 0 : bytesRead, fed, true);
        }
        feedCapped(stream.finish(), headTokens);
        endLine();
        long tailStart = Math.max(headBytes, tailWritten - tail.length);
        List<Passage> chosen = new ArrayList<>();
        for (Passage p : passages) {
            if (p.offset + p.bytes.length <= tailStart) {
                chosen.add(p);
            }
        }
        chosen.sort(Comparator.comparingLong(Passage::offset));
        int salientCap = headTokens + salientTokens;
        for (Passage p : chosen) {
            if (fed >= salientCap) {
                break;
            }
            feedCapped(tokenizer.encode(Prompts.ELISION + new String(p.bytes, StandardCharsets.UTF_8)), salientCap);
            bytesRead += p.bytes.length;
        }
        byte[] end = tailBytes(tailStart);
        int[] endTokens = tokenizer.encode(Prompts.ELISION + new String(end, StandardCharsets.UTF_8));
        int room = (int) Math.max(0, budget - fed);
        if (endTokens.length > room) {
            // Keep the very end: the last `room` tokens (the elision marker is dropped first).
            int[] last = new int[room];
            System.arraycopy(endTokens, endTokens.length - room, last, 0, room);
            endTokens = last;
        }
        feedCapped(endTokens, budget);
        bytesRead += end.length;
        return new Outcome(seen, bytesRead, fed, false);
    }

    private void decide(byte[] first) {
        int sample = Math.min(first.length, 64 << 10);
        double tokensPerByte = sample == 0 ? 0.5
                : Math.max(0.05, (double) tokenizer.encode(new String(first, 0, sample, StandardCharsets.UTF_8)).length / sample);
        double estimate = totalBytes * tokensPerByte;
        whole = estimate <= 0.8 * budget;
        if (!whole) {
            headTokens = (int) (0.4 * budget);
            salientTokens = (int) (0.3 * budget);
            headBytes = (long) (headTokens / tokensPerByte);
            passageCap = (long) (salientTokens / tokensPerByte);
            tail = new byte[(int) Math.min(Integer.MAX_VALUE - 8, (long) ((budget - headTokens - salientTokens) / tokensPerByte) + 1)];
        }
    }

    private void newFile(String path) {
        feedCapped(stream.finish(), whole ? budget : headTokens);
        stream = new StreamingTokenizer(tokenizer);
        currentPath = path;
        feedCapped(tokenizer.encode(Prompts.fileHeader(path)), whole ? budget : headTokens);
    }

    private void feedCapped(int[] ids, long cap) {
        int[] tokens = literal.literal(ids);
        int n = (int) Math.min(tokens.length, Math.max(0, cap - fed));
        if (n == 0) {
            return;
        }
        int[] part = n == tokens.length ? tokens : java.util.Arrays.copyOf(tokens, n);
        sink.feed(part);
        fed += n;
    }

    /** View mode past the beginning: lines go to the salience rule, all bytes to the tail ring. */
    private void scan(byte[] data, int from, long offset) {
        for (int i = from; i < data.length; i++) {
            byte b = data[i];
            if (lineLength == 0) {
                lineStart = offset + (i - from);
            }
            if (lineLength < MAX_LINE) {
                line[lineLength++] = b;
            }
            if (b == '\n') {
                endLine();
            }
        }
        // The ring is indexed by document offset, so the end is read back by offset at finish().
        int n = data.length - from;
        long pos = offset;
        for (int i = 0; i < n; ) {
            int at = (int) (pos % tail.length);
            int len = Math.min(n - i, tail.length - at);
            System.arraycopy(data, from + i, tail, at, len);
            pos += len;
            i += len;
        }
        tailWritten = pos;
    }

    private void endLine() {
        if (lineLength == 0) {
            return;
        }
        int score = salience.score(line, 0, lineLength);
        if (score > 0) {
            Passage p = new Passage(lineStart, score, java.util.Arrays.copyOf(line, lineLength));
            passages.add(p);
            passageBytes += p.bytes.length;
            while (passageBytes > passageCap && !passages.isEmpty()) {
                passageBytes -= passages.pollFirst().bytes.length;
            }
        }
        lineLength = 0;
    }

    /** The ring's content from {@code start} (a document offset), begun at a line boundary if one is near. */
    private byte[] tailBytes(long start) {
        int length = (int) (tailWritten - start);
        if (length <= 0) {
            return new byte[0];
        }
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = tail[(int) ((start + i) % tail.length)];
        }
        for (int i = 0; i < Math.min(length, 256); i++) {
            if (out[i] == '\n') {
                return java.util.Arrays.copyOfRange(out, i + 1, length);
            }
        }
        return out;
    }
}
