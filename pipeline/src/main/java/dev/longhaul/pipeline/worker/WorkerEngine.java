/*
 * The engine side of a worker, loaded once: backend, model, tokenizer, the model's identity for
 * results, and the context budget (document tokens per job). The budget is the smallest of the
 * configured context, the model's maximum context less room for prompts and output, and what this
 * engine prefills within the configured time budget, measured here by a warm-up prefill (which
 * also compiles the hot paths before the first real job). The sentence encoder for extractive
 * digests is loaded here too, first, so a worker whose encoder cannot load fails its start with
 * that reason instead of committing summaries without digests. Orders run on its OrderRunner,
 * several at once: every forward step, document chunks and task branches of every order alike,
 * goes through this engine's BatchEngine (batchSequences slots), started here on its own thread
 * after the warm-up; its BatchFillMeter feeds the heartbeats' batch fill.
 */
package dev.longhaul.pipeline.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.BackendProvider;
import dev.longhaul.engine.batch.BatchConfig;
import dev.longhaul.engine.batch.BatchEngine;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.ModelConfig;
import dev.longhaul.engine.model.Segment;
import dev.longhaul.engine.model.SequenceState;
import dev.longhaul.engine.model.Workspace;
import dev.longhaul.engine.tokenizer.TextTokenizer;
import dev.longhaul.pipeline.Failures;
import dev.longhaul.pipeline.analyze.digest.Encoder;
import dev.longhaul.pipeline.analyze.digest.MiniLmEncoder;
import dev.longhaul.schemas.ModelIdentity;
import dev.longhaul.schemas.WorkOrder;

final class WorkerEngine implements OrderEngine {
    private static final int WARMUP_TOKENS = 256;

    final Backend backend;
    final MiniMaxModel model;
    final TextTokenizer tokenizer;
    final ModelIdentity identity;
    final double prefillTokensPerSecond;
    final int budgetTokens;
    final Encoder encoder;
    final BatchEngine batch;
    final BatchFillMeter meter;
    private final OrderRunner runner;

    WorkerEngine(WorkerConfig config) {
        this.encoder = MiniLmEncoder.load();
        this.backend = BackendProvider.open(config.backend(), config.threads());
        // what is opened is closed again when a later step fails: the model's mapped weights and
        // its memory on the backend (a GPU's), the tokenizer's native handle, the batch thread
        MiniMaxModel loadedModel = null;
        TextTokenizer loadedTokenizer = null;
        BatchEngine startedBatch = null;
        try {
            loadedModel = MiniMaxModel.load(config.modelDir(), backend, MiniMaxModel.RopeMode.PARTIAL);
            this.model = loadedModel;
            loadedTokenizer = TextTokenizer.load(config.modelDir());
            this.tokenizer = loadedTokenizer;
            this.identity = ModelIdentity.newBuilder()
                    .setName(config.modelDir().toAbsolutePath().normalize().getFileName().toString())
                    .setBackend(config.backend())
                    .setWeightsDtype(weightsDtype(config))
                    .build();
            this.prefillTokensPerSecond = measurePrefill(config.prefillChunk());
            ModelConfig mc = model.config();
            long byModel = mc.maxPositionEmbeddings() - 512L - config.maxOutputTokens();
            long byTime = (long) (prefillTokensPerSecond * config.timeBudget().toMillis() / 1000.0);
            this.budgetTokens = (int) Math.max(64, Math.min(config.contextTokens(), Math.min(byModel, byTime)));
            // The budget holds a decode token of every branch plus one instruction chunk (BatchConfig's rule).
            BatchConfig batching = new BatchConfig(config.prefillChunk() + config.batchSequences() - 1,
                    config.prefillChunk(), config.batchSequences());
            startedBatch = new BatchEngine(model, batching);
            this.batch = startedBatch;
            this.meter = new BatchFillMeter(batching, batch::stats);
            this.runner = new OrderRunner(this, config); // every field it reads is set above
            batch.start();
        } catch (RuntimeException | Error e) {
            Failures.closeAfter(e, java.util.Arrays.asList(backend, loadedModel, loadedTokenizer, startedBatch));
            throw e;
        }
    }

    @Override
    public int budgetTokens() {
        return budgetTokens;
    }

    @Override
    public double prefillTokensPerSecond() {
        return prefillTokensPerSecond;
    }

    @Override
    public OrderRunner.Outcome run(WorkOrder order, ChunkSource chunks, OrderRunner.Progress progress, RunCancel cancel) {
        return runner.run(order, chunks, progress, cancel);
    }

    @Override
    public BatchFill batchFill() {
        return meter.window();
    }

    private double measurePrefill(int chunk) {
        int n = Math.min(WARMUP_TOKENS, chunk);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = (i * 7919) % model.config().vocabSize();
        }
        Workspace ws = model.workspace(n, 1);
        double best = 0;
        for (int round = 0; round < 3; round++) {
            SequenceState s = model.newSequence();
            long t0 = System.nanoTime();
            model.forward(List.of(new Segment(s, ids, 0, n, Segment.Logits.NONE)), ws);
            best = Math.max(best, n / ((System.nanoTime() - t0) / 1e9));
        }
        return best;
    }

    private static String weightsDtype(WorkerConfig config) {
        try {
            JsonNode root = new ObjectMapper().readTree(Files.readString(config.modelDir().resolve(ModelConfig.FILE)));
            return root.path("torch_dtype").asText(root.path("dtype").asText("unknown"));
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public void close() {
        batch.close();
        tokenizer.close();
        model.close();
        backend.close();
    }
}
