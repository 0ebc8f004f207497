/*
 * A digest built while a document streams past as UTF-8 bytes in chunks of any size (a chunk may
 * end inside a character or a sentence): bytes are decoded incrementally, split into sentences, and
 * offered to a bounded Candidates buffer; finish() encodes the candidates and ranks them. Memory is
 * the unfinished sentence plus the candidates, whatever the document's length; the encoder runs
 * only in finish(), on at most Candidates' bound of sentences. Malformed UTF-8 is replaced (U+FFFD).
 */
package dev.longhaul.pipeline.analyze.digest;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

public final class DigestStream {
    private final Digest digest;
    private final Candidates candidates;
    private final SentenceSplitter splitter;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer carry = ByteBuffer.allocate(0);  // an incomplete character at a chunk's end
    private CharBuffer chars = CharBuffer.allocate(8192);

    public DigestStream(Digest digest, SentenceSplitter.Mode mode, Signals signals) {
        this.digest = digest;
        this.candidates = new Candidates(signals);
        this.splitter = new SentenceSplitter(mode, candidates::offer);
    }

    /** The next bytes of the document. */
    public void accept(byte[] data, int from, int length) {
        ByteBuffer in = ByteBuffer.allocate(carry.remaining() + length);
        in.put(carry).put(data, from, length).flip();
        decode(in, false);
        carry = in.hasRemaining() ? ByteBuffer.allocate(in.remaining()).put(in).flip() : ByteBuffer.allocate(0);
    }

    /** A hard boundary in the document (the next file of a repository). */
    public void boundary() {
        flushDecoder();
        splitter.boundary();
    }

    /** Ends the document and ranks its candidates. */
    public Digest.Result finish() {
        flushDecoder();
        splitter.finish();
        return digest.build(candidates);
    }

    private void flushDecoder() {
        if (carry.hasRemaining()) {
            decode(carry, true);
            carry = ByteBuffer.allocate(0);
        }
    }

    private void decode(ByteBuffer in, boolean endOfInput) {
        while (true) {
            chars.clear();
            var result = decoder.decode(in, chars, endOfInput);
            chars.flip();
            splitter.accept(chars);
            if (!result.isOverflow()) {
                break;
            }
        }
        if (endOfInput) {
            chars.clear();
            decoder.flush(chars);
            chars.flip();
            splitter.accept(chars);
            decoder.reset();
        }
    }
}
