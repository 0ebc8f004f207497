/*
 * Test listener: keeps every logits row and token it is shown, and the final result.
 */
package dev.longhaul.engine.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public final class Recorder implements GenerationListener {
    public final List<float[]> logits = new ArrayList<>();
    public final List<Integer> tokens = new ArrayList<>();
    public volatile GenerationResult finished;

    @Override
    public synchronized void onToken(int tokenId) {
        tokens.add(tokenId);
    }

    @Override
    public synchronized void onLogits(float[] row) {
        logits.add(row);
    }

    @Override
    public void onFinish(GenerationResult result) {
        finished = result;
    }

    public synchronized int tokenCount() {
        return tokens.size();
    }

    /** Index of the first logits row that differs bitwise from `other`'s, or −1 when all agree. */
    public int firstBitwiseDifference(Recorder other) {
        int n = Math.min(logits.size(), other.logits.size());
        for (int i = 0; i < n; i++) {
            if (!Arrays.equals(logits.get(i), other.logits.get(i))) {
                return i;
            }
        }
        return logits.size() == other.logits.size() ? -1 : n;
    }
}
