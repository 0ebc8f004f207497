/*
 * `longhaul serve`'s API on the golden tiny model, over real HTTP: greedy completions give exactly
 * the engine's own Generator output for the same prompt tokens (text, token count, finish reason),
 * whether the prompt is sent as text or as token ids; streamed pieces concatenate to the
 * non-streamed text; chat completions are completions of the documented template; stop strings
 * and json_schema output hold; concurrent requests (one batch) answer as they do alone; and errors
 * come in OpenAI's shape with their status codes.
 */
package dev.longhaul.ops.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.BackendProvider;
import dev.longhaul.engine.batch.BatchConfig;
import dev.longhaul.engine.generate.GenerationResult;
import dev.longhaul.engine.generate.Generator;
import dev.longhaul.engine.generate.SamplingParams;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.tokenizer.TextTokenizer;
import dev.longhaul.ops.http.BearerToken;
import dev.longhaul.pipeline.remote.OpenAiClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ServeApiTest {
    private static final int CHUNK = 16;
    private static final String PROMPT = "The quick brown fox jumps over";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Backend backend;
    private static ServedModel served;
    private static ServeServer server;
    private static MiniMaxModel reference;
    private static TextTokenizer tokenizer;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        backend = BackendProvider.open("cpu", 2);
        served = ServedModel.load(SharedData.minimaxTiny(), backend, new BatchConfig(CHUNK + 3, CHUNK, 4));
        server = new ServeServer(served, "127.0.0.1", 0);
        reference = MiniMaxModel.load(SharedData.minimaxTiny(), backend, MiniMaxModel.RopeMode.PARTIAL);
        tokenizer = TextTokenizer.load(SharedData.minimaxTiny());
    }

    @AfterAll
    static void stop() {
        server.close();
        served.close();
        tokenizer.close();
        reference.close();
        backend.close();
    }

    @Test
    void modelsListsTheServedFolder() throws Exception {
        JsonNode models = send("GET", "/models", null, 200);
        assertEquals("list", models.path("object").asText());
        assertEquals("minimax-tiny", models.path("data").path(0).path("id").asText());
        assertEquals(4096, models.path("data").path(0).path("max_model_len").asInt());
        // one model by id, as an OpenAI client's models.retrieve asks for it
        JsonNode one = send("GET", "/models/minimax-tiny", null, 200);
        assertEquals("model", one.path("object").asText());
        assertEquals("minimax-tiny", one.path("id").asText());
        assertEquals("model_not_found", send("GET", "/models/gpt-nothing", null, 404).path("error").path("code").asText());
    }

    @Test
    void greedyCompletionIsTheGeneratorsOutputForTheSamePromptTokens() throws Exception {
        int[] ids = tokenizer.encode(PROMPT);
        GenerationResult expected = new Generator(reference, CHUNK).generate(ids,
                SamplingParams.greedy(20).withStopTokens(tokenizer.eosTokenId().getAsInt()), id -> { });
        String expectedText = tokenizer.decodeSkippingSpecial(expected.tokens());

        JsonNode byText = send("POST", "/completions", completion(PROMPT, 20), 200);
        ObjectNode idsBody = completion(PROMPT, 20);
        idsBody.set("prompt", JSON.valueToTree(ids));
        JsonNode byIds = send("POST", "/completions", idsBody, 200);

        for (JsonNode answer : List.of(byText, byIds)) {
            assertEquals("text_completion", answer.path("object").asText());
            assertEquals(expectedText, answer.path("choices").path(0).path("text").asText());
            assertEquals(expected.finishReason().name().toLowerCase(), answer.path("choices").path(0).path("finish_reason").asText());
            assertEquals(ids.length, answer.path("usage").path("prompt_tokens").asInt());
            int generated = expected.tokenCount() + (expected.stopToken().isPresent() ? 1 : 0); // an end-of-text token counts
            assertEquals(generated, answer.path("usage").path("completion_tokens").asInt());
            assertEquals(ids.length + generated, answer.path("usage").path("total_tokens").asInt());
        }
    }

    @Test
    void closingTheServerAnswersAStreamInFlightWithAnErrorEventAndDone() throws Exception {
        // given a second server with a long stream under way
        ServeServer closing = new ServeServer(served, "127.0.0.1", 0);
        ObjectNode body = completion(PROMPT, 4000).put("stream", true);
        HttpResponse<java.util.stream.Stream<String>> response = HTTP.send(HttpRequest.newBuilder(URI.create(closing.url() + "/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        java.util.Iterator<String> lines = response.body().filter(l -> l.startsWith("data: ")).iterator();
        assertTrue(lines.hasNext(), "the stream has begun");
        lines.next();
        // when the server closes (as on SIGTERM)
        Thread closer = Thread.ofVirtual().start(closing::close);
        // then the client reads an error event and [DONE], not a reset connection
        List<String> rest = new ArrayList<>();
        lines.forEachRemaining(rest::add);
        closer.join();
        assertEquals("data: [DONE]", rest.getLast(), "ends with [DONE]: " + rest.subList(Math.max(0, rest.size() - 3), rest.size()));
        assertTrue(rest.get(rest.size() - 2).contains("\"error\""), rest.get(rest.size() - 2));
    }

    @Test
    void streamedPiecesConcatenateToTheNonStreamedText() throws Exception {
        String whole = send("POST", "/completions", completion(PROMPT, 24), 200).path("choices").path(0).path("text").asText();
        ObjectNode body = completion(PROMPT, 24).put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        List<JsonNode> chunks = events("/completions", body);

        assertTrue(chunks.size() > 3, "the text arrives in pieces: " + chunks.size() + " events");
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks.subList(0, chunks.size() - 1)) {
            text.append(c.path("choices").path(0).path("text").asText());
        }
        assertEquals(whole, text.toString());
        JsonNode last = chunks.get(chunks.size() - 2);
        assertFalse(last.path("choices").path(0).path("finish_reason").isNull(), "the last choice chunk has a finish_reason");
        JsonNode usage = chunks.getLast();
        assertTrue(usage.path("choices").isEmpty(), "the usage chunk has no choices");
        assertEquals(tokenizer.encode(PROMPT).length, usage.path("usage").path("prompt_tokens").asInt());
    }

    @Test
    void chatIsACompletionOfTheTemplateAndStreamsTheSameContent() throws Exception {
        ObjectNode chat = JSON.createObjectNode().put("model", "minimax-tiny").put("max_tokens", 16).put("temperature", 0);
        chat.putArray("messages").addObject().put("role", "user").put("content", "Say hello.");
        JsonNode answer = send("POST", "/chat/completions", chat, 200);
        ObjectNode plain = completion("user: Say hello.\nassistant:", 16);
        plain.putArray("stop").add(ChatTemplate.NEXT_TURN);
        String expected = send("POST", "/completions", plain, 200).path("choices").path(0).path("text").asText();

        assertEquals("chat.completion", answer.path("object").asText());
        assertEquals("assistant", answer.path("choices").path(0).path("message").path("role").asText());
        assertEquals(expected, answer.path("choices").path(0).path("message").path("content").asText());

        List<JsonNode> chunks = events("/chat/completions", chat.deepCopy().put("stream", true));
        assertEquals("assistant", chunks.getFirst().path("choices").path(0).path("delta").path("role").asText());
        StringBuilder streamed = new StringBuilder();
        for (JsonNode c : chunks) {
            assertEquals("chat.completion.chunk", c.path("object").asText());
            assertEquals(chunks.getFirst().path("created").asLong(), c.path("created").asLong(), "one created time for the answer");
            assertEquals(chunks.getFirst().path("id").asText(), c.path("id").asText());
            streamed.append(c.path("choices").path(0).path("delta").path("content").asText(""));
        }
        assertEquals(expected, streamed.toString());
        // a "developer" message (OpenAI's newer name for system) is a system turn
        ObjectNode developer = JSON.createObjectNode().put("model", "minimax-tiny").put("max_tokens", 8).put("temperature", 0);
        developer.putArray("messages").add(JSON.createObjectNode().put("role", "developer").put("content", "Be brief."))
                .add(JSON.createObjectNode().put("role", "user").put("content", "Say hello."));
        ObjectNode asSystem = developer.deepCopy();
        ((ObjectNode) asSystem.withArray("messages").get(0)).put("role", "system");
        assertEquals(send("POST", "/chat/completions", asSystem, 200).path("choices").path(0).path("message").path("content").asText(),
                send("POST", "/chat/completions", developer, 200).path("choices").path(0).path("message").path("content").asText());
    }

    @Test
    void aStopStringEndsTheTextJustBeforeIt() throws Exception {
        String whole = send("POST", "/completions", completion(PROMPT, 24), 200).path("choices").path(0).path("text").asText();
        assertTrue(whole.length() >= 6, "the tiny model writes a few characters: '" + whole + "'");
        String stop = whole.substring(3, 5);
        ObjectNode body = completion(PROMPT, 24);
        body.put("stop", stop);
        JsonNode answer = send("POST", "/completions", body, 200);
        assertEquals(whole.substring(0, whole.indexOf(stop)), answer.path("choices").path(0).path("text").asText());
        assertEquals("stop", answer.path("choices").path(0).path("finish_reason").asText());
    }

    @Test
    void jsonSchemaOutputParsesAndHasTheRequiredField() throws Exception {
        ObjectNode body = completion(PROMPT, 40);
        ObjectNode schema = body.putObject("response_format").put("type", "json_schema").putObject("json_schema")
                .put("name", "t").putObject("schema").put("type", "object");
        schema.putObject("properties").putObject("animal").put("type", "string").put("maxLength", 12);
        schema.putArray("required").add("animal");
        JsonNode answer = send("POST", "/completions", body, 200);
        JsonNode value = JSON.readTree(answer.path("choices").path(0).path("text").asText());
        assertTrue(value.path("animal").isTextual(), "output " + value);
        assertEquals("stop", answer.path("choices").path(0).path("finish_reason").asText());
    }

    @Test
    void concurrentRequestsShareTheBatchAndAnswerAsAlone() throws Exception {
        List<String> prompts = List.of("Once upon a time", "In the beginning", PROMPT, "Lorem ipsum dolor", "Kafka is a log");
        List<String> alone = new ArrayList<>();
        for (String p : prompts) {
            alone.add(send("POST", "/completions", completion(p, 12), 200).path("choices").path(0).path("text").asText());
        }
        List<Future<JsonNode>> together = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String p : prompts) {
                together.add(pool.submit(() -> send("POST", "/completions", completion(p, 12), 200)));
            }
        }
        for (int i = 0; i < prompts.size(); i++) {
            assertEquals(alone.get(i), together.get(i).get().path("choices").path(0).path("text").asText(), prompts.get(i));
        }
    }

    /** Past maxRequests generations in progress a request is answered 429 with Retry-After, and served once one ends. */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void aRequestPastTheLimitIsAnswered429UntilOneInProgressEnds() throws Exception {
        ServeServer limited = new ServeServer(served, "127.0.0.1", 0, java.util.Optional.empty(), 1);
        try {
            // given the one permitted generation under way (a long stream)
            HttpResponse<java.util.stream.Stream<String>> first = HTTP.send(HttpRequest.newBuilder(URI.create(limited.url() + "/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(completion(PROMPT, 4000).put("stream", true).toString())).build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, first.statusCode());
            java.util.Iterator<String> lines = first.body().filter(l -> l.startsWith("data: ")).iterator();
            assertTrue(lines.hasNext(), "the stream has begun");
            lines.next();
            // when another request comes
            HttpResponse<String> refused = post(limited, completion(PROMPT, 4));
            // then it is refused at once, in OpenAI's shape, with a time to retry after
            assertEquals(429, refused.statusCode(), refused.body());
            assertEquals("1", refused.headers().firstValue("Retry-After").orElse(null));
            assertEquals("rate_limit_exceeded", JSON.readTree(refused.body()).get("error").get("code").asText());
            // and once the first has ended, the next is served
            lines.forEachRemaining(l -> { });
            HttpResponse<String> next = post(limited, completion(PROMPT, 4));
            assertEquals(200, next.statusCode(), next.body());
        } finally {
            limited.close();
        }
    }

    /** Each request reserves its prompt plus max_tokens of sequence state; past the budget alone 400, past it together 429. */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void aRequestIsAdmittedOnlyWithinTheSequenceMemoryBudget() throws Exception {
        int promptTokens = tokenizer.encode(PROMPT).length;
        long one = served.sequenceBytes(promptTokens + 4000);
        assertTrue(one > served.sequenceBytes(promptTokens + 4), "a longer sequence holds more");
        ServeServer limited = new ServeServer(served, "127.0.0.1", 0, java.util.Optional.empty(), 8, one + one / 2);
        try {
            // a request that alone needs more than the budget is refused as invalid, saying why
            int most = served.maxContext() - promptTokens;
            if (served.sequenceBytes(promptTokens + most) > one + one / 2) {
                JsonNode tooLong = JSON.readTree(post(limited, completion(PROMPT, most)).body());
                assertEquals("max_tokens", tooLong.path("error").path("param").asText(), tooLong.toString());
                assertTrue(tooLong.path("error").path("message").asText().contains("MiB"), tooLong.toString());
            }
            // given one long generation under way, holding most of the budget
            HttpResponse<java.util.stream.Stream<String>> first = HTTP.send(HttpRequest.newBuilder(URI.create(limited.url() + "/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(completion(PROMPT, 4000).put("stream", true).toString())).build(),
                    HttpResponse.BodyHandlers.ofLines());
            java.util.Iterator<String> lines = first.body().filter(l -> l.startsWith("data: ")).iterator();
            assertTrue(lines.hasNext(), "the stream has begun");
            lines.next();
            // then a second as long waits its turn (429), while a short one fits beside it
            assertEquals(429, post(limited, completion(PROMPT, 4000)).statusCode());
            assertEquals(200, post(limited, completion(PROMPT, 4)).statusCode());
            // and once the first has ended, the long one is served
            lines.forEachRemaining(l -> { });
            HttpResponse<String> next = post(limited, completion(PROMPT, 4000));
            assertEquals(200, next.statusCode(), next.body());
        } finally {
            limited.close();
        }
    }

    private static HttpResponse<String> post(ServeServer to, ObjectNode body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(to.url() + "/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @org.junit.jupiter.api.Timeout(120) // without the idle keep-alive the run would wait for a slot for ever
    void aClientGoneWhileItsRequestWaitsForASlotIsCancelledBeforeItRuns() throws Exception {
        // given every slot of the batch held by a long sequence
        List<dev.longhaul.engine.batch.SequenceHandle> holders = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            holders.add(served.submit(new int[] {1, 2, 3 + i}, SamplingParams.greedy(1_000_000), id -> { }));
        }
        try {
            long cancelledBefore = served.stats().sequences().cancelled();
            // when a streaming request waits for a slot and its client has gone (its idle keep-alive fails)
            GenerationRequest request = GenerationRequest.read(completion(PROMPT, 8).put("stream", true),
                    GenerationRequest.Endpoint.COMPLETIONS, served);
            IOException gone = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                    () -> CompletionRun.run(served, request, new CompletionRun.Pieces() {
                        @Override
                        public void accept(String piece) {
                            throw new AssertionError("it never got a slot, so it never wrote: " + piece);
                        }

                        @Override
                        public void idle() throws IOException {
                            throw new IOException("broken pipe (test)");
                        }
                    }));
            assertEquals("broken pipe (test)", gone.getMessage());
            // then its sequence is cancelled while the slots' holders go on
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (served.stats().sequences().cancelled() == cancelledBefore && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(cancelledBefore + 1, served.stats().sequences().cancelled(), served.stats().toString());
            assertTrue(holders.stream().noneMatch(h -> h.result().isDone()), "the holders still run");
        } finally {
            holders.forEach(dev.longhaul.engine.batch.SequenceHandle::cancel);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(120)
    void aClientThatStopsReadingLosesItsSlotInsteadOfHoldingItToMaxTokens() throws Exception {
        // given a streaming request whose write blocks after its first piece (a client that stopped
        // reading: its send buffer is full), with a long max_tokens
        GenerationRequest request = GenerationRequest.read(completion(PROMPT, 4000).put("stream", true),
                GenerationRequest.Endpoint.COMPLETIONS, served);
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger pieces = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Set<dev.longhaul.engine.batch.SequenceHandle> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            try {
                Future<?> run = pool.submit(() -> CompletionRun.run(served, request, piece -> {
                    if (pieces.incrementAndGet() == 1) {
                        stuck.countDown();
                        try {
                            release.await(); // the write that does not return
                        } catch (InterruptedException ie) {
                            throw new IOException(ie);
                        }
                    }
                }, live, Duration.ofMillis(300), ended::countDown));
                assertTrue(stuck.await(60, java.util.concurrent.TimeUnit.SECONDS), "no first piece");
                // then its own sequence ends, cancelled, while the write is still stuck
                dev.longhaul.engine.batch.SequenceHandle handle = live.iterator().next();
                GenerationResult result = handle.result().get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(dev.longhaul.engine.generate.FinishReason.CANCELLED, result.finishReason());
                assertTrue(result.tokenCount() < 4000, "ran to max_tokens: " + result.tokenCount());
                // and the server is told at once (it gives the generation's permit back), not when the write returns
                assertTrue(ended.await(60, java.util.concurrent.TimeUnit.SECONDS), "the end was not told while the write was stuck");
                // and once the write returns, the request ends with an error saying why
                release.countDown();
                java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                        java.util.concurrent.ExecutionException.class, () -> run.get(60, java.util.concurrent.TimeUnit.SECONDS));
                assertTrue(e.getCause() instanceof ApiError a && a.getMessage().contains("read nothing"), String.valueOf(e.getCause()));
            } finally {
                release.countDown(); // never leave the run's thread blocked: the pool's close waits for it
            }
        }
    }

    @Test
    void errorsAnswerInOpenAisShape() throws Exception {
        JsonNode badJson = sendRaw("POST", "/completions", "{\"prompt\": ", 400);
        assertEquals("invalid_request_error", badJson.path("error").path("type").asText());
        assertFalse(badJson.path("error").path("message").asText().isEmpty());

        JsonNode unknownModel = send("POST", "/completions", completion(PROMPT, 4).put("model", "gpt-nothing"), 404);
        assertEquals("model_not_found", unknownModel.path("error").path("code").asText());

        assertEquals("max_tokens", send("POST", "/completions", completion(PROMPT, 0), 400).path("error").path("param").asText());
        assertEquals("n", send("POST", "/completions", completion(PROMPT, 4).put("n", 2), 400).path("error").path("param").asText());
        assertEquals("prompt", send("POST", "/completions", completion(PROMPT, 4).put("prompt", ""), 400).path("error").path("param").asText());
        // what would change the answer is refused, never ignored: a fraction where OpenAI wants an
        // integer, stream_options without a stream, parameters this server does not implement
        assertEquals("max_tokens", send("POST", "/completions", completion(PROMPT, 4).put("max_tokens", 4.5), 400)
                .path("error").path("param").asText());
        assertEquals("seed", send("POST", "/completions", completion(PROMPT, 4).put("seed", 1.5), 400).path("error").path("param").asText());
        ObjectNode options = completion(PROMPT, 4);
        options.putObject("stream_options").put("include_usage", true);
        assertEquals("stream_options", send("POST", "/completions", options, 400).path("error").path("param").asText());
        for (String extra : List.of("top_k", "min_p", "repetition_penalty", "min_tokens")) {
            assertEquals(extra, send("POST", "/completions", completion(PROMPT, 4).put(extra, 5), 400).path("error").path("param").asText());
        }
        assertEquals("ignore_eos", send("POST", "/completions", completion(PROMPT, 4).put("ignore_eos", true), 400)
                .path("error").path("param").asText());
        assertEquals("top_logprobs", send("POST", "/completions", completion(PROMPT, 4).put("top_logprobs", 2), 400)
                .path("error").path("param").asText());
        // and their "off" values, or an integer written 4.0, are served
        send("POST", "/completions", completion(PROMPT, 4).put("top_k", -1).put("min_p", 0).put("repetition_penalty", 1)
                .put("ignore_eos", false).put("max_tokens", 4.0), 200);
        send("GET", "/completions", null, 405);
        send("GET", "/embeddings", null, 404);
        // an id past 2^64 is no token id, however its low bits read
        assertEquals("prompt", sendRaw("POST", "/completions",
                "{\"model\": \"minimax-tiny\", \"prompt\": [18446744073709551621], \"max_tokens\": 4}", 400)
                .path("error").path("param").asText());
    }

    private static ObjectNode completion(String prompt, int maxTokens) {
        return JSON.createObjectNode().put("model", "minimax-tiny").put("prompt", prompt)
                .put("max_tokens", maxTokens).put("temperature", 0);
    }

    @Test
    void withAnApiKeyOnlyRequestsCarryingItAreServed() throws Exception {
        // given a server started with a generated key
        BearerToken key = BearerToken.configuredOrGenerated("");
        try (ServeServer locked = new ServeServer(served, "127.0.0.1", 0, Optional.of(key))) {
            URI models = URI.create(locked.url() + "/models");
            // then a request without it, with a wrong one, or with another scheme is refused before anything runs
            for (String authorization : new String[] {null, "Bearer wrong", "Basic " + key.value(), "Bearer " + key.value() + "x"}) {
                HttpRequest.Builder request = HttpRequest.newBuilder(models).GET();
                if (authorization != null) {
                    request.header("Authorization", authorization);
                }
                HttpResponse<String> refused = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(401, refused.statusCode(), String.valueOf(authorization));
                assertEquals("invalid_api_key", JSON.readTree(refused.body()).path("error").path("code").asText());
            }
            HttpResponse<String> completion = HTTP.send(HttpRequest.newBuilder(URI.create(locked.url() + "/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(completion(PROMPT, 4).toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, completion.statusCode());
            // and the OpenAI client a remote worker uses gets through with the key, and only with it
            try (OpenAiClient withKey = new OpenAiClient(locked.url(), Duration.ofSeconds(30), key.value());
                 OpenAiClient without = new OpenAiClient(locked.url(), Duration.ofSeconds(30))) {
                assertEquals("minimax-tiny", withKey.models().getFirst().id());
                assertEquals(401, assertThrows(OpenAiClient.RemoteFailure.class, without::models).status());
            }
        }
    }

    private static JsonNode send(String method, String path, JsonNode body, int status) throws IOException, InterruptedException {
        return sendRaw(method, path, body == null ? null : body.toString(), status);
    }

    private static JsonNode sendRaw(String method, String path, String body, int status) throws IOException, InterruptedException {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Content-Type", "application/json").method(method, publisher).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    /** The `data:` events of a streamed answer, parsed, up to and checked to end with [DONE]. */
    private static List<JsonNode> events(String path, JsonNode body) throws IOException, InterruptedException {
        HttpResponse<java.util.stream.Stream<String>> response = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> data = response.body().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertEquals("[DONE]", data.getLast());
        List<JsonNode> out = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) {
            out.add(JSON.readTree(d));
        }
        return out;
    }
}
