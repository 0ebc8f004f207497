/*
 * The remote client's completions over a hand-written HTTP server: a streamed answer is put back
 * together (text, finish_reason, usage); a server that sends its headers and one event and then
 * stalls fails the call within the request timeout, and the exchange is dropped so the server's
 * next write fails (it would cancel the sequence); an error event and a non-2xx answer fail with
 * the server's message; events are read as the event-stream format defines them (data lines
 * joined, a blank line ending an event) and also from a server that leaves the blank lines out.
 */
package dev.longhaul.pipeline.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

class OpenAiClientTest {
    private static final OpenAiClient.CompletionCall CALL = new OpenAiClient.CompletionCall("m", new int[] {1, 2, 3}, 8, null);

    /** Runs `handler` on a local server for the duration of `test`. */
    private static void with(HttpHandler handler, java.util.function.Consumer<URI> test) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/completions", handler);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        try {
            test.accept(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1"));
        } finally {
            server.stop(0);
        }
    }

    private static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Test
    void aStreamedAnswerIsPutBackTogether() throws IOException {
        AtomicReference<String> asked = new AtomicReference<>();
        with(exchange -> {
            asked.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                event(out, "{\"choices\":[{\"index\":0,\"text\":\"Hel\",\"finish_reason\":null}]}");
                out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                event(out, "{\"choices\":[{\"index\":0,\"text\":\"lo\",\"finish_reason\":\"stop\"}]}");
                event(out, "{\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}");
                event(out, "[DONE]");
            }
        }, base -> {
            try (OpenAiClient client = new OpenAiClient(base, Duration.ofSeconds(20))) {
                OpenAiClient.CompletionReply reply = client.complete(CALL).join();
                assertEquals(new OpenAiClient.CompletionReply("Hello", "stop", 3, 2), reply);
            }
            assertTrue(asked.get().contains("\"stream\":true") && asked.get().contains("\"include_usage\":true"), asked.get());
        });
    }

    @Test
    void eventsAreReadAsTheEventStreamFormatDefinesThem() {
        URI uri = URI.create("http://127.0.0.1:1/v1");
        // one event's JSON spread over two data lines (joined by a newline), a field without its
        // space, an `event:` field and an id, CRLF-free lines as the line reader hands them
        java.util.List<String> spread = java.util.List.of(
                "event: completion", "id: 1", "data: {\"choices\":[{\"index\":0,", "data: \"text\":\"He\",\"finish_reason\":null}]}", "",
                "data:{\"choices\":[{\"index\":0,\"text\":\"y\",\"finish_reason\":\"stop\"}]}", "",
                "data: [DONE]", "");
        assertEquals(new OpenAiClient.CompletionReply("Hey", "stop", 3, 2), OpenAiClient.streamed(uri, 200, spread.iterator(), 3));
        // a sloppy server that leaves out the blank lines between events: every chunk still counts
        java.util.List<String> packed = java.util.List.of(
                "data: {\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":null}]}",
                "data: {\"choices\":[{\"index\":0,\"text\":\"b\",\"finish_reason\":\"length\"}]}",
                "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}",
                "data: [DONE]");
        assertEquals(new OpenAiClient.CompletionReply("ab", "length", 5, 2), OpenAiClient.streamed(uri, 200, packed.iterator(), 3));
        // a data line that is not JSON still fails, naming the server
        OpenAiClient.RemoteFailure bad = assertThrows(OpenAiClient.RemoteFailure.class,
                () -> OpenAiClient.streamed(uri, 200, java.util.List.of("data: {\"choices\":", "", "data: [DONE]").iterator(), 3));
        assertTrue(bad.getMessage().contains("not JSON"), bad.getMessage());
    }

    @Test
    void aServerThatDoesNotStreamOrSendsNoUsageOrNoDoneIsStillRead() throws IOException {
        // a server or proxy that ignores stream:true and answers one JSON body
        with(exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"choices\":[{\"text\":\"whole\",\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":8}}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }, base -> {
            try (OpenAiClient client = new OpenAiClient(base, Duration.ofSeconds(20))) {
                assertEquals(new OpenAiClient.CompletionReply("whole", "length", 3, 8), client.complete(CALL).join());
            }
        });
        // one that ignores stream_options (no usage) and closes without [DONE]
        with(exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                event(out, "{\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":null}]}");
                event(out, "{\"choices\":[{\"index\":0,\"text\":\"b\",\"finish_reason\":\"stop\"}]}");
            }
        }, base -> {
            try (OpenAiClient client = new OpenAiClient(base, Duration.ofSeconds(20))) {
                assertEquals(new OpenAiClient.CompletionReply("ab", "stop", CALL.promptIds().length, 2), client.complete(CALL).join(),
                        "the prompt as sent, a token a piece");
            }
        });
        // but an answer that breaks off before any finish_reason fails
        with(exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                event(out, "{\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":null}]}");
            }
        }, base -> {
            try (OpenAiClient client = new OpenAiClient(base, Duration.ofSeconds(20))) {
                CompletionException e = assertThrows(CompletionException.class, () -> client.complete(CALL).join());
                assertTrue(e.getCause().getMessage().contains("without a finish_reason"), e.getCause().getMessage());
            }
        });
    }

    @Test
    void aServerThatStallsAfterItsHeadersFailsTheCallInTimeAndSeesTheClientGo() throws IOException {
        CountDownLatch gone = new CountDownLatch(1);
        with(exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            event(out, "{\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":null}]}");
            // then it stalls, writing a token now and then as a generating server would
            try {
                for (int i = 0; i < 200; i++) {
                    Thread.sleep(100);
                    event(out, "{\"choices\":[{\"index\":0,\"text\":\"b\",\"finish_reason\":null}]}");
                }
            } catch (IOException e) {
                gone.countDown(); // the client dropped the exchange: a server cancels the sequence here
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                exchange.close();
            }
        }, base -> {
            try (OpenAiClient client = new OpenAiClient(base, Duration.ofSeconds(1))) {
                CompletableFuture<OpenAiClient.CompletionReply> reply = client.complete(CALL);
                CompletionException e = assertThrows(CompletionException.class, reply::join);
                OpenAiClient.RemoteFailure failure = assertInstanceOf(OpenAiClient.RemoteFailure.class, e.getCause());
                assertTrue(failure.getMessage().contains("within"), failure.getMessage());
                assertTrue(failure.timedOut(), "out of the time budget: a worker tries such a run fewer times");
                assertTrue(gone.await(10, TimeUnit.SECONDS), "the server's writes must fail once the client gave up");
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void requestsAreHttp11WithoutAnUpgradeOfferAndABrokenOffStreamIsWorthAnotherTry() throws IOException {
        java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        with(exchange -> {
            seen.add(exchange.getProtocol() + " upgrade=" + exchange.getRequestHeaders().getFirst("Upgrade"));
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                event(out, "{\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":null}]}");
                // the server goes away: no finish_reason, no [DONE]
            }
        }, base -> {
            try (OpenAiClient client = new OpenAiClient(base, Duration.ofSeconds(20))) {
                CompletionException e = assertThrows(CompletionException.class, () -> client.complete(CALL).join());
                OpenAiClient.RemoteFailure broken = assertInstanceOf(OpenAiClient.RemoteFailure.class, e.getCause());
                assertEquals(0, broken.status(), broken.getMessage());
                assertTrue(!broken.timedOut(), "a broken-off answer is no timeout");
            }
        });
        // uvicorn (vLLM) drops the body of a POST that offers an h2c upgrade
        assertEquals(java.util.List.of("HTTP/1.1 upgrade=null"), seen);
        // an error event's code, or its type, says what its status would have been
        assertEquals(400, OpenAiClient.errorStatus(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                "{\"message\":\"too long\",\"type\":\"BadRequestError\",\"code\":400}")));
        assertEquals(400, OpenAiClient.errorStatus(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                "{\"message\":\"bad\",\"type\":\"invalid_request_error\",\"code\":null}")));
        assertEquals(408, OpenAiClient.errorStatus(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                "{\"message\":\"stalled\",\"type\":\"timeout\",\"code\":\"408\"}")));
    }

    @Test
    void anOverloadedServersRetryAfterComesWithItsFailure() throws IOException {
        with(exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"error\":{\"message\":\"rate limited\"}}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Retry-After", "300");
            exchange.sendResponseHeaders(429, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }, base -> {
            try (OpenAiClient client = new OpenAiClient(base, Duration.ofSeconds(20))) {
                CompletionException e = assertThrows(CompletionException.class, () -> client.complete(CALL).join());
                OpenAiClient.RemoteFailure failure = assertInstanceOf(OpenAiClient.RemoteFailure.class, e.getCause());
                assertEquals(429, failure.status());
                assertEquals(java.util.Optional.of(Duration.ofSeconds(300)), failure.retryAfter());
            }
        });
    }

    @Test
    void anErrorEventOrAnErrorStatusFailsWithTheServersMessage() throws IOException {
        with(exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                event(out, "{\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":null}]}");
                event(out, "{\"error\":{\"message\":\"the engine failed\",\"type\":\"server_error\"}}");
                event(out, "[DONE]");
            }
        }, base -> {
            try (OpenAiClient client = new OpenAiClient(base, Duration.ofSeconds(20))) {
                CompletionException e = assertThrows(CompletionException.class, () -> client.complete(CALL).join());
                assertTrue(e.getCause().getMessage().contains("the engine failed"), e.getCause().getMessage());
                // a server error mid-stream is worth another try, as a 503 would be
                assertEquals(503, assertInstanceOf(OpenAiClient.RemoteFailure.class, e.getCause()).status());
            }
        });
        with(exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"error\":{\"message\":\"prompt too long\"}}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(400, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }, base -> {
            try (OpenAiClient client = new OpenAiClient(base, Duration.ofSeconds(20))) {
                CompletionException e = assertThrows(CompletionException.class, () -> client.complete(CALL).join());
                OpenAiClient.RemoteFailure failure = assertInstanceOf(OpenAiClient.RemoteFailure.class, e.getCause());
                assertEquals(400, failure.status());
                assertTrue(failure.getMessage().contains("prompt too long"), failure.getMessage());
            }
        });
    }
}
