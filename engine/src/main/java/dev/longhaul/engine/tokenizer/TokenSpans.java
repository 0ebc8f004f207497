/*
 * One encoding together with the stretch of text each token came from. starts[i] and ends[i] are
 * UTF-16 indices into the encoded String (Java's own indexing; the native tokenizer's code-point
 * offsets are converted), so text.substring(starts[i], ends[i]) is the text of token i. Tokens that
 * cover only part of a character (byte-level BPE splits a multi-byte character into byte tokens) all
 * carry that whole character's span. Spans are non-decreasing; where the tokenizer's post-processor
 * trims offsets, a token's leading space is not counted in its span. The arrays are owned by the
 * record's creator and must not be modified.
 */
package dev.longhaul.engine.tokenizer;

public record TokenSpans(int[] ids, int[] starts, int[] ends) {
    public TokenSpans {
        if (ids.length != starts.length || ids.length != ends.length) {
            throw new IllegalArgumentException("ids, starts and ends differ in length: "
                    + ids.length + ", " + starts.length + ", " + ends.length);
        }
    }

    public int size() {
        return ids.length;
    }
}
