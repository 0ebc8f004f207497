/*
 * What the model reads of a document, assembled while the document streams past chunk by chunk.
 * Every byte is seen once; nothing but a bounded tail and a bounded set of candidate lines is kept.
 *
 * A document whose estimated tokens fit the budget is read whole: every chunk is tokenized
 * incrementally and fed to the model as it arrives. A longer one is read as a view: the beginning
 * (40% of the budget) fed as it arrives, then the most salient lines of the middle (30%) and the
 * end (30%, a ring of the last bytes), fed at finish() with an elision marker at every gap.
 * The middle's lines are chosen by the digest's own ranking (analyze.digest.Salience: encoder
 * centrality, lexical centrality, keyword boosts, MMR), with a line costing its bytes and the
 * middle's byte share as capacity. Bounded for any document size:
 *   - every middle line is offered to a Candidates buffer once it is certainly outside the tail
 *     (lines within the tail's length of the stream's end wait in a queue no larger than the
 *     ring); the buffer keeps the most boosted lines and a uniform sample, `candidates` lines in
 *     all: twice the lines the middle's share holds (by the first chunk's mean line length),
 *     within [MIN_CANDIDATES, MAX_CANDIDATES];
 *   - per line, streaming costs a decode, a keyword scan and an O(log n) queue step;
 *   - the encoder runs once, in finish(), on at most MAX_CANDIDATES lines of at most MAX_LINE
 *     bytes (about 2.5 s of MiniLM on one core, 2 MiB), whatever the document's length.
 * Tokens per byte is measured on the first chunk (as fed: special-token text spelled out), so the
 * byte-denominated parts track the tokenizer; token caps are enforced exactly. A whole read
 * re-checks every SLICE bytes (however large the chunks), at the
 * rate of the tokens it has fed so far, that the rest still fits the budget; when it does not (the
 * first chunk was sparser than the rest, or a repository's file headers add up) it turns into a
 * view there: what it fed is the beginning, and the rest of the budget goes half to the middle's
 * passages and half to the end, so the end of a document is not cut off for its middle (only a
 * last slice far denser than everything before it can still run past the budget and be cut).
 * The share the model read is counted in bytes: the beginning's bytes in the share of their tokens
 * fed (the streaming tokenizer hands tokens out late, so not chunk by chunk), and each passage's
 * and the end's bytes in the share of theirs.
 * Every token goes out through LiteralTokens: text in the document that spells a special token
 * reaches the model as text, and the caps count what is fed.
 */
package dev.longhaul.pipeline.worker;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;

import dev.longhaul.engine.tokenizer.StreamingTokenizer;
import dev.longhaul.engine.tokenizer.TextTokenizer;
import dev.longhaul.pipeline.analyze.digest.Candidates;
import dev.longhaul.pipeline.analyze.digest.Encoder;
import dev.longhaul.pipeline.analyze.digest.Salience;
import dev.longhaul.pipeline.analyze.digest.Sentence;
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

    /** What every view of a worker shares: its tokenizer, the sentence encoder and the token budget. */
    record Setup(TextTokenizer tokenizer, Encoder encoder, int budgetTokens) {
        Setup {
            Objects.requireNonNull(tokenizer, "tokenizer");
            Objects.requireNonNull(encoder, "encoder");
        }
    }

    /** A whole read re-checks that the rest fits at most this many bytes apart. */
    static final int SLICE = 16 << 10;
    /** Bytes a whole read streams before its own rate of tokens per byte replaces the first chunk's. */
    static final int RATE_SAMPLE_BYTES = 16 << 10;
    /** Longest line kept (bytes); the rest of a longer line is not a candidate. */
    static final int MAX_LINE = 4096;
    static final int MIN_CANDIDATES = 16;
    static final int MAX_CANDIDATES = 512;

    /** A middle line waiting to be known outside the tail; {@code end} is just past its newline. */
    private record Line(Sentence sentence, long end) {}

    private final TextTokenizer tokenizer;
    private final Salience salience;
    private final KeywordSignals signals;
    private final long totalBytes;
    private final int budget;
    private final TokenSink sink;
    private final LiteralTokens literal;

    private StreamingTokenizer stream;
    private String currentPath;
    private Boolean whole;           // decided on the first chunk; a whole read may turn into a view
    private double tokensPerByte;    // the first chunk's
    private long headBytes;          // view mode: bytes fed as the beginning
    private int headTokens;
    private int salientTokens;
    private long seen;               // bytes streamed so far
    private long bytesRead;          // bytes the model read, of the middle and the end
    private long streamBytes;        // bytes given to the streaming tokenizer (the whole, or the beginning)
    private long streamTokens;       // tokens it gave back for them
    private long streamFed;          // of those, fed (a cap may cut them)
    private boolean cut;             // some tokens were not fed: a cap cut them off
    private long fed;                // tokens fed
    // view mode, the middle and the end
    private Candidates candidates;
    private final ArrayDeque<Line> waiting = new ArrayDeque<>();
    private long passageCap;
    private byte[] tail;
    private long tailWritten;        // document offset just past the last byte in the ring
    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;
    private long lineStart;

    DocumentView(Setup setup, DocumentKind kind, long totalBytes, TokenSink sink) {
        this.tokenizer = setup.tokenizer();
        this.salience = new Salience(setup.encoder(), 0); // the middle has no opening: no position prior
        this.signals = new KeywordSignals(kind);
        this.totalBytes = totalBytes;
        this.budget = setup.budgetTokens();
        this.sink = sink;
        this.literal = new LiteralTokens(tokenizer);
        this.stream = new StreamingTokenizer(tokenizer);
    }

    /** The next chunk, in document order; {@code path} is the file of a repository chunk, else null. */
    void accept(String path, byte[] data) {
        if (whole == null) {
            decide(data);
        }
        if (data.length <= SLICE) {
            acceptSlice(path, data);
            return;
        }
        // a whole read re-checks its budget every SLICE bytes, not once a chunk (a chunk may be the whole document)
        for (int from = 0; from < data.length; from += SLICE) {
            acceptSlice(path, java.util.Arrays.copyOfRange(data, from, Math.min(data.length, from + SLICE)));
        }
    }

    private void acceptSlice(String path, byte[] data) {
        if (whole && !cut && seen > 0 && fed + (totalBytes - released()) * rate() > budget) {
            turnIntoView(data);
        }
        if (whole) {
            if (path != null && !path.equals(currentPath)) {
                newFile(path);
            }
            feedStream(stream.acceptBytes(data), budget);
            streamBytes += data.length;
        } else {
            int from = 0;
            if (seen < headBytes) {
                // the beginning ends on a character's first byte: cut inside one, the tokenizer
                // would read its first bytes as U+FFFD (CJK text cuts inside 2 characters in 3)
                long want = headBytes - seen;
                int n = data.length;
                if (want < data.length) { // the beginning ends in this piece: there, on a character's first byte
                    n = charStart(data, (int) want);
                    headBytes = seen + n;
                }
                if (path != null && !path.equals(currentPath)) {
                    newFile(path);
                }
                feedStream(stream.acceptBytes(data, 0, n), headTokens);
                streamBytes += n;
                from = n;
            }
            scan(data, from, seen + from);
        }
        seen += data.length;
    }

    /** Feeds what remains (view mode: the salient passages and the end) and reports what was read. */
    Outcome finish() {
        if (whole == null || whole) {
            feedStream(stream.finish(), budget);
            // a whole read the budget cut short (its last chunk was denser than all before) is not whole
            return new Outcome(seen, whole == null ? 0 : streamRead(), fed, !cut);
        }
        feedStream(stream.finish(), headTokens);
        endLine(seen);
        long tailStart = Math.max(headBytes, tailWritten - tail.length);
        release(tailStart);
        feedPassages(salience.choose(candidates, DocumentView::cost, passageCap));
        byte[] end = tailBytes(tailStart);
        // as fed (literal), so that trimming to the room left keeps the very end
        int[] endTokens = literal.literal(tokenizer.encode(Prompts.ELISION + new String(end, StandardCharsets.UTF_8)));
        int room = (int) Math.max(0, budget - fed);
        double kept = endTokens.length == 0 ? 1.0 : Math.min(1.0, (double) room / endTokens.length);
        if (endTokens.length > room) {
            // Keep the very end: the last `room` tokens (the elision marker is dropped first).
            int[] last = new int[room];
            System.arraycopy(endTokens, endTokens.length - room, last, 0, room);
            endTokens = last;
        }
        feedLiteral(endTokens, budget);
        bytesRead += Math.round(end.length * kept);
        return new Outcome(seen, streamRead() + bytesRead, fed, false);
    }

    /** The streamed bytes (the whole, or the beginning) in the share of their tokens fed. */
    private long streamRead() {
        return streamTokens == 0 ? streamBytes : Math.round(streamBytes * ((double) streamFed / streamTokens));
    }

    /** Bytes streamed whose tokens have come out (the tokenizer holds back the last few thousand chars). */
    private long released() {
        return Math.max(0, streamBytes - stream.retainedChars());
    }

    /** Tokens per byte: the tokens fed so far over the bytes they came from, once enough have; before that, the first chunk's. */
    private double rate() {
        long released = released();
        return released >= RATE_SAMPLE_BYTES && fed > 0 ? (double) fed / released : tokensPerByte;
    }

    /**
     * A whole read whose rest no longer fits becomes a view before `next`: what was fed is the
     * beginning (the tokenizer's held-back text with it), and the budget left goes half to the
     * middle's passages and half to the end, both sized at the rate measured so far.
     */
    private void turnIntoView(byte[] next) {
        double rate = rate();
        feedStream(stream.finish(), budget);
        whole = false;
        headBytes = seen;
        headTokens = (int) fed;
        long room = Math.max(0, budget - fed);
        salientTokens = (int) (room / 2);
        passageCap = (long) (salientTokens / rate);
        tail = new byte[(int) Math.min(Integer.MAX_VALUE - 8, (long) ((room - salientTokens) / rate) + 1)];
        candidates = candidates(next, Math.min(next.length, 64 << 10));
    }

    private void decide(byte[] first) {
        int sample = Math.min(first.length, 64 << 10);
        double tokensPerByte = sample == 0 ? 0.5
                : Math.max(0.05, (double) literal.literal(tokenizer.encode(new String(first, 0, sample, StandardCharsets.UTF_8))).length / sample);
        this.tokensPerByte = tokensPerByte;
        double estimate = totalBytes * tokensPerByte;
        whole = estimate <= 0.8 * budget;
        if (!whole) {
            headTokens = (int) (0.4 * budget);
            salientTokens = (int) (0.3 * budget);
            headBytes = (long) (headTokens / tokensPerByte);
            passageCap = (long) (salientTokens / tokensPerByte);
            tail = new byte[(int) Math.min(Integer.MAX_VALUE - 8, (long) ((budget - headTokens - salientTokens) / tokensPerByte) + 1)];
            candidates = candidates(first, sample);
        }
    }

    /** A candidate buffer for twice the lines the middle's share holds, by the mean line length of `sample` bytes of `chunk`. */
    private Candidates candidates(byte[] chunk, int sample) {
        int lines = (int) Math.clamp(2 * passageCap / meanLineBytes(chunk, sample), MIN_CANDIDATES, MAX_CANDIDATES);
        return new Candidates(signals, new Candidates.Bounds(0, lines / 2, lines - lines / 2));
    }

    /** Mean bytes per line of the first chunk's sample; MAX_LINE when it holds no line break. */
    private static long meanLineBytes(byte[] first, int sample) {
        int breaks = 0;
        for (int i = 0; i < sample; i++) {
            breaks += first[i] == '\n' ? 1 : 0;
        }
        return breaks == 0 ? MAX_LINE : Math.max(1, sample / breaks);
    }

    /** The chosen passages in document order, an elision marker before each gap, within the middle's tokens. */
    private void feedPassages(List<Sentence> chosen) {
        int salientCap = headTokens + salientTokens;
        long previousEnd = -1;
        for (Sentence p : chosen) {
            if (fed >= salientCap) {
                break;
            }
            String text = (p.offset() == previousEnd ? "" : Prompts.ELISION) + p.text() + "\n";
            bytesRead += Math.round(cost(p) * feedCapped(tokenizer.encode(text), salientCap));
            previousEnd = p.end();
        }
    }

    /** A passage's cost in the middle's byte budget: its UTF-8 bytes and a newline. */
    private static long cost(Sentence s) {
        return s.text().getBytes(StandardCharsets.UTF_8).length + 1L;
    }

    private void newFile(String path) {
        feedStream(stream.finish(), whole ? budget : headTokens);
        stream = new StreamingTokenizer(tokenizer);
        currentPath = path;
        feedCapped(tokenizer.encode(Prompts.fileHeader(path)), whole ? budget : headTokens);
    }

    /**
     * Feeds ids (as literal tokens) up to `cap` tokens fed in all; returns the share of them fed
     * (1 when there were none), by which callers count the bytes they stand for as read: bytes
     * whose tokens the cap cut off were not read, and are not counted (the share is the tokens'
     * share of those bytes, exact for the whole and close for a part).
     */
    private double feedCapped(int[] ids, long cap) {
        int[] tokens = literal.literal(ids);
        return tokens.length == 0 ? 1.0 : (double) feedLiteral(tokens, cap) / tokens.length;
    }

    /** Feeds the streaming tokenizer's ids up to `cap`, counting them for the share of the streamed bytes read. */
    private void feedStream(int[] ids, long cap) {
        int[] tokens = literal.literal(ids);
        streamTokens += tokens.length;
        streamFed += feedLiteral(tokens, cap);
    }

    /** Feeds literal tokens up to `cap` tokens fed in all; returns how many were fed. */
    private int feedLiteral(int[] tokens, long cap) {
        if (tokens.length == 0) {
            return 0;
        }
        int n = (int) Math.min(tokens.length, Math.max(0, cap - fed));
        if (n < tokens.length) {
            cut = true;
        }
        if (n == 0) {
            return 0;
        }
        int[] part = n == tokens.length ? tokens : java.util.Arrays.copyOf(tokens, n);
        sink.feed(part);
        fed += n;
        return n;
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
                endLine(offset + (i - from) + 1);
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

    /**
     * A complete middle line ending just before stream offset {@code end}: it waits until it is
     * certainly outside the tail (the ring holds the last tail.length bytes), then becomes a candidate.
     */
    private void endLine(long end) {
        if (lineLength == 0) {
            return;
        }
        // a line cut at MAX_LINE may end inside a character: only its complete characters are text
        String text = new String(line, 0, end - lineStart > lineLength ? completeChars(line, lineLength) : lineLength,
                StandardCharsets.UTF_8).strip();
        // the line stands for its whole span, indentation and line break included, so that the
        // passage after it is known to follow it; a line cut at MAX_LINE stands for what was kept
        boolean cutShort = end - lineStart > lineLength;
        lineLength = 0;
        if (!text.isEmpty()) {
            waiting.addLast(new Line(new Sentence(lineStart, cutShort ? lineStart + MAX_LINE : end, text), end));
        } else if (!waiting.isEmpty() && waiting.peekLast().sentence().end() == lineStart) {
            // a blank line elides nothing: the line before it stands for it too
            Line before = waiting.pollLast();
            Sentence s = before.sentence();
            waiting.addLast(new Line(new Sentence(s.offset(), end, s.text()), before.end()));
        }
        release(end - tail.length);
    }

    /** Offers the waiting lines that end at or before {@code limit} to the candidates. */
    private void release(long limit) {
        while (!waiting.isEmpty() && waiting.peekFirst().end() <= limit) {
            candidates.offer(waiting.pollFirst().sentence());
        }
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
        // no line break near: begin at a character's first byte, not inside one
        return java.util.Arrays.copyOfRange(out, charStart(out, 0), length);
    }

    /** The first index at or after i (at most length) that does not hold a UTF-8 continuation byte. */
    static int charStart(byte[] b, int i) {
        int limit = Math.min(b.length, i + 3);
        while (i < limit && (b[i] & 0xC0) == 0x80) {
            i++;
        }
        return i;
    }

    /** The length of b[0, len) without a last character whose bytes it does not all hold. */
    static int completeChars(byte[] b, int len) {
        for (int back = 1; back <= 4 && len - back >= 0; back++) {
            int lead = b[len - back] & 0xFF;
            if ((lead & 0xC0) == 0x80) {
                continue; // a continuation byte: its lead is further back
            }
            int need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            return need > back ? len - back : len;
        }
        return len;
    }
}
