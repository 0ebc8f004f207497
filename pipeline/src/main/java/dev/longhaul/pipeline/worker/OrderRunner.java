/*
 * Runs one WorkOrder on the engine: the kind's preamble, then the document streamed from Kafka
 * through a DocumentView into one sequence state (prefilled in chunks, never held whole), then for
 * each task a branch (snapshot) of that state fed the task's instruction and decoded greedily; the
 * branches decode together, one batch through the worker's BatchEngine (BranchDecoder), each with
 * the same tokens as alone.
 * An EXTRACT task decodes one JSON object under a SchemaConstraint compiled from its jsonSchema,
 * or, given only field names, from a schema of those fields as bounded strings; its budget is the
 * schema's shortest output (keys and punctuation the model does not choose) plus maxOutputTokens.
 * The output therefore always parses and validates; it is parsed once more before it is kept, and
 * a failure there is a bug (IllegalStateException). A schema outside the supported subset (see
 * JsonGrammar) fails the order with the compiler's message, before any branch decodes. The
 * document is prefilled once, whatever the number of tasks. Cancellation (the run's RunCancel,
 * checked before every prefill chunk and while the branches decode) ends the run at the next chunk
 * or decode step.
 * Several orders at a time: the runner keeps nothing of a run between calls, and every forward
 * step goes through the worker's BatchEngine, which runs its own step loop. The document's
 * chunks are fed to it (BatchEngine.feed, cut by the same PrefillPlan, one feed of this sequence
 * in the engine at a time while the next text is tokenized) and share steps with the other
 * orders' chunks and decode steps; each order's tokens are the same as when it runs alone.
 * When the order has a SUMMARIZE task, every streamed byte also goes to a DigestStream (bounded
 * candidate buffer), and each Summary carries the extractive digest beside the model's text, so a
 * result says something true about the document even when the model's text does not. Its ranking
 * and signals are the view's (analyze.digest.Salience with KeywordSignals: errors in logs, key
 * clauses in contracts, declarations in code).
 * Every chunk also goes to the StreamAnalyzer of the job's kind (the whole document, not only what
 * fits the budget); each Extraction carries its facts in `analysis` and its provenance in `spans`,
 * while `json` stays the model's constrained output alone.
 */
package dev.longhaul.pipeline.worker;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longhaul.engine.batch.BatchEngine;
import dev.longhaul.engine.constrain.JsonGrammar;
import dev.longhaul.engine.constrain.SchemaConstraint;
import dev.longhaul.engine.constrain.TokenVocabulary;
import dev.longhaul.engine.generate.GenerationResult;
import dev.longhaul.engine.generate.PrefillPlan;
import dev.longhaul.engine.generate.SamplingParams;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.SequenceState;
import dev.longhaul.engine.tokenizer.TextTokenizer;
import dev.longhaul.pipeline.analyze.digest.Digest;
import dev.longhaul.pipeline.analyze.digest.DigestStream;
import dev.longhaul.pipeline.analyze.digest.SentenceSplitter;
import dev.longhaul.pipeline.plan.ExtractionSchemas;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.DocumentChunk;
import dev.longhaul.schemas.Extraction;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.ModelIdentity;
import dev.longhaul.schemas.ProvenanceSpan;
import dev.longhaul.schemas.Summary;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.Timings;
import dev.longhaul.schemas.Usage;
import dev.longhaul.schemas.WorkOrder;

final class OrderRunner {
    /** How a run ended. */
    sealed interface Outcome permits Done, Cancelled {}

    /** All tasks decoded: the results to commit. */
    record Done(List<Summary> summaries, List<Extraction> extractions, long documentTokens, double shareRead) implements Outcome {}

    record Cancelled() implements Outcome {}

    /** Thrown through the prefill to stop it at the next forward step. */
    private static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }

    /** Progress while streaming: fraction of the document's bytes seen, tokens fed so far. */
    interface Progress {
        void update(double fraction, long tokens);

        /**
         * The task branches have decoded `tokens` tokens between them so far; called on the run's own
         * thread (never the engine's), each time the count has grown, every BranchDecoder poll.
         */
        default void decoded(long tokens) {
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longest value of a field extracted by name (code points). */
    static final int FIELD_MAX_CHARS = 256;
    /** The field asked for when an EXTRACT task names none. */
    static final String DEFAULT_FIELD = "key facts";
    /**
     * Prompt token cap on a task's instruction (the document is capped by the context budget): a
     * schema of ExtractionSchemas.MAX_SCHEMA_CHARS (UTF-16 chars, up to three UTF-8 bytes each) fits
     * even at one token per byte. The output is capped at maxOutputTokens plus what the schema
     * forces (at most MAX_FORCED_OUTPUT_BYTES).
     */
    static final int MAX_INSTRUCTION_TOKENS = 3 * ExtractionSchemas.MAX_SCHEMA_CHARS + 1024;
    /** Longest analysis text kept in an Extraction (characters). */
    static final int MAX_ANALYSIS_CHARS = 256 * 1024;

    private final MiniMaxModel model;
    private final TextTokenizer tokenizer;
    private final ModelIdentity identity;
    private final int budgetTokens;
    private final int maxOutputTokens;
    private final PrefillPlan plan;
    private final BatchEngine batch;
    private final BranchDecoder branches;
    private final TokenVocabulary vocabulary;
    private final Digest digest;
    private final DocumentView.Setup viewSetup;

    OrderRunner(WorkerEngine engine, WorkerConfig config) {
        this.model = engine.model;
        this.tokenizer = engine.tokenizer;
        this.identity = engine.identity;
        this.budgetTokens = engine.budgetTokens;
        this.digest = new Digest(engine.encoder, Digest.Budget.DEFAULT);
        this.viewSetup = new DocumentView.Setup(tokenizer, engine.encoder, budgetTokens);
        this.maxOutputTokens = config.maxOutputTokens();
        this.plan = new PrefillPlan(config.prefillChunk());
        this.batch = engine.batch;
        this.branches = new BranchDecoder(engine.batch);
        this.vocabulary = TokenVocabulary.of(tokenizer);
    }

    int budgetTokens() {
        return budgetTokens;
    }

    /** Runs one order; any number of calls may run at once, each on its own thread. */
    Outcome run(WorkOrder order, ChunkSource reader, Progress progress, RunCancel cancel) {
        long started = System.currentTimeMillis();
        JobRequest request = order.getRequest();
        // The tasks' branches first: a schema this worker refuses, or an instruction over its cap,
        // fails the order before its document is read and prefilled (minutes on a long one).
        SamplingParams params = SamplingParams.greedy(maxOutputTokens);
        if (tokenizer.eosTokenId().isPresent()) {
            params = params.withStopTokens(tokenizer.eosTokenId().getAsInt());
        }
        List<Task> tasks = request.getTasks();
        List<BranchDecoder.Branch> work = new ArrayList<>(tasks.size());
        for (Task task : tasks) {
            work.add(task.getType() == TaskType.SUMMARIZE
                    ? new BranchDecoder.Branch(instruction(Prompts.summarize(request.getKind())), params)
                    : extraction(task, params));
        }
        SequenceState state = model.newSequence();
        Prefill prefill = new Prefill(state, cancel);
        long total = request.getDocument().getBytes();
        DocumentView view = new DocumentView(viewSetup, request.getKind(), total, prefill::feed);
        // Only extractions carry analysis: a job of summaries alone skips the analyzer's work.
        boolean extracts = request.getTasks().stream().anyMatch(t -> t.getType() == TaskType.EXTRACT);
        StreamAnalyzer analyzer = extracts ? StreamAnalyzer.forKind(request.getKind()) : new StreamAnalyzer.None();
        DocumentView.Outcome read;
        DigestStream digestStream = request.getTasks().stream().anyMatch(t -> t.getType() == TaskType.SUMMARIZE)
                ? new DigestStream(digest, sentenceMode(request.getKind()), new KeywordSignals(request.getKind())) : null;
        String[] digestPath = {null};
        try {
            String boundary = Prompts.boundary(request.getDocument().getSha256());
            prefill.feed(tokenizer.encode(Prompts.preamble(request.getKind(), boundary)));
            // progress counts the document's tokens, as the final status does (Done.documentTokens):
            // not the preamble's, which made a running job read more tokens than it ended with
            long preamble = prefill.tokens;
            long[] seen = {0};
            boolean complete = reader.read(order, (DocumentChunk chunk) -> {
                byte[] data = chunk.getData().array();
                analyzer.accept(chunk.getPath(), data);
                view.accept(chunk.getPath(), data);
                if (digestStream != null) {
                    if (chunk.getPath() != null && !chunk.getPath().equals(digestPath[0])) {
                        digestStream.boundary(); // a new file of a repository starts a new sentence
                        digestPath[0] = chunk.getPath();
                    }
                    digestStream.accept(data, 0, data.length);
                }
                seen[0] += data.length;
                progress.update(total == 0 ? 1 : 0.9 * seen[0] / total, prefill.tokens - preamble);
                return !cancel.requested();
            }, cancel::requested);
            if (!complete) {
                return new Cancelled();
            }
            read = view.finish();
            prefill.feed(tokenizer.encode(Prompts.documentEnd(boundary)));
            prefill.flush();
        } catch (Stop stop) {
            return new Cancelled();
        }
        String digestText = digestStream == null ? "" : digestStream.finish().text();
        StreamAnalyzer.Result analysis = analyzer.finish();
        String analysisJson = analysisJson(analysis);
        List<ProvenanceSpan> spans = analysis.spans().stream()
                .map(p -> ProvenanceSpan.newBuilder().setStart(p.start()).setEnd(p.end()).setLabel(p.label()).build())
                .toList();
        Optional<List<GenerationResult>> decoded = branches.decode(state, work, cancel::requested, progress::decoded);
        if (decoded.isEmpty() || cancel.requested()) {
            return new Cancelled();
        }
        List<Summary> summaries = new ArrayList<>();
        List<Extraction> extractions = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            GenerationResult d = decoded.get().get(i);
            String text = tokenizer.decodeSkippingSpecial(d.tokens());
            Usage usage = usage(d.promptTokens(), d.tokenCount(), read);
            if (tasks.get(i).getType() == TaskType.SUMMARIZE) {
                summaries.add(Summary.newBuilder().setJobId(request.getJobId()).setTaskIndex(i).setText(text)
                        .setDigest(digestText).setUsage(usage).setTimings(timings(order, started)).setModel(identity).build());
            } else {
                checkJson(text);
                extractions.add(Extraction.newBuilder().setJobId(request.getJobId()).setTaskIndex(i).setJson(text)
                        .setUsage(usage).setTimings(timings(order, started)).setModel(identity)
                        .setAnalysis(analysisJson).setSpans(spans).build());
            }
        }
        return new Done(summaries, extractions, read.tokensFed(), read.shareRead());
    }

    /** Logs and code are line-oriented: a line is their sentence. */
    private static SentenceSplitter.Mode sentenceMode(DocumentKind kind) {
        return kind == DocumentKind.LOG || kind == DocumentKind.REPO ? SentenceSplitter.Mode.LINES : SentenceSplitter.Mode.PROSE;
    }

    /** A task's instruction as tokens, within the prompt token cap. */
    private int[] instruction(String text) {
        int[] ids = tokenizer.encode(text);
        if (ids.length > MAX_INSTRUCTION_TOKENS) {
            throw new IllegalArgumentException("a task's instruction is " + ids.length + " tokens, more than the cap of "
                    + MAX_INSTRUCTION_TOKENS + " (prompt token cap)");
        }
        return ids;
    }

    /** One EXTRACT task's branch: a JSON object decoded under its schema's constraint. */
    private BranchDecoder.Branch extraction(Task task, SamplingParams params) {
        String schema = extractionSchema(task);
        // The planner's limits again: a work order is trusted no more than a request.
        JsonGrammar grammar = ExtractionSchemas.compile(schema);
        SamplingParams constrained = params.withMaxTokens(grammar.shortestLength() + maxOutputTokens)
                .withConstraint(new SchemaConstraint(grammar, vocabulary));
        return new BranchDecoder.Branch(instruction(extractionInstruction(task, schema)), constrained);
    }

    /** A constrained extraction always parses; one that does not is a bug, not a result. */
    private static void checkJson(String text) {
        try {
            JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("constrained extraction is not JSON (a bug): " + text, e);
        }
    }

    /** The schema an EXTRACT task's output must satisfy: its own, or one built from its field names. */
    static String extractionSchema(Task task) {
        return task.getJsonSchema() != null ? task.getJsonSchema() : fieldsSchema(task.getFields());
    }

    /** The instruction of an EXTRACT task whose schema is `schema` (from extractionSchema). */
    static String extractionInstruction(Task task, String schema) {
        return task.getJsonSchema() != null ? Prompts.extractSchema(schema)
                : Prompts.extractFields(task.getFields().isEmpty() ? List.of(DEFAULT_FIELD) : task.getFields());
    }

    /**
     * The Extraction's `analysis` text: {"analyzer": name, "facts": {...}}, "{}" without an analyzer.
     * Facts past MAX_ANALYSIS_CHARS are replaced by a note, so a result stays far below Kafka's
     * message limit; the analyzers cap their lists, so this is a guard, not the rule.
     */
    static String analysisJson(StreamAnalyzer.Result analysis) {
        if (analysis.name() == null) {
            return "{}";
        }
        ObjectNode root = JSON.createObjectNode().put("analyzer", analysis.name());
        root.set("facts", analysis.facts());
        String text = root.toString();
        if (text.length() > MAX_ANALYSIS_CHARS) {
            root.putObject("facts").put("omitted", "facts of " + text.length() + " characters exceed " + MAX_ANALYSIS_CHARS);
            text = root.toString();
        }
        return text;
    }

    /** The schema of an extraction by field names: an object of every field, each a bounded string. */
    static String fieldsSchema(List<String> fields) {
        ObjectNode schema = JSON.createObjectNode().put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        for (String field : fields.isEmpty() ? List.of(DEFAULT_FIELD) : fields) {
            properties.putObject(field).put("type", "string").put("maxLength", FIELD_MAX_CHARS);
            schema.withArray("required").add(field);
        }
        return schema.toString();
    }

    static Usage usage(long promptTokens, long outputTokens, DocumentView.Outcome read) {
        return Usage.newBuilder().setPromptTokens(promptTokens).setOutputTokens(outputTokens)
                .setDocumentTokens(read.tokensFed()).setDocumentShareRead(read.shareRead()).build();
    }

    static Timings timings(WorkOrder order, long started) {
        long now = System.currentTimeMillis();
        Instant planned = order.getPlannedAt();
        Instant submitted = order.getRequest().getSubmittedAt();
        return Timings.newBuilder()
                .setQueuedMs(Math.max(0, started - planned.toEpochMilli()))
                .setRunningMs(now - started)
                .setEndToEndMs(Math.max(0, now - submitted.toEpochMilli()))
                .build();
    }

    /**
     * Buffers document tokens and feeds them to the batch engine one plan-sized chunk at a time (no
     * logits): each feed waits for the previous one and checks the run's cancel first, so a cancel
     * stops the prefill within a chunk, and the engine computes a chunk while the caller
     * tokenizes the next text.
     */
    private final class Prefill {
        private final SequenceState state;
        private final RunCancel cancel;
        private int[] buffer = new int[1024];
        private int size;
        private int position; // the state's position once every feed sent is in
        private CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);
        long tokens;

        Prefill(SequenceState state, RunCancel cancel) {
            this.state = state;
            this.cancel = cancel;
            this.position = state.position();
        }

        void feed(int[] ids) {
            PrefillPlan.checkTokens(ids, model.config().vocabSize());
            if (size + ids.length > buffer.length) {
                buffer = java.util.Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + ids.length));
            }
            System.arraycopy(ids, 0, buffer, size, ids.length);
            size += ids.length;
            tokens += ids.length;
            int from = 0;
            while (size - from >= plan.chunk()) {
                from += send(from, plan.next(position, size - from));
            }
            compact(from);
        }

        /** Feeds what is buffered, however short, and waits until the state holds it all. */
        void flush() {
            int from = 0;
            while (from < size) {
                from += send(from, plan.next(position, size - from));
            }
            compact(from);
            await();
        }

        /** Feeds buffer[from, from + count) once the previous feed is in; returns count. */
        private int send(int from, int count) {
            await();
            if (cancel.requested()) {
                throw new Stop();
            }
            inFlight = batch.feed(state, buffer, from, count); // copies the ids, so the buffer may be reused at once
            position += count;
            return count;
        }

        /** Drops the fed tokens buffer[0, from) once per call, not once per chunk. */
        private void compact(int from) {
            System.arraycopy(buffer, from, buffer, 0, size - from);
            size -= from;
        }

        /** Waits for the feed in the engine (one chunk: a step or a few, as other orders share them). */
        private void await() {
            try {
                inFlight.join();
            } catch (CancellationException e) {
                throw new Stop(); // the engine is closing
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
    }
}
