/*
 * The model `longhaul serve` exposes: loaded once from an HF-format folder (weights, tokenizer),
 * with one BatchEngine over it whose step loop runs on its own thread, so every request, whatever
 * its endpoint, is one sequence in the same continuous batch. Its id (the folder's name) is what
 * clients pass as `model`. The constraint vocabulary for response_format json_schema is built once.
 * Contract: submit() may be called from any thread; the backend is the caller's, closed after this.
 */
package dev.longhaul.ops.serve;

import java.nio.file.Path;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.batch.BatchConfig;
import dev.longhaul.engine.batch.BatchEngine;
import dev.longhaul.engine.batch.SequenceHandle;
import dev.longhaul.engine.constrain.TokenVocabulary;
import dev.longhaul.engine.generate.GenerationListener;
import dev.longhaul.engine.generate.SamplingParams;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.tokenizer.TextTokenizer;

public final class ServedModel implements AutoCloseable {
    private final String id;
    private final MiniMaxModel model;
    private final TextTokenizer tokenizer;
    private final BatchEngine engine;
    private volatile TokenVocabulary vocabulary;

    private ServedModel(String id, MiniMaxModel model, TextTokenizer tokenizer, BatchEngine engine) {
        this.id = id;
        this.model = model;
        this.tokenizer = tokenizer;
        this.engine = engine;
    }

    /** Loads the folder with the model's own partial RoPE and starts the batch loop. */
    public static ServedModel load(Path dir, Backend backend, BatchConfig batch) {
        MiniMaxModel model = MiniMaxModel.load(dir, backend, MiniMaxModel.RopeMode.PARTIAL);
        TextTokenizer tokenizer = null;
        try {
            tokenizer = TextTokenizer.load(dir);
            BatchEngine engine = new BatchEngine(model, batch);
            engine.start();
            return new ServedModel(dir.toAbsolutePath().normalize().getFileName().toString(), model, tokenizer, engine);
        } catch (RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            model.close();
            throw e;
        }
    }

    public String id() {
        return id;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public int vocabSize() {
        return model.config().vocabSize();
    }

    /** Positions the model holds: prompt plus output tokens must fit. */
    public int maxContext() {
        return model.config().maxPositionEmbeddings();
    }

    /**
     * The bytes a sequence of `tokens` positions holds at most: the softmax layers' key/value
     * pages (whole pages of 256 positions, float32) and the lightning layers' fixed state.
     */
    public long sequenceBytes(int tokens) {
        var c = model.config();
        long pages = (tokens + 255L) / 256;
        long full = 0;
        long linear = 0;
        for (var kind : c.layerKinds()) {
            if (kind == dev.longhaul.engine.model.LayerKind.FULL) {
                full++;
            } else {
                linear++;
            }
        }
        return full * 2 * pages * 256 * c.kvWidth() * Float.BYTES
                + linear * (long) (c.attentionWidth() + Math.ceilDiv(c.numHeads(), c.headDim())) * c.headDim() * Float.BYTES;
    }

    /** The tokenizer's byte strings per token, for constrained decoding; built on first use. */
    TokenVocabulary vocabulary() {
        TokenVocabulary v = vocabulary;
        if (v == null) {
            synchronized (this) {
                if (vocabulary == null) {
                    vocabulary = TokenVocabulary.of(tokenizer);
                }
                v = vocabulary;
            }
        }
        return v;
    }

    /** Queues one sequence in the shared batch; IllegalArgumentException for a bad prompt or params. */
    public SequenceHandle submit(int[] promptIds, SamplingParams params, GenerationListener listener) {
        return engine.submit(promptIds, params, listener);
    }

    /** The batch's counters (tests, and anyone watching the server). */
    public dev.longhaul.engine.batch.BatchStats stats() {
        return engine.stats();
    }

    @Override
    public void close() {
        engine.close();
        tokenizer.close();
        model.close();
    }
}
