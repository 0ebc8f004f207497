/*
 * A SHA-256 over a document's chunks, updated one chunk at a time and stored between records as
 * its encoded state (a few hundred bytes), so the planner never keeps the document itself. The
 * JDK's MessageDigest cannot export its state; Bouncy Castle's SHA256Digest can.
 */
package dev.longhaul.pipeline.plan;

import java.nio.ByteBuffer;
import java.util.HexFormat;

import org.bouncycastle.crypto.digests.SHA256Digest;

final class RunningDigest {
    private RunningDigest() {}

    /** The encoded state of a SHA-256 over nothing yet. */
    static byte[] empty() {
        return new SHA256Digest().getEncodedState();
    }

    /** The state after also hashing data (consumed from its position to its limit). */
    static byte[] update(byte[] state, ByteBuffer data) {
        SHA256Digest digest = new SHA256Digest(state);
        ByteBuffer view = data.duplicate();
        byte[] buffer = new byte[Math.min(view.remaining(), 64 * 1024)];
        while (view.hasRemaining()) {
            int n = Math.min(buffer.length, view.remaining());
            view.get(buffer, 0, n);
            digest.update(buffer, 0, n);
        }
        return digest.getEncodedState();
    }

    /** The lowercase hex SHA-256 of everything hashed into state. */
    static String hex(byte[] state) {
        SHA256Digest digest = new SHA256Digest(state);
        byte[] out = new byte[digest.getDigestSize()];
        digest.doFinal(out, 0);
        return HexFormat.of().formatHex(out);
    }
}
