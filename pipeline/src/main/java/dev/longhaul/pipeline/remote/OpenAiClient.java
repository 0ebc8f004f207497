/*
 * A small client of an OpenAI-compatible server (vLLM, SGLang, `longhaul serve`): GET /models to
 * check the server at start and learn its model id (and vLLM's max_model_len when given), and
 * POST /completions, one prompt per request, streamed (stream_options.include_usage for the
 * token counts): a server only learns that a client went away when it writes to it, so a
 * non-streamed request that the worker abandoned (cancelled, or past its time) would still run to
 * its end there; streamed, the server's next write fails and it cancels the sequence. The whole
 * answer must arrive within the request timeout, or the call fails and the exchange is dropped (a
 * server that sent its headers and then stalled held a worker for ever). Only the fields Longhaul needs are
 * sent and read. A structured output is asked for with OpenAI's response_format of type
 * json_schema; a server that honours it constrains decoding, one that ignores it does not, so the
 * caller validates the answer either way. Any answer other than 2xx, or a body without the
 * expected fields, fails the call with a RemoteFailure carrying the status and the server's own
 * message. Base URL: everything before /models, e.g. http://host:8000/v1. With an API key, every
 * request carries `Authorization: Bearer KEY` (vLLM's --api-key, `longhaul serve`). Thread-safe.
 */
package dev.longhaul.pipeline.remote;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

public final class OpenAiClient implements AutoCloseable {
    /** One entry of GET /models: the id to send as `model`, and the context length when the server says. */
    public record ServedModel(String id, OptionalInt maxModelLen) {}

    /** A completion request: greedy (temperature 0), at most maxTokens, JSON of jsonSchema when not null. */
    /**
     * One completion: the prompt as token ids of the served model's tokenizer, sent as an array
     * (vLLM, SGLang and `longhaul serve` take it as is). Ids rather than text, so the server does
     * not tokenize again: document text that spells a special token stays ordinary tokens, and the
     * tokens are exactly what a local run feeds.
     */
    public record CompletionCall(String model, int[] promptIds, int maxTokens, String jsonSchema) {}

    /** The server's answer: the text of the one choice, why it ended, and the server's token counts. */
    public record CompletionReply(String text, String finishReason, long promptTokens, long completionTokens) {}

    /** The server refused, failed or answered something unreadable; status 0 when no HTTP answer came. */
    public static final class RemoteFailure extends RuntimeException {
        private final int status;
        private final Duration retryAfter;
        private final boolean timedOut;

        public RemoteFailure(int status, String message, Throwable cause) {
            this(status, message, cause, null);
        }

        public RemoteFailure(int status, String message, Throwable cause, Duration retryAfter) {
            this(status, message, cause, retryAfter, false);
        }

        RemoteFailure(int status, String message, Throwable cause, Duration retryAfter, boolean timedOut) {
            super(message, cause);
            this.status = status;
            this.retryAfter = retryAfter;
            this.timedOut = timedOut;
        }

        /** A request that did not finish within the client's time budget (status 0). */
        public static RemoteFailure timedOut(String message, Throwable cause) {
            return new RemoteFailure(0, message, cause, null, true);
        }

        public int status() {
            return status;
        }

        /**
         * Whether the answer did not come in full within the time budget: a server too slow for
         * this request (a long document's prefill) is likely to be so again, unlike one unreachable.
         */
        public boolean timedOut() {
            return timedOut;
        }

        /** How long the server asked to be left alone (Retry-After, in seconds, on a 429 or 503); empty when it did not say. */
        public java.util.Optional<Duration> retryAfter() {
            return java.util.Optional.ofNullable(retryAfter);
        }
    }

    /** A Retry-After header in seconds (the HTTP-date form is not read), or null. */
    static Duration retryAfter(java.net.http.HttpHeaders headers) {
        String v = headers.firstValue("Retry-After").orElse("").strip();
        if (!v.matches("\\d{1,9}")) {
            return null;
        }
        return Duration.ofSeconds(Long.parseLong(v));
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final Duration requestTimeout;
    private final HttpClient http;
    private final String apiKey;

    /** A client that sends no API key. */
    public OpenAiClient(URI base, Duration requestTimeout) {
        this(base, requestTimeout, null);
    }

    /** A client that sends `apiKey` as a bearer token (none when null or blank). */
    public OpenAiClient(URI base, Duration requestTimeout, String apiKey) {
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
        this.base = base;
        this.requestTimeout = requestTimeout;
        // HTTP/1.1: the JDK's default, HTTP/2, offers an h2c upgrade on every http:// request, and
        // uvicorn (vLLM, SGLang) then drops a POST's body and answers 400 "Field required"
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    public URI base() {
        return base;
    }

    /** GET /models, synchronously: what the server serves. */
    public List<ServedModel> models() {
        HttpRequest request = authorized(HttpRequest.newBuilder(endpoint("/models"))).timeout(Duration.ofSeconds(30)).GET().build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new RemoteFailure(0, "cannot reach " + request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RemoteFailure(0, "interrupted while asking " + request.uri(), e);
        }
        JsonNode body = body(request.uri(), response);
        List<ServedModel> out = new ArrayList<>();
        for (JsonNode m : body.path("data")) {
            JsonNode len = m.get("max_model_len");
            out.add(new ServedModel(m.path("id").asText(), len != null && len.canConvertToInt()
                    ? OptionalInt.of(len.asInt()) : OptionalInt.empty()));
        }
        if (out.isEmpty() || out.stream().anyMatch(m -> m.id().isEmpty())) {
            throw new RemoteFailure(response.statusCode(), request.uri() + " lists no model: " + response.body(), null);
        }
        return out;
    }

    private static com.fasterxml.jackson.databind.node.ArrayNode promptArray(int[] ids) {
        var array = JSON.createArrayNode();
        for (int id : ids) {
            array.add(id);
        }
        return array;
    }

    /**
     * POST /completions, streamed; the future fails with RemoteFailure (also when the whole answer
     * has not come within the request timeout). Cancelling it, or its failing, drops the exchange,
     * which a server that streams notices at its next write.
     */
    public CompletableFuture<CompletionReply> complete(CompletionCall call) {
        ObjectNode req = JSON.createObjectNode().put("model", call.model());
        req.set("prompt", promptArray(call.promptIds()));
        req.put("max_tokens", call.maxTokens())
                .put("temperature", 0.0)
                .put("top_p", 1.0)
                .put("n", 1)
                .put("stream", true);
        req.putObject("stream_options").put("include_usage", true);
        if (call.jsonSchema() != null) {
            ObjectNode format = req.putObject("response_format").put("type", "json_schema");
            format.putObject("json_schema").put("name", "extraction").put("strict", true)
                    .set("schema", parse(call.jsonSchema()));
        }
        URI uri = endpoint("/completions");
        HttpRequest request = authorized(HttpRequest.newBuilder(uri)).timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(req.toString())).build();
        CompletableFuture<CompletionReply> result = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicReference<java.util.stream.Stream<String>> lines = new java.util.concurrent.atomic.AtomicReference<>();
        CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> sent = http.sendAsync(request, HttpResponse.BodyHandlers.ofLines());
        sent.whenComplete((response, e) -> {
            if (e != null) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                // (a connect timeout is an unreachable server, not a slow answer: nothing was sent)
                result.completeExceptionally(cause instanceof java.net.http.HttpTimeoutException
                        && !(cause instanceof java.net.http.HttpConnectTimeoutException)
                        ? RemoteFailure.timedOut("request to " + uri + " timed out: " + cause, cause)
                        : new RemoteFailure(0, "request to " + uri + " failed: " + cause, cause));
                return;
            }
            lines.set(response.body());
            if (result.isDone()) { // cancelled or timed out meanwhile
                response.body().close();
                return;
            }
            Thread.ofVirtual().name("longhaul-remote-answer").start(() -> {
                try (java.util.stream.Stream<String> body = response.body()) {
                    boolean json = response.headers().firstValue("Content-Type").orElse("").startsWith("application/json");
                    result.complete(json ? whole(uri, response.statusCode(), body.iterator())
                            : streamed(uri, response.statusCode(), body.iterator(), call.promptIds().length));
                } catch (RemoteFailure f) {
                    Duration after = retryAfter(response.headers());
                    result.completeExceptionally(after == null || f.retryAfter().isPresent() ? f
                            : new RemoteFailure(f.status(), f.getMessage(), f.getCause(), after));
                } catch (RuntimeException f) {
                    // the connection broke after the status line (a server restarted or killed):
                    // worth another try, unlike an answer the server meant (status 0, as a failed send)
                    result.completeExceptionally(new RemoteFailure(0, "the answer of " + uri + " broke off: " + f, f));
                }
            });
        });
        CompletableFuture.delayedExecutor(requestTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).execute(() ->
                result.completeExceptionally(RemoteFailure.timedOut(uri + " did not answer in full within " + requestTimeout, null)));
        result.whenComplete((reply, e) -> {
            if (e != null) { // cancelled, timed out or failed: drop the exchange, so the server stops too
                sent.cancel(true);
                java.util.stream.Stream<String> body = lines.get();
                if (body != null) {
                    body.close();
                }
            }
        });
        return result;
    }

    /**
     * Reads a streamed answer: `data: {chunk}` events whose choices[0].text concatenate to the
     * text, the last choice's finish_reason, a usage event, `data: [DONE]`; an error event or a
     * non-2xx answer (a JSON body, not events) fails with the server's message.
     */
    static CompletionReply streamed(URI uri, int status, java.util.Iterator<String> lines, int promptTokens) {
        if (status / 100 != 2) {
            return whole(uri, status, lines); // an error's body is JSON, not events
        }
        Events events = new Events(uri, status);
        StringBuilder data = null; // the data lines of the event being read
        while (!events.done && lines.hasNext()) {
            String line = lines.next();
            if (line.isEmpty()) { // a blank line ends an event
                events.dispatch(data);
                data = null;
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            if (!field.equals("data")) {
                continue; // comments (": keep-alive") and other fields
            }
            String value = colon < 0 ? "" : line.substring(colon + 1);
            value = value.startsWith(" ") ? value.substring(1) : value;
            if (value.strip().equals("[DONE]")) {
                events.dispatch(data); // a server that leaves out the blank line before it
                data = null;
                events.done = true;
            } else {
                // an event's data lines join with newlines: a server may split its JSON over lines
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
        }
        events.dispatch(data); // the body may end without the last blank line
        if (events.finish == null) {
            // [DONE] or the end of the body without a finish_reason: the answer broke off (a server
            // stopping mid-answer), worth another try
            throw new RemoteFailure(0, uri + " ended its answer without a finish_reason after " + events.text.length() + " chars", null);
        }
        if (events.usage == null) {
            // a server that ignores stream_options: the prompt as sent, a token per streamed piece
            return new CompletionReply(events.text.toString(), events.finish, promptTokens, events.pieces);
        }
        return new CompletionReply(events.text.toString(), events.finish,
                events.usage.path("prompt_tokens").asLong(), events.usage.path("completion_tokens").asLong());
    }

    /** What a streamed answer's events add up to. */
    private static final class Events {
        private final URI uri;
        private final int status;
        final StringBuilder text = new StringBuilder();
        String finish;
        JsonNode usage;
        boolean done;
        long pieces;

        Events(URI uri, int status) {
            this.uri = uri;
            this.status = status;
        }

        /**
         * One event's data: one JSON chunk, possibly spread over lines, or several chunks from a
         * server that leaves out the blank lines between events (each chunk then read in turn).
         */
        void dispatch(StringBuilder data) {
            if (data == null || data.toString().isBlank()) {
                return;
            }
            String payload = data.toString();
            try (com.fasterxml.jackson.databind.MappingIterator<JsonNode> chunks = JSON.readerFor(JsonNode.class).readValues(payload)) {
                while (chunks.hasNextValue()) {
                    chunk(chunks.nextValue(), payload);
                }
            } catch (IOException | RuntimeException e) {
                if (e instanceof RemoteFailure failure) {
                    throw failure;
                }
                throw new RemoteFailure(status, uri + " streamed an event that is not JSON: " + abbreviate(payload), e);
            }
        }

        private void chunk(JsonNode event, String payload) {
            if (event.has("error")) {
                throw new RemoteFailure(errorStatus(event.path("error")), uri + " failed while answering: "
                        + event.path("error").path("message").asText(abbreviate(payload)), null);
            }
            JsonNode choice = event.path("choices").path(0);
            if (choice.path("text").isTextual()) {
                text.append(choice.path("text").asText());
                pieces += choice.path("text").asText().isEmpty() ? 0 : 1;
            }
            if (choice.hasNonNull("finish_reason")) {
                finish = choice.get("finish_reason").asText();
            }
            if (event.hasNonNull("usage") && event.get("usage").isObject()) {
                usage = event.get("usage");
            }
        }
    }

    /**
     * The HTTP status an error event sent after a 200 stands for: its numeric code (vLLM sends the
     * status there), else 400 for a request the server refused, else 503 (a server error, or a
     * server shutting down, as `longhaul serve` says it mid-stream): the status then decides whether
     * the order is tried again.
     */
    static int errorStatus(JsonNode error) {
        JsonNode code = error.path("code");
        if (code.canConvertToInt() && code.asInt() >= 400 && code.asInt() < 600) {
            return code.asInt();
        }
        if (code.isTextual() && code.asText().matches("[45]\\d\\d")) {
            return Integer.parseInt(code.asText());
        }
        return error.path("type").asText("").equals("invalid_request_error") ? 400 : 503;
    }

    /** A whole JSON answer: a server (or proxy) that does not stream, or an error. */
    static CompletionReply whole(URI uri, int status, java.util.Iterator<String> lines) {
        StringBuilder all = new StringBuilder();
        lines.forEachRemaining(l -> all.append(l).append('\n'));
        JsonNode body = body(uri, status, all.toString());
        JsonNode choice = body.path("choices").path(0);
        JsonNode text = choice.get("text");
        JsonNode usage = body.get("usage");
        if (text == null || !text.isTextual() || usage == null) {
            throw new RemoteFailure(status, uri + " answered without choices[0].text or usage: " + abbreviate(all.toString()), null);
        }
        return new CompletionReply(text.asText(), choice.path("finish_reason").asText("unknown"),
                usage.path("prompt_tokens").asLong(), usage.path("completion_tokens").asLong());
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request) {
        return apiKey == null ? request : request.header("Authorization", "Bearer " + apiKey);
    }

    /** The JSON body of a 2xx answer; otherwise a RemoteFailure with the server's error message. */
    private static JsonNode body(URI uri, HttpResponse<String> response) {
        return body(uri, response.statusCode(), response.body());
    }

    private static JsonNode body(URI uri, int status, String text) {
        JsonNode json;
        try {
            json = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            json = null;
        }
        if (status / 100 != 2) {
            String message = json != null && json.path("error").path("message").isTextual()
                    ? json.path("error").path("message").asText() : abbreviate(text);
            throw new RemoteFailure(status, uri + " answered " + status + ": " + message, null);
        }
        if (json == null || !json.isObject()) {
            throw new RemoteFailure(status, uri + " answered with no JSON object: " + abbreviate(text), null);
        }
        return json;
    }

    private static JsonNode parse(String schema) {
        try {
            return JSON.readTree(schema);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the schema is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private URI endpoint(String path) {
        return URI.create(base.toString() + path);
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }

    @Override
    public void close() {
        http.close();
    }
}
