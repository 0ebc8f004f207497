/*
 * Tokenizes one text that arrives in pieces, emitting ids as soon as they are final, with bounded
 * memory. Pieces are Strings (accept) or raw UTF-8 bytes (acceptBytes) in any mix; a character may be
 * split across byte pieces, and malformed UTF-8 becomes U+FFFD exactly as new String(allBytes, UTF_8)
 * would make it (an incomplete character followed by a String piece or by finish() becomes U+FFFD
 * too). Each call returns the ids that became final; finish() returns the rest and readies the
 * instance for a new text. The text is cut only at a word end c (CutPoints) at least marginChars
 * before the end of the retained text R, and only if encode(R[0,c)) ++ encode(R[c,)) == encode(R)
 * (both sides: an added token with rstrip or single_word changes what is next to it); the left ids
 * are emitted and R[c,) is kept. Guarantee: for a tokenizer that passes CutPoints.probe (checked
 * here; byte-level BPE with a GPT-2 or Llama-3 style pre-tokenizer and no prefix space, as the golden,
 * synthesized and tested tokenizers), everything returned concatenates to exactly
 * tokenizer.encode(wholeText), for any split of the input, unless forcedCuts() > 0. A forced cut is
 * made only when R reaches hardLimitChars and none of its last eight word ends qualifies, in practice
 * when more than hardLimitChars - marginChars chars pass without a word end (one long letter or digit
 * run, or a run of spaces, newlines, punctuation or emoji). It goes at a token boundary of encode(R) at
 * least marginChars from the end where encode(left) ++ encode(right) == encode(R); that is exact when
 * the tokenization within one pre-token depends on no text more than marginChars away, as for the
 * tested tokenizers (their merges work from the left), but it is not a proof for every tokenizer.
 * Memory: only R is kept (plus fixed buffers of a few KiB): retainedChars() < hardLimitChars whenever
 * a call returns, at most hardLimitChars + flushChars inside one, and on text with regular word ends
 * below flushChars + marginChars + the gap between word ends. Not thread-safe: one instance per stream.
 */
package dev.longhaul.engine.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

public final class StreamingTokenizer {
    /**
     * flushChars: how much new text to gather before trying to cut; marginChars: how far before the
     * end of the gathered text a cut must lie (raised to the longest added token + 1 if shorter);
     * hardLimitChars: the retained text that forces a cut even without a word end.
     */
    public record Limits(int flushChars, int marginChars, int hardLimitChars) {
        public static final Limits DEFAULT = new Limits(8192, 512, 65536);

        public Limits {
            if (flushChars < 1 || marginChars < 1) {
                throw new IllegalArgumentException("flushChars and marginChars must be positive: " + flushChars
                        + ", " + marginChars);
            }
            if (hardLimitChars < flushChars + 2L * marginChars) { // long: large limits must not wrap past the check
                throw new IllegalArgumentException("hardLimitChars " + hardLimitChars
                        + " must be at least flushChars + 2 * marginChars = " + (flushChars + 2L * marginChars));
            }
        }
    }

    private static final int BYTE_CHUNK = 8192;
    private static final int WORD_END_TRIES = 8;
    private static final int FORCED_CANDIDATES = 32;

    private final TextTokenizer tokenizer;
    private final int flush;
    private final int margin;
    private final int hardLimit;
    private final StringBuilder pending = new StringBuilder();
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final ByteBuffer undecoded = ByteBuffer.allocate(BYTE_CHUNK);
    private final CharBuffer decoded = CharBuffer.allocate(BYTE_CHUNK);
    private final IdList out = new IdList();
    private int nextAttempt;
    private long forcedCuts;

    public StreamingTokenizer(TextTokenizer tokenizer) {
        this(tokenizer, Limits.DEFAULT);
    }

    public StreamingTokenizer(TextTokenizer tokenizer, Limits limits) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.flush = limits.flushChars();
        this.margin = Math.max(limits.marginChars(), tokenizer.longestAddedTokenChars() + 1);
        this.hardLimit = limits.hardLimitChars();
        if (hardLimit < flush + 2L * margin) { // so flush + margin, and every later sum below hardLimit, fits an int
            throw new IllegalArgumentException("hardLimitChars " + hardLimit + " is too small for a margin of "
                    + margin + " chars (the longest added token is " + tokenizer.longestAddedTokenChars() + ")");
        }
        tokenizer.streamingProblem().ifPresent(problem -> {
            throw new TokenizerException(tokenizer.file().toString(), "cannot be streamed: " + problem);
        });
        this.nextAttempt = flush + margin;
    }

    /** Adds text; returns the ids that became final. */
    public int[] accept(CharSequence piece) {
        Objects.requireNonNull(piece, "piece");
        endBytes();
        appendText(piece);
        return out.drain();
    }

    /** Adds UTF-8 bytes; returns the ids that became final. */
    public int[] acceptBytes(byte[] bytes) {
        return acceptBytes(ByteBuffer.wrap(bytes));
    }

    public int[] acceptBytes(byte[] bytes, int offset, int length) {
        return acceptBytes(ByteBuffer.wrap(bytes, offset, length));
    }

    /** Adds the remaining UTF-8 bytes of the buffer (consuming them); returns the final ids. */
    public int[] acceptBytes(ByteBuffer bytes) {
        while (bytes.hasRemaining()) {
            int n = Math.min(bytes.remaining(), undecoded.remaining());
            ByteBuffer slice = bytes.slice(bytes.position(), n);
            undecoded.put(slice);
            bytes.position(bytes.position() + n);
            undecoded.flip();
            CoderResult result;
            do {
                result = decoder.decode(undecoded, decoded, false);
                drainDecoded();
            } while (result.isOverflow());
            undecoded.compact();
        }
        return out.drain();
    }

    /** Ends the text: returns the remaining ids and resets this instance for a new text. */
    public int[] finish() {
        endBytes();
        if (!pending.isEmpty()) {
            out.add(tokenizer.encode(pending.toString()));
            pending.setLength(0);
        }
        nextAttempt = flush + margin;
        return out.drain();
    }

    /** Forced cuts made since construction (cuts not at a word end; see the class comment). */
    public long forcedCuts() {
        return forcedCuts;
    }

    /** The chars of text held back because their ids are not final yet. */
    public int retainedChars() {
        return pending.length();
    }

    /** Decodes what is left of a byte run, truncated characters included, and resets the decoder. */
    private void endBytes() {
        undecoded.flip();
        CoderResult result;
        do {
            result = decoder.decode(undecoded, decoded, true);
            drainDecoded();
        } while (result.isOverflow());
        while (decoder.flush(decoded).isOverflow()) {
            drainDecoded();
        }
        drainDecoded();
        undecoded.clear();
        decoder.reset();
    }

    private void drainDecoded() {
        decoded.flip();
        appendText(decoded);
        decoded.clear();
    }

    private void appendText(CharSequence text) {
        for (int i = 0; i < text.length(); ) {
            int n = Math.min(text.length() - i, flush);
            pending.append(text, i, i + n);
            i += n;
            while (pending.length() >= nextAttempt) {
                cut();
            }
        }
    }

    /** Emits the ids before the latest safe cut, if there is one (forced at the hard limit). */
    private void cut() {
        int length = pending.length();
        int limit = length - margin;
        String text = pending.toString();
        int[] ids = null;
        int tries = 0;
        for (int c = CutPoints.lastWordEnd(text, 1, limit); c > 0 && tries < WORD_END_TRIES;
                c = CutPoints.lastWordEnd(text, 1, c - 1), tries++) {
            if (ids == null) {
                ids = tokenizer.encode(text);
            }
            // Byte-level tokens spell their text, so equal leading ids mean a token boundary at c;
            // the right side must encode alone to the rest (an added token's rstrip eats the space
            // after it in the whole, but not in a right side that begins with that space)
            int[] left = tokenizer.encode(text.substring(0, c));
            if (startsWith(ids, left) && endsWith(ids, left.length, tokenizer.encode(text.substring(c)))) {
                emit(left, c);
                return;
            }
        }
        if (length < hardLimit) {
            nextAttempt = (int) Math.min((long) length + flush, hardLimit);
            return;
        }
        forcedCut(text, limit);
    }

    /**
     * Cuts at a token boundary at least margin chars before the end such that the two sides encode to
     * the ids of the whole retained text; the candidates come from the token spans, trying both the end
     * of one token and the start of the next because post-processors may trim spaces off spans.
     */
    private void forcedCut(String text, int limit) {
        TokenSpans spans = tokenizer.encodeWithSpans(text);
        int[] ids = spans.ids();
        int tried = 0;
        int previous = -1;
        for (int k = ids.length - 1; k > 0 && tried < FORCED_CANDIDATES; k--) {
            for (int c : new int[] {spans.ends()[k - 1], spans.starts()[k]}) {
                if (c > limit || c <= 0 || c == previous
                        || (Character.isHighSurrogate(text.charAt(c - 1)) && Character.isLowSurrogate(text.charAt(c)))) {
                    continue;
                }
                previous = c;
                tried++;
                int[] left = tokenizer.encode(text.substring(0, c));
                if (startsWith(ids, left) && endsWith(ids, left.length, tokenizer.encode(text.substring(c)))) {
                    forcedCuts++;
                    emit(left, c);
                    return;
                }
            }
        }
        throw new TokenizerException(tokenizer.file().toString(), "cannot be streamed here: no cut within "
                + text.length() + " retained chars keeps the ids unchanged (near \""
                + text.substring(Math.max(0, limit - 20), limit) + "\")");
    }

    private void emit(int[] ids, int chars) {
        out.add(ids);
        pending.delete(0, chars);
        nextAttempt = (int) Math.min((long) pending.length() + flush, hardLimit);
    }

    private static boolean startsWith(int[] ids, int[] prefix) {
        return prefix.length <= ids.length && Arrays.equals(ids, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** Whether ids[from,) equals rest. */
    private static boolean endsWith(int[] ids, int from, int[] rest) {
        return ids.length - from == rest.length && Arrays.equals(ids, from, ids.length, rest, 0, rest.length);
    }

    /** A growable list of ids, emptied by drain(). */
    private static final class IdList {
        private int[] ids = new int[256];
        private int size;

        void add(int[] source) {
            int n = source.length;
            if (size + n > ids.length) {
                ids = Arrays.copyOf(ids, Math.max(ids.length * 2, size + n));
            }
            System.arraycopy(source, 0, ids, size, n);
            size += n;
        }

        int[] drain() {
            int[] result = Arrays.copyOf(ids, size);
            size = 0;
            if (ids.length > 4096) {
                ids = new int[256];
            }
            return result;
        }
    }
}
