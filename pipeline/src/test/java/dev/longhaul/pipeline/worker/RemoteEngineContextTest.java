/*
 * A remote run's requests fit the served model's context: with a server that says max_model_len,
 * a job whose extraction instruction is large (a schema with a long description) reads less of its
 * document, so that every request's prompt plus its max_tokens stays within the context (before,
 * the budget left a fixed 512 tokens for instruction and output, the request overflowed, and the
 * server refused it, failing the job); a job whose instruction and output cannot fit beside any
 * document fails before its document is read.
 */
package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.longhaul.engine.SharedData;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.WorkOrder;
import org.junit.jupiter.api.Test;

class RemoteEngineContextTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONTEXT = 1500;

    @org.junit.jupiter.api.BeforeAll
    static void trustGeneratedRecords() {
        dev.longhaul.schemas.RecordTrust.install();
    }

    /** Runs the orders against a server of CONTEXT tokens and returns prompt length + max_tokens of every request. */
    private static List<Integer> requestSizes(String schema, String text, boolean expectFailure) throws IOException {
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/models", exchange -> {
            byte[] body = ("{\"data\":[{\"id\":\"tiny\",\"max_model_len\":" + CONTEXT + "}]}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/v1/completions", exchange -> {
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            sizes.add(request.get("prompt").size() + request.get("max_tokens").asInt());
            exchange.sendResponseHeaders(200, 0);
            String text1 = request.has("response_format") ? "{\\\"a\\\":\\\"x\\\"}" : "a summary";
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(("data: {\"choices\":[{\"index\":0,\"text\":\"" + text1 + "\",\"finish_reason\":\"stop\"}]}\n\n"
                        + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
            WorkerConfig config = WorkerConfig.defaults("remote-context", "localhost:1", SharedData.minimaxTiny())
                    .withEngine("remote:" + url, 1).withOutput(16);
            try (OrderEngine engine = OrderEngine.open(config)) {
                WorkOrder order = order(List.of(Task.newBuilder().setType(TaskType.SUMMARIZE).build(),
                        Task.newBuilder().setType(TaskType.EXTRACT).setJsonSchema(schema).build()), text);
                if (expectFailure) {
                    IllegalStateException e = assertThrows(IllegalStateException.class,
                            () -> engine.run(order, chunks(text), (f, t) -> { }, new RunCancel()));
                    assertTrue(e.getMessage().contains("cannot hold"), e.getMessage());
                } else {
                    assertInstanceOf(OrderRunner.Done.class, engine.run(order, chunks(text), (f, t) -> { }, new RunCancel()));
                }
            }
        } finally {
            server.stop(0);
        }
        return sizes;
    }

    private static String schema(int descriptionChars) {
        return "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"description\":\"" + "d".repeat(descriptionChars)
                + "\"}},\"required\":[\"a\"]}";
    }

    @Test
    void everyRequestFitsTheServedContextWhateverTheInstructionsSize() throws IOException {
        // a document far longer than the context, and an extraction whose instruction is ~600 tokens
        String text = "The lease ends on 1 March 2030. Either party may renew it.\n".repeat(200);
        List<Integer> sizes = requestSizes(schema(600), text, false);
        assertFalse(sizes.isEmpty());
        assertTrue(sizes.stream().allMatch(s -> s <= CONTEXT), "prompt + max_tokens of each request: " + sizes);
        // and one whose instruction alone is larger than the context fails before anything is sent
        assertTrue(requestSizes(schema(3000), text, true).isEmpty());
    }

    private static ChunkSource chunks(String text) {
        return OrderEngineRunsTest.chunks(text);
    }

    private static WorkOrder order(List<Task> tasks, String text) {
        return OrderEngineRunsTest.order("remote-job", DocumentKind.CONTRACT, tasks, text);
    }
}
