/*
 * The bundled all-MiniLM-L6-v2 loads offline and embeds like a sentence encoder: unit vectors of
 * 384 dimensions, a paraphrase closer than an unrelated sentence, the same text the same vector.
 */
package dev.longhaul.pipeline.analyze.digest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MiniLmEncoderTest {
    @Test
    void paraphrasesAreCloserThanUnrelatedSentences() {
        Encoder encoder = MiniLmEncoder.load();
        float[][] e = encoder.encode(List.of(
                "Either party may terminate this agreement with thirty days notice.",
                "The contract can be ended by either side on one month's notice.",
                "The disk on node 7 failed during the nightly backup.",
                "Either party may terminate this agreement with thirty days notice."));
        assertEquals(384, encoder.dimension());
        assertEquals(1.0, Salience.dot(e[0], e[0]), 1e-4, "unit length");
        double paraphrase = Salience.dot(e[0], e[1]);
        double unrelated = Salience.dot(e[0], e[2]);
        assertTrue(paraphrase > unrelated + 0.2, "paraphrase " + paraphrase + " vs unrelated " + unrelated);
        assertArrayEquals(e[0], e[3], 1e-6f, "deterministic");
    }
}
