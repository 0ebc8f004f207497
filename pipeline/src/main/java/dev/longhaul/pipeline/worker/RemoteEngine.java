/*
 * Runs a worker's orders on an OpenAI-compatible server (vLLM, SGLang, `longhaul serve`) instead
 * of a model in this process, for models too large for one worker. What the model is given is the
 * same as OrderRunner's: the kind's preamble, then the document assembled by the same DocumentView
 * under the same context budget (its middle ranked by the same sentence encoder, loaded at open),
 * then each task's instruction from Prompts. The view still counts
 * tokens, with the served model's tokenizer.json read from WorkerConfig.modelDir (only that file is
 * needed), and the prompt goes to the server as those token ids (preamble, document, fence end,
 * instruction), not as text: the server does not tokenize it again, so document text that spells
 * a special token stays ordinary tokens (LiteralTokens), and the tokens are a local run's.
 *
 * No state is branched remotely: each task is one POST /completions of the whole prefix plus its
 * instruction, greedy (temperature 0), all of an order's tasks in flight at once so that the server
 * batches them; a server with prefix caching (vLLM's --enable-prefix-caching, SGLang's radix cache)
 * then prefills the shared document once. An EXTRACT task asks for JSON with response_format
 * json_schema (the schema OrderRunner would constrain to) and max_tokens of the schema's shortest
 * output plus maxOutputTokens; whatever the server did with the schema, the answer is parsed and
 * checked against it (SchemaCheck), and an answer that fails fails the order with the reason: an
 * unconstrained remote model cannot promise the schema, and a wrong result is never committed.
 *
 * Start: GET /models must answer and list a model (its id goes into every request and into the
 * results' ModelIdentity with backend "remote"), else open() throws; nothing falls back to a local
 * engine. The budget is contextTokens, capped by the server's max_model_len when it reports one;
 * the time budget bounds each request instead of the document (the server's speed is not measured
 * ahead). Usage is the server's: prompt and completion tokens; document tokens are the view's.
 */
package dev.longhaul.pipeline.worker;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.engine.constrain.JsonGrammar;
import dev.longhaul.engine.tokenizer.TextTokenizer;
import dev.longhaul.pipeline.analyze.digest.Encoder;
import dev.longhaul.pipeline.analyze.digest.MiniLmEncoder;
import dev.longhaul.pipeline.remote.OpenAiClient;
import dev.longhaul.pipeline.remote.SchemaCheck;
import dev.longhaul.schemas.DocumentChunk;
import dev.longhaul.schemas.Extraction;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.ModelIdentity;
import dev.longhaul.schemas.Summary;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.WorkOrder;

final class RemoteEngine implements OrderEngine {
    /** The backend recorded in results' ModelIdentity. */
    static final String BACKEND = "remote";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final OpenAiClient client;
    private final TextTokenizer tokenizer;
    private final DocumentView.Setup viewSetup;
    private final ModelIdentity identity;
    private final int budgetTokens;
    private final int maxOutputTokens;
    private final java.util.OptionalInt maxModelLen; // the server's context, when it says
    private volatile double tokensPerSecond;

    private RemoteEngine(OpenAiClient client, TextTokenizer tokenizer, Encoder encoder, OpenAiClient.ServedModel served,
                         WorkerConfig config) {
        this.client = client;
        this.tokenizer = tokenizer;
        this.identity = ModelIdentity.newBuilder().setName(served.id()).setBackend(BACKEND).setWeightsDtype("unknown").build();
        this.maxOutputTokens = config.maxOutputTokens();
        this.maxModelLen = served.maxModelLen();
        long byServer = served.maxModelLen().isPresent() ? served.maxModelLen().getAsInt() - 512L - maxOutputTokens : Long.MAX_VALUE;
        this.budgetTokens = (int) Math.max(64, Math.min(config.contextTokens(), byServer));
        this.viewSetup = new DocumentView.Setup(tokenizer, encoder, budgetTokens);
    }

    /** Checks the server (GET /models), loads the tokenizer and the sentence encoder; throws when one fails. */
    static RemoteEngine open(WorkerConfig config) {
        URI base = config.remoteUrl().orElseThrow(() -> new IllegalArgumentException("not a remote backend: " + config.backend()));
        // The server's API key, as OpenAI clients take it: from OPENAI_API_KEY (none when unset).
        OpenAiClient client = new OpenAiClient(base, config.timeBudget(), System.getenv("OPENAI_API_KEY"));
        try {
            OpenAiClient.ServedModel served = client.models().getFirst();
            TextTokenizer tokenizer = TextTokenizer.load(config.modelDir());
            try {
                return new RemoteEngine(client, tokenizer, MiniLmEncoder.load(), served, config);
            } catch (RuntimeException | Error e) {
                tokenizer.close(); // its native handle, which nothing else would release
                throw e;
            }
        } catch (Error e) {
            client.close();
            throw e;
        } catch (RuntimeException e) {
            client.close();
            throw new IllegalStateException("remote backend " + base + " is not usable: " + e.getMessage(), e);
        }
    }

    @Override
    public int budgetTokens() {
        return budgetTokens;
    }

    @Override
    public double prefillTokensPerSecond() {
        return tokensPerSecond;
    }

    /** The server batches (or not) out of sight: nothing to report. */
    @Override
    public BatchFill batchFill() {
        return BatchFill.NONE;
    }

    /** Runs one order; several may run at once (the server batches their requests). */
    @Override
    public OrderRunner.Outcome run(WorkOrder order, ChunkSource reader, OrderRunner.Progress progress, RunCancel cancel) {
        long started = System.currentTimeMillis();
        JobRequest request = order.getRequest();
        List<CompletableFuture<?>> inFlight = new ArrayList<>();
        cancel.onRequest(() -> {
            synchronized (inFlight) {
                inFlight.forEach(f -> f.cancel(true));
            }
        });
        TokenSink document = new TokenSink(cancel);
        long total = request.getDocument().getBytes();
        String boundary = Prompts.boundary(request.getDocument().getSha256());
        int[] preamble = tokenizer.encode(Prompts.preamble(request.getKind(), boundary));
        int[] documentEnd = tokenizer.encode(Prompts.documentEnd(boundary));
        // every task's request before the document is read: a schema that fails, fails now, and
        // the document's share of the server's context is what the largest request leaves
        List<Task> tasks = request.getTasks();
        List<Planned> planned = new ArrayList<>();
        for (Task task : tasks) {
            planned.add(plan(request, task));
        }
        DocumentView view = new DocumentView(viewFor(preamble.length + documentEnd.length, planned), request.getKind(), total, document::feed);
        long[] seen = {0};
        DocumentView.Outcome read;
        try {
            boolean complete = reader.read(order, (DocumentChunk chunk) -> {
                byte[] data = chunk.getData().array();
                view.accept(chunk.getPath(), data);
                seen[0] += data.length;
                progress.update(total == 0 ? 1 : 0.9 * seen[0] / total, document.size);
                return !cancel.requested();
            }, cancel::requested);
            if (!complete) {
                return new OrderRunner.Cancelled();
            }
            read = view.finish();
        } catch (CancellationException stop) {
            return new OrderRunner.Cancelled();
        }
        int[] prefix = concat(preamble, document.ids(), documentEnd);

        List<String> schemas = new ArrayList<>();
        List<CompletableFuture<OpenAiClient.CompletionReply>> replies = new ArrayList<>();
        try {
            for (Planned p : planned) {
                schemas.add(p.schema());
                replies.add(submit(p, prefix, inFlight, cancel));
            }
        } catch (RuntimeException e) {
            replies.forEach(f -> f.cancel(true)); // the requests already sent go too
            throw e;
        }
        List<Summary> summaries = new ArrayList<>();
        List<Extraction> extractions = new ArrayList<>();
        long promptTokens = 0;
        try {
            for (int i = 0; i < tasks.size(); i++) {
                OpenAiClient.CompletionReply reply = finished(replies.get(i).join(), i);
                promptTokens += reply.promptTokens();
                var usage = OrderRunner.usage(reply.promptTokens(), reply.completionTokens(), read);
                var timings = OrderRunner.timings(order, started);
                if (schemas.get(i) == null) {
                    summaries.add(Summary.newBuilder().setJobId(request.getJobId()).setTaskIndex(i).setText(reply.text())
                            .setUsage(usage).setTimings(timings).setModel(identity).build());
                } else {
                    extractions.add(Extraction.newBuilder().setJobId(request.getJobId()).setTaskIndex(i)
                            .setJson(checked(schemas.get(i), reply, i)).setUsage(usage).setTimings(timings).setModel(identity).build());
                }
            }
        } catch (CancellationException e) {
            return new OrderRunner.Cancelled();
        } catch (CompletionException e) {
            if (cancel.requested()) {
                return new OrderRunner.Cancelled();
            }
            throw e.getCause() instanceof RuntimeException r ? r : e;
        } finally {
            replies.forEach(f -> f.cancel(true));
            synchronized (inFlight) {
                inFlight.clear();
            }
        }
        if (cancel.requested()) {
            return new OrderRunner.Cancelled();
        }
        long ms = System.currentTimeMillis() - started;
        tokensPerSecond = ms == 0 ? tokensPerSecond : promptTokens * 1000.0 / ms;
        return new OrderRunner.Done(summaries, extractions, read.tokensFed(), read.shareRead());
    }

    /** One task's request but for the document: its instruction's tokens, its output budget, its schema (null: a summary). */
    private record Planned(int[] instruction, int maxTokens, String schema) {}

    /** Plans a task's request; throws for a schema outside the subset, as a local run does. */
    private Planned plan(JobRequest request, Task task) {
        String schema = task.getType() == TaskType.EXTRACT ? OrderRunner.extractionSchema(task) : null;
        if (schema == null) {
            return new Planned(tokenizer.encode(Prompts.summarize(request.getKind())), maxOutputTokens, null);
        }
        JsonGrammar grammar = dev.longhaul.pipeline.plan.ExtractionSchemas.compile(schema);
        return new Planned(tokenizer.encode(OrderRunner.extractionInstruction(task, schema)),
                grammar.shortestLength() + maxOutputTokens, schema);
    }

    /**
     * The view of one order: the worker's budget, less what the largest of its requests needs
     * beyond the 512 + maxOutputTokens the budget already leaves, where the server says its
     * context (a schema of a few thousand characters, or its forced output, would otherwise push a
     * request past max_model_len and the server refuse it).
     */
    private DocumentView.Setup viewFor(int framing, List<Planned> planned) {
        if (maxModelLen.isEmpty()) {
            return viewSetup;
        }
        long need = framing;
        long largest = 0;
        for (Planned p : planned) {
            largest = Math.max(largest, (long) p.instruction().length + p.maxTokens());
        }
        need += largest;
        long room = maxModelLen.getAsInt() - need;
        if (room < 1) {
            throw new IllegalStateException("the served model's context (" + maxModelLen.getAsInt() + " tokens) cannot hold this"
                    + " job's instruction and output (" + need + " tokens) beside any of its document");
        }
        return room >= budgetTokens ? viewSetup : new DocumentView.Setup(tokenizer, viewSetup.encoder(), (int) room);
    }

    /** One task's request, in flight. */
    private CompletableFuture<OpenAiClient.CompletionReply> submit(Planned p, int[] prefix, List<CompletableFuture<?>> inFlight,
                                                                   RunCancel cancel) {
        CompletableFuture<OpenAiClient.CompletionReply> f =
                client.complete(new OpenAiClient.CompletionCall(identity.getName(), concat(prefix, p.instruction()),
                        p.maxTokens(), p.schema()));
        synchronized (inFlight) {
            inFlight.add(f);
        }
        if (cancel.requested()) {
            f.cancel(true);
        }
        return f;
    }

    /**
     * The reply, when the server finished it: finish_reason "stop" or "length" (or none given, as
     * a server that does not stream may leave out). Another ("abort" from a vLLM or SGLang engine
     * shutting down, "error", "content_filter") means the text was cut short by something other
     * than the request's own limits, and is never committed as the task's answer: a failure, tried
     * again unless the server filtered the content (which another try would meet again).
     */
    static OpenAiClient.CompletionReply finished(OpenAiClient.CompletionReply reply, int taskIndex) {
        String reason = reply.finishReason();
        if (reason == null || reason.equals("stop") || reason.equals("length") || reason.equals("unknown")) {
            return reply;
        }
        int status = reason.equals("content_filter") ? 400 : 503;
        throw new OpenAiClient.RemoteFailure(status, "task " + taskIndex + ": the remote server ended its answer with finish_reason "
                + reason + ", not a finished one; answer so far: " + abbreviate(reply.text()), null);
    }

    /**
     * The reply's JSON as committed (the server's text, unchanged), after checking it against the
     * schema; text after the JSON value (a server that ignores response_format may add prose) is
     * refused, not committed with it.
     */
    static String checked(String schema, OpenAiClient.CompletionReply reply, int taskIndex) {
        JsonNode value;
        try {
            // a repeated key is refused (Jackson would keep the last, checking one value and
            // committing text that holds both)
            value = JSON.readerFor(JsonNode.class).with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .with(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .readTree(reply.text());
        } catch (JsonProcessingException e) {
            value = null;
        }
        String problem = value == null || value.isMissingNode()
                ? "not JSON (finish_reason " + reply.finishReason() + ")"
                : SchemaCheck.problem(readSchema(schema), value).orElse(null);
        if (problem != null) {
            throw new IllegalStateException("task " + taskIndex + ": the remote server's extraction does not satisfy the"
                    + " schema: " + problem + "; answer: " + abbreviate(reply.text()));
        }
        return reply.text();
    }

    private static JsonNode readSchema(String schema) {
        try {
            return JSON.readTree(schema);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the schema is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    /** The view's tokens, kept in order: the document part of the prompt sent as ids. */
    private static final class TokenSink {
        private final RunCancel cancel;
        private int[] ids = new int[1024];
        int size;

        TokenSink(RunCancel cancel) {
            this.cancel = cancel;
        }

        void feed(int[] tokens) {
            if (cancel.requested()) {
                throw new CancellationException();
            }
            if (size + tokens.length > ids.length) {
                ids = java.util.Arrays.copyOf(ids, Math.max(2 * ids.length, size + tokens.length));
            }
            System.arraycopy(tokens, 0, ids, size, tokens.length);
            size += tokens.length;
        }

        int[] ids() {
            return java.util.Arrays.copyOf(ids, size);
        }
    }

    private static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    @Override
    public void close() {
        client.close();
        tokenizer.close();
    }
}
