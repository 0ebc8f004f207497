/*
 * The OpenAI-compatible HTTP API of `longhaul serve`, on the JDK's HttpServer with one virtual
 * thread per request (a streaming answer only waits on its queue of tokens):
 *   GET  /v1/models             the one served model ({"object": "list", "data": [...]}, with
 *                               max_model_len as vLLM reports it)
 *   POST /v1/completions        text completion; stream: false answers one JSON object, true answers
 *                               server-sent events, one `data: {chunk}` per new piece of text, a last
 *                               chunk with finish_reason, with include_usage a chunk with usage and
 *                               no choices, then `data: [DONE]`
 *   POST /v1/chat/completions   the same over chat messages (ChatTemplate), chat.completion(.chunk)
 * Every request is one sequence in the model's BatchEngine, so concurrent requests share forward
 * steps (continuous batching). What the bodies may hold: GenerationRequest. Errors answer OpenAI's
 * {"error": {...}}: 400 for a body that is not JSON or a bad parameter, 404 for an unknown path or
 * model, 405 for a wrong method, 429 (with Retry-After) when maxRequests generations are in
 * progress already, 500 for a failed generation, 503 while shutting down. An error
 * after a stream has begun is sent as one more event, `data: {"error": ...}`, then [DONE].
 * With an API key, every request must carry `Authorization: Bearer KEY` (as OpenAI clients send
 * their key); any other answers 401 (invalid_api_key) before its body is read.
 */
package dev.longhaul.ops.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.longhaul.ops.http.BearerToken;

public final class ServeServer implements AutoCloseable {
    /** Largest request body read (a long prompt as token ids stays far below). */
    private static final int MAX_BODY = 64 << 20;

    private final ServedModel model;
    private final Optional<BearerToken> key;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final java.util.Set<dev.longhaul.engine.batch.SequenceHandle> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closing;
    private final long created = System.currentTimeMillis() / 1000;
    /**
     * Bytes of request bodies being read and parsed at once, at most a quarter of the heap: a body
     * becomes a JSON tree many times its size, and every request has a thread of its own, so
     * without a bound a burst of large prompts would exhaust the heap (and fail every request).
     * A request waits up to BODY_WAIT for its share, then is answered 503.
     */
    private final java.util.concurrent.Semaphore bodyBytes = new java.util.concurrent.Semaphore(
            (int) Math.min(Integer.MAX_VALUE, Math.max(MAX_BODY, Runtime.getRuntime().maxMemory() / 4)));
    private static final java.time.Duration BODY_WAIT = java.time.Duration.ofSeconds(30);
    /** Generations in progress at most by default: those in the batch and those waiting for a slot. */
    public static final int DEFAULT_MAX_REQUESTS = 256;
    /**
     * Permits for generations in progress (decoding or waiting for a batch slot): a request past
     * them is answered 429 at once, which OpenAI's clients retry after Retry-After, instead of
     * queueing without bound (each waiting request holds its prompt, a thread and a connection).
     */
    private final java.util.concurrent.Semaphore generations;
    private final int maxRequests;
    private final long sequenceBudget;
    /** Bytes of sequence state reserved by the generations in progress. */
    private final java.util.concurrent.atomic.AtomicLong reserved = new java.util.concurrent.atomic.AtomicLong();

    /** Listens on host:port (port 0: any free port) and serves `model` to anyone until closed. */
    public ServeServer(ServedModel model, String host, int port) {
        this(model, host, port, Optional.empty());
    }

    /** As above; with a key, only to requests that carry it. */
    public ServeServer(ServedModel model, String host, int port, Optional<BearerToken> key) {
        this(model, host, port, key, DEFAULT_MAX_REQUESTS);
    }

    /** As above, with at most maxRequests generations in progress (more are answered 429). */
    public ServeServer(ServedModel model, String host, int port, Optional<BearerToken> key, int maxRequests) {
        this(model, host, port, key, maxRequests, defaultSequenceBudget());
    }

    /** Half the heap: what the sequences in progress may hold together by default (see sequenceBudget). */
    public static long defaultSequenceBudget() {
        return Runtime.getRuntime().maxMemory() / 2;
    }

    /**
     * As above, the sequences in progress holding at most sequenceBudget bytes of state together
     * (KV pages and lightning state, each reserved for its prompt plus max_tokens when admitted):
     * a request that alone needs more is answered 400, one that would take the total past it 429.
     * Without that bound one long request could exhaust the heap mid-step and fail every request
     * sharing the batch.
     */
    public ServeServer(ServedModel model, String host, int port, Optional<BearerToken> key, int maxRequests, long sequenceBudget) {
        if (maxRequests < 1) {
            throw new IllegalArgumentException("max requests must be at least 1, not " + maxRequests);
        }
        if (sequenceBudget < 1) {
            throw new IllegalArgumentException("the sequence budget must be positive, not " + sequenceBudget);
        }
        this.sequenceBudget = sequenceBudget;
        this.maxRequests = maxRequests;
        this.generations = new java.util.concurrent.Semaphore(maxRequests);
        this.model = model;
        this.key = key;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port, e);
        }
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The API's base URL, e.g. http://localhost:8000/v1. */
    public URI url() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().isAnyLocalAddress() ? "localhost" : a.getHostString();
        return URI.create("http://" + host + ":" + a.getPort() + "/v1");
    }

    private void handle(HttpExchange ex) throws IOException {
        // The catch blocks answer on the exchange, so it is closed after them, in finally.
        active.incrementAndGet();
        try {
            if (closing) {
                throw new ApiError(503, "server_error", null, null, "the server is shutting down");
            }
            route(ex);
        } catch (ApiError e) {
            fail(ex, e);
        } catch (RuntimeException e) {
            fail(ex, new ApiError(500, "server_error", null, null, String.valueOf(e.getMessage())));
        } catch (IOException e) {
            // The client went away; its sequence was cancelled by CompletionRun.
        } finally {
            ex.close();
            active.decrementAndGet();
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        if (key.isPresent() && !key.get().admits(ex.getRequestHeaders().getFirst("Authorization"))) {
            throw new ApiError(401, "invalid_request_error", null, "invalid_api_key",
                    "this server needs its API key: Authorization: Bearer KEY");
        }
        if (path.startsWith("/v1/models/")) { // one model by id, as OpenAI's clients retrieve it
            expect(ex, "GET");
            String id = path.substring("/v1/models/".length()); // getPath() is decoded already
            if (!id.equals(model.id())) {
                throw new ApiError(404, "invalid_request_error", null, "model_not_found", "no model '" + id + "'; this server has " + model.id());
            }
            send(ex, 200, (ObjectNode) models().get("data").get(0));
            return;
        }
        switch (path) {
            case "/v1/models" -> {
                expect(ex, "GET");
                send(ex, 200, models());
            }
            case "/v1/completions", "/v1/chat/completions" -> {
                expect(ex, "POST");
                GenerationRequest.Endpoint endpoint = path.equals("/v1/chat/completions")
                        ? GenerationRequest.Endpoint.CHAT : GenerationRequest.Endpoint.COMPLETIONS;
                complete(ex, endpoint);
            }
            default -> throw new ApiError(404, "invalid_request_error", null, "not_found", "no route " + method + " " + path);
        }
    }

    private ObjectNode models() {
        ObjectNode list = json.createObjectNode().put("object", "list");
        list.putArray("data").addObject()
                .put("id", model.id())
                .put("object", "model")
                .put("created", created)
                .put("owned_by", "longhaul")
                .put("max_model_len", model.maxContext());
        return list;
    }

    /**
     * 429 at once when every permit is taken, before the body is read; then the request, then a
     * permit (429 if another request took the last meanwhile), held until the generation ends: not
     * while a body arrives (a client sending its body slowly, or never, holds a share of the body
     * budget, not a generation), nor while the answer is written to a client that stopped reading.
     */
    private void complete(HttpExchange ex, GenerationRequest.Endpoint endpoint) throws IOException {
        if (generations.availablePermits() == 0) {
            throw busy(ex);
        }
        GenerationRequest request = request(ex, endpoint);
        long need = model.sequenceBytes(request.promptIds().length + request.params().maxTokens());
        if (need > sequenceBudget) {
            throw ApiError.invalid("max_tokens", "a prompt of " + request.promptIds().length + " tokens with max_tokens "
                    + request.params().maxTokens() + " needs " + (need >> 20) + " MiB of sequence state (KV cache); this server"
                    + " holds at most " + (sequenceBudget >> 20) + " MiB for all requests together: shorten one or the other");
        }
        if (!reserve(need)) {
            throw busy(ex);
        }
        if (!generations.tryAcquire()) {
            reserved.addAndGet(-need);
            throw busy(ex);
        }
        java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean(true);
        Runnable release = () -> {
            if (held.getAndSet(false)) {
                reserved.addAndGet(-need);
                generations.release();
            }
        };
        try {
            generate(ex, request, release);
        } finally {
            release.run();
        }
    }

    /** Reserves `need` bytes of the sequence budget if they fit beside what is reserved. */
    private boolean reserve(long need) {
        while (true) {
            long now = reserved.get();
            if (now + need > sequenceBudget) {
                return false;
            }
            if (reserved.compareAndSet(now, now + need)) {
                return true;
            }
        }
    }

    private ApiError busy(HttpExchange ex) {
        ex.getResponseHeaders().set("Retry-After", "1");
        return new ApiError(429, "rate_limit_error", null, "rate_limit_exceeded", "the server's requests in progress (at most "
                + maxRequests + ", decoding or waiting for a slot) hold all it allows; retry shortly");
    }

    private void generate(HttpExchange ex, GenerationRequest request, Runnable ended) throws IOException {
        Answer answer = new Answer(request.chat() ? "chatcmpl-" : "cmpl-", request.chat());
        if (!request.stream()) {
            CompletionRun.Outcome o = CompletionRun.run(model, request, piece -> { }, live, CompletionRun.STALLED, ended);
            ObjectNode body = answer.envelope(false);
            answer.choice(body.putArray("choices"), o.text(), o.finishReason(), false);
            usage(body, o);
            send(ex, 200, body);
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        if (request.chat()) {
            // OpenAI's first chat chunk carries the role with empty content.
            ObjectNode first = answer.envelope(true);
            first.putArray("choices").addObject().put("index", 0).putNull("finish_reason")
                    .putObject("delta").put("role", "assistant").put("content", "");
            event(out, first, request.includeUsage());
        }
        CompletionRun.Outcome o;
        try {
            o = CompletionRun.run(model, request, new CompletionRun.Pieces() {
                @Override
                public void accept(String piece) throws IOException {
                    ObjectNode chunk = answer.envelope(true);
                    answer.choice(chunk.putArray("choices"), piece, null, true);
                    event(out, chunk, request.includeUsage());
                }

                @Override
                public void idle() throws IOException {
                    // an SSE comment: clients skip it, and a closed connection makes it fail
                    out.write(": keep-alive\n\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    out.flush();
                }
            }, live, CompletionRun.STALLED, ended);
        } catch (ApiError e) {
            data(out, json.writeValueAsString(e.body()));
            data(out, "[DONE]");
            return;
        } catch (RuntimeException e) {
            // The answer has started: a failure can only be told as an error event, never as an
            // ordinary end of stream that a client would take for a complete, truncated answer.
            data(out, json.writeValueAsString(new ApiError(500, "server_error", null, null, String.valueOf(e.getMessage())).body()));
            data(out, "[DONE]");
            return;
        }
        ObjectNode last = answer.envelope(true);
        answer.choice(last.putArray("choices"), "", o.finishReason(), true);
        event(out, last, request.includeUsage());
        if (request.includeUsage()) {
            ObjectNode usage = answer.envelope(true);
            usage.putArray("choices");
            usage(usage, o);
            data(out, json.writeValueAsString(usage));
        }
        data(out, "[DONE]");
    }

    /** The fields every object of one answer shares: id, object, created, model. */
    private final class Answer {
        private final String id;
        private final boolean chat;
        private final long created = System.currentTimeMillis() / 1000; // one for every chunk of the answer, as OpenAI's

        Answer(String prefix, boolean chat) {
            this.id = prefix + UUID.randomUUID().toString().replace("-", "");
            this.chat = chat;
        }

        ObjectNode envelope(boolean chunk) {
            String object = chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion";
            return json.createObjectNode().put("id", id).put("object", object)
                    .put("created", created).put("model", model.id());
        }

        /** choices[0]: text for completions; message (or delta when streaming) for chat. */
        void choice(ArrayNode choices, String text, String finishReason, boolean chunk) {
            ObjectNode c = choices.addObject().put("index", 0);
            if (chat) {
                ObjectNode message = c.putObject(chunk ? "delta" : "message");
                if (!chunk) {
                    message.put("role", "assistant");
                }
                if (!chunk || !text.isEmpty()) {
                    message.put("content", text);
                }
            } else {
                c.put("text", text).putNull("logprobs");
            }
            c.put("finish_reason", finishReason);
        }
    }

    private static void usage(ObjectNode body, CompletionRun.Outcome o) {
        body.putObject("usage").put("prompt_tokens", o.promptTokens()).put("completion_tokens", o.completionTokens())
                .put("total_tokens", o.promptTokens() + o.completionTokens());
    }

    private void event(OutputStream out, ObjectNode chunk, boolean includeUsage) throws IOException {
        if (includeUsage) {
            chunk.putNull("usage");
        }
        data(out, json.writeValueAsString(chunk));
    }

    private static void data(OutputStream out, String payload) throws IOException {
        out.write(("data: " + payload + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /**
     * The largest body worth reading: a prompt that fills the model's context, at 16 bytes a token
     * (an id and its comma, or a token's text escaped in JSON), plus room for the rest of the
     * request (a JSON schema, stop strings); at least 1 MiB, at most MAX_BODY. A larger body is
     * refused before it is parsed into a tree many times its size.
     */
    private int bodyCap() {
        return (int) Math.min(MAX_BODY, Math.max(1 << 20, 16L * model.maxContext() + (256 << 10)));
    }

    /** The request, read and parsed within the body budget (its JSON tree is gone when this returns). */
    private GenerationRequest request(HttpExchange ex, GenerationRequest.Endpoint endpoint) throws IOException {
        int cap = bodyCap();
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        boolean numeric = declared != null && !declared.isEmpty() && declared.chars().allMatch(Character::isDigit);
        if (numeric && (declared.length() > 12 || Long.parseLong(declared) > cap)) {
            throw new ApiError(413, "invalid_request_error", null, null,
                    "the body is " + declared + " bytes, more than the " + cap + " a request to this model can need");
        }
        // the declared length when there is one (at most cap, checked above), else the most a body may be (chunked)
        int share = numeric ? Math.max(1, Integer.parseInt(declared)) : cap;
        try {
            if (!bodyBytes.tryAcquire(share, BODY_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new ApiError(503, "server_error", null, null, "the server is reading other large requests; try again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "server_error", null, null, "interrupted while waiting to read the request");
        }
        try {
            return GenerationRequest.read(body(ex, cap), endpoint, model);
        } finally {
            bodyBytes.release(share);
        }
    }

    private JsonNode body(HttpExchange ex, int cap) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] bytes = in.readNBytes(cap + 1);
            if (bytes.length > cap) {
                throw new ApiError(413, "invalid_request_error", null, null,
                        "the body is larger than the " + cap + " bytes a request to this model can need");
            }
            return json.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ApiError.invalid(null, "the body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static void expect(HttpExchange ex, String method) {
        if (!ex.getRequestMethod().equals(method)) {
            throw new ApiError(405, "invalid_request_error", null, "method_not_allowed",
                    "use " + method + " for " + ex.getRequestURI().getPath());
        }
    }

    /** Answers an error, unless the answer has begun (then the connection is simply closed). */
    private void fail(HttpExchange ex, ApiError e) throws IOException {
        if (ex.getResponseCode() == -1) {
            send(ex, e.status, e.body());
        }
    }

    private void send(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    /**
     * Stops listening and waits (up to 30 s) for the requests in progress to end, so that the
     * caller may then close the model: a request thread still inside the native tokenizer when it
     * is freed would crash the JVM. The model is the caller's to close.
     */
    @Override
    public void close() {
        // first the requests: their sequences are cancelled, and each answers 503 (or, once a stream
        // has begun, an error event and [DONE]) on its still open connection; not by interrupting
        // their threads, which closes a socket in the middle of a write. Then the server, which
        // closes what is left (stopping it first reset every connection unanswered).
        // new requests meanwhile are answered 503 by the handler (the executor keeps taking them)
        closing = true;
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        try {
            // again until all have ended: a request that was just starting adds its sequence late
            do {
                live.forEach(dev.longhaul.engine.batch.SequenceHandle::cancel);
                Thread.sleep(20);
            } while (active.get() > 0 && System.nanoTime() < deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop(0);
        threads.shutdownNow();
    }
}
