/*
 * Runs one WorkOrder on the engine: the kind's preamble, then the document streamed from Kafka
 * through a DocumentView into one sequence state (prefilled in chunks, never held whole), then for
 * each task a branch (snapshot) of that state fed the task's instruction and decoded greedily.
 * An EXTRACT task decodes one JSON object under a SchemaConstraint compiled from its jsonSchema,
 * or, given only field names, from a schema of those fields as bounded strings; its budget is the
 * schema's shortest output (keys and punctuation the model does not choose) plus maxOutputTokens.
 * The output therefore always parses and validates; it is parsed once more before it is kept, and
 * a failure there is a bug (IllegalStateException). A schema outside the supported subset (see
 * JsonGrammar) fails the order with the compiler's message. The document is prefilled once,
 * whatever the number of tasks. Cancellation (a flag checked
 * before every forward step, and the generator's own cancel during decode) ends the run at the next
 * chunk or decode step. One order at a time: the runner owns a workspace and a generator.
 * When the order has a SUMMARIZE task, every streamed byte also goes to a DigestStream (bounded
 * candidate buffer), and each Summary carries the extractive digest beside the model's text, so a
 * result says something true about the document even when the model's text does not. Its signals
 * are the view's keyword Salience (errors in logs, key clauses in contracts, declarations in code).
 * Every chunk also goes to the StreamAnalyzer of the job's kind (the whole document, not only what
 * fits the budget); each Extraction carries its facts in `analysis` and its provenance in `spans`,
 * while `json` stays the model's constrained output alone.
 */
package dev.longhaul.pipeline.worker;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longhaul.engine.constrain.JsonGrammar;
import dev.longhaul.engine.constrain.SchemaConstraint;
import dev.longhaul.engine.constrain.TokenVocabulary;
import dev.longhaul.engine.generate.FinishReason;
import dev.longhaul.engine.generate.GenerationListener;
import dev.longhaul.engine.generate.GenerationResult;
import dev.longhaul.engine.generate.Generator;
import dev.longhaul.engine.generate.PrefillPlan;
import dev.longhaul.engine.generate.SamplingParams;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.Segment;
import dev.longhaul.engine.model.SequenceState;
import dev.longhaul.engine.model.Workspace;
import dev.longhaul.engine.tokenizer.TextTokenizer;
import dev.longhaul.pipeline.analyze.digest.Digest;
import dev.longhaul.pipeline.analyze.digest.DigestStream;
import dev.longhaul.pipeline.analyze.digest.SentenceSplitter;
import dev.longhaul.pipeline.analyze.digest.Signals;
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
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longest value of a field extracted by name (code points). */
    static final int FIELD_MAX_CHARS = 256;
    /** The field asked for when an EXTRACT task names none. */
    static final String DEFAULT_FIELD = "key facts";
    /**
     * Prompt token cap on a task's instruction (the document is capped by the context budget): a
     * schema of ExtractionSchemas.MAX_SCHEMA_CHARS fits even at one token per byte. The output is
     * capped at maxOutputTokens plus what the schema forces (at most MAX_FORCED_OUTPUT_BYTES).
     */
    static final int MAX_INSTRUCTION_TOKENS = ExtractionSchemas.MAX_SCHEMA_CHARS + 1024;
    /** Longest analysis text kept in an Extraction (characters). */
    static final int MAX_ANALYSIS_CHARS = 256 * 1024;

    private final MiniMaxModel model;
    private final TextTokenizer tokenizer;
    private final ModelIdentity identity;
    private final int budgetTokens;
    private final int maxOutputTokens;
    private final PrefillPlan plan;
    private final Workspace workspace;
    private final Generator generator;
    private final TokenVocabulary vocabulary;
    private final Digest digest;
    private volatile boolean cancelled;

    OrderRunner(WorkerEngine engine, WorkerConfig config) {
        this.model = engine.model;
        this.tokenizer = engine.tokenizer;
        this.identity = engine.identity;
        this.budgetTokens = engine.budgetTokens;
        this.digest = new Digest(engine.encoder, Digest.Budget.DEFAULT);
        this.maxOutputTokens = config.maxOutputTokens();
        this.plan = new PrefillPlan(config.prefillChunk());
        this.workspace = model.workspace(config.prefillChunk(), 1);
        this.generator = new Generator(model, config.prefillChunk());
        this.vocabulary = TokenVocabulary.of(tokenizer);
    }

    int budgetTokens() {
        return budgetTokens;
    }

    /** Stops the run in progress at its next chunk or decode step (any thread). */
    void cancel() {
        cancelled = true;
        generator.cancel();
    }

    Outcome run(WorkOrder order, ChunkSource reader, Progress progress) {
        cancelled = false;
        long started = System.currentTimeMillis();
        JobRequest request = order.getRequest();
        SequenceState state = model.newSequence();
        Prefill prefill = new Prefill(state);
        long total = request.getDocument().getBytes();
        DocumentView view = new DocumentView(tokenizer, request.getKind(), total, budgetTokens, prefill::feed);
        // Only extractions carry analysis: a job of summaries alone skips the analyzer's work.
        boolean extracts = request.getTasks().stream().anyMatch(t -> t.getType() == TaskType.EXTRACT);
        StreamAnalyzer analyzer = extracts ? StreamAnalyzer.forKind(request.getKind()) : new StreamAnalyzer.None();
        DocumentView.Outcome read;
        DigestStream digestStream = request.getTasks().stream().anyMatch(t -> t.getType() == TaskType.SUMMARIZE)
                ? new DigestStream(digest, sentenceMode(request.getKind()), signals(request.getKind())) : null;
        String[] digestPath = {null};
        try {
            String boundary = Prompts.boundary(request.getDocument().getSha256());
            prefill.feed(tokenizer.encode(Prompts.preamble(request.getKind(), boundary)));
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
                progress.update(total == 0 ? 1 : 0.9 * seen[0] / total, prefill.tokens);
                return !cancelled;
            });
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
        SamplingParams params = SamplingParams.greedy(maxOutputTokens);
        if (tokenizer.eosTokenId().isPresent()) {
            params = params.withStopTokens(tokenizer.eosTokenId().getAsInt());
        }
        List<Summary> summaries = new ArrayList<>();
        List<Extraction> extractions = new ArrayList<>();
        List<Task> tasks = request.getTasks();
        for (int i = 0; i < tasks.size(); i++) {
            Task task = tasks.get(i);
            if (task.getType() == TaskType.SUMMARIZE) {
                Decoded d = decode(state, Prompts.summarize(request.getKind()), params);
                if (d == null) {
                    return new Cancelled();
                }
                summaries.add(Summary.newBuilder().setJobId(request.getJobId()).setTaskIndex(i).setText(d.text)
                        .setDigest(digestText).setUsage(usage(d.promptTokens, d.outputTokens, read)).setTimings(timings(order, started)).setModel(identity).build());
            } else {
                Decoded d = extract(state, task, params);
                if (d == null) {
                    return new Cancelled();
                }
                extractions.add(Extraction.newBuilder().setJobId(request.getJobId()).setTaskIndex(i).setJson(d.text)
                        .setUsage(usage(d.promptTokens, d.outputTokens, read)).setTimings(timings(order, started)).setModel(identity)
                        .setAnalysis(analysisJson).setSpans(spans).build());
            }
        }
        return new Done(summaries, extractions, read.tokensFed(), read.shareRead());
    }

    /** Logs and code are line-oriented: a line is their sentence. */
    private static SentenceSplitter.Mode sentenceMode(DocumentKind kind) {
        return kind == DocumentKind.LOG || kind == DocumentKind.REPO ? SentenceSplitter.Mode.LINES : SentenceSplitter.Mode.PROSE;
    }

    /** The keyword salience as a digest boost: its 0..5 score scaled to 0..1. */
    private static Signals signals(DocumentKind kind) {
        Salience salience = new Salience(kind);
        return s -> {
            byte[] bytes = s.text().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            return salience.score(bytes, 0, bytes.length) / 5.0;
        };
    }

    private record Decoded(String text, long promptTokens, long outputTokens) {}

    /** One task on a branch of the document's state; null when cancelled. */
    private Decoded decode(SequenceState document, String instruction, SamplingParams params) {
        if (cancelled) {
            return null;
        }
        int[] ids = tokenizer.encode(instruction);
        if (ids.length > MAX_INSTRUCTION_TOKENS) {
            throw new IllegalArgumentException("a task's instruction is " + ids.length + " tokens, more than the cap of "
                    + MAX_INSTRUCTION_TOKENS + " (prompt token cap)");
        }
        SequenceState branch = document.snapshot();
        GenerationResult result = generator.continueFrom(branch, ids, params, GenerationListener.of(id -> { }));
        if (result.finishReason() == FinishReason.CANCELLED || cancelled) {
            return null;
        }
        return new Decoded(tokenizer.decodeSkippingSpecial(result.tokens()), result.promptTokens(), result.tokenCount());
    }

    /** One EXTRACT task: a JSON object decoded under its schema's constraint; null when cancelled. */
    private Decoded extract(SequenceState document, Task task, SamplingParams params) {
        String schema = extractionSchema(task);
        // The planner's limits again: a work order is trusted no more than a request.
        JsonGrammar grammar = ExtractionSchemas.compile(schema);
        SamplingParams constrained = params.withMaxTokens(grammar.shortestLength() + maxOutputTokens)
                .withConstraint(new SchemaConstraint(grammar, vocabulary));
        Decoded d = decode(document, extractionInstruction(task, schema), constrained);
        if (d != null) {
            try {
                JSON.readTree(d.text);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("constrained extraction is not JSON (a bug): " + d.text, e);
            }
        }
        return d;
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

    /** Buffers document tokens and prefills them in plan-sized forward steps (no logits). */
    private final class Prefill {
        private final SequenceState state;
        private int[] buffer = new int[1024];
        private int size;
        long tokens;

        Prefill(SequenceState state) {
            this.state = state;
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
                from += step(from, plan.next(state.position(), size - from));
            }
            compact(from);
        }

        void flush() {
            int from = 0;
            while (from < size) {
                from += step(from, plan.next(state.position(), size - from));
            }
            compact(from);
        }

        private int step(int from, int n) {
            if (cancelled) {
                throw new Stop();
            }
            model.forward(List.of(new Segment(state, buffer, from, n, Segment.Logits.NONE)), workspace);
            return n;
        }

        private void compact(int from) {
            System.arraycopy(buffer, from, buffer, 0, size - from);
            size -= from;
        }
    }
}
