/*
 * A deterministic test Encoder: a sentence's words hashed into 64 buckets, L2-normalized. Sentences
 * sharing words are similar, identical ones have cosine 1; fast and model-free, so Digest's ranking
 * logic can be tested apart from MiniLM.
 */
package dev.longhaul.pipeline.analyze.digest;

import java.util.List;

public final class HashingEncoder implements Encoder {
    static final int DIM = 64;

    @Override
    public int dimension() {
        return DIM;
    }

    @Override
    public float[][] encode(List<String> texts) {
        float[][] out = new float[texts.size()][DIM];
        for (int i = 0; i < out.length; i++) {
            for (String w : Words.of(texts.get(i))) {
                out[i][Math.floorMod(w.hashCode(), DIM)] += 1;
            }
            double norm = 0;
            for (float x : out[i]) {
                norm += x * x;
            }
            for (int d = 0; d < DIM; d++) {
                out[i][d] /= (float) Math.max(1e-9, Math.sqrt(norm));
            }
        }
        return out;
    }
}
