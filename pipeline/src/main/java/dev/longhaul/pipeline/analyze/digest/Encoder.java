/*
 * The seam between the digest and a sentence encoder: texts in, one unit-length vector each out,
 * so a dot product is the cosine similarity. Implementations are deterministic (the same text gives
 * the same vector) and may be called from one thread at a time. MiniLmEncoder is the production
 * one; tests may supply small deterministic encoders of their own.
 */
package dev.longhaul.pipeline.analyze.digest;

import java.util.List;

public interface Encoder {
    /** Length of every vector this encoder returns. */
    int dimension();

    /** One L2-normalized vector per text, in order ([texts.size()][dimension()]). */
    float[][] encode(List<String> texts);
}
