/*
 * What a remote server's extraction must be before it is committed: one JSON value satisfying the
 * schema, and nothing after it (a server that ignores response_format may add prose, which was
 * committed with the JSON).
 */
package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.pipeline.remote.OpenAiClient;
import org.junit.jupiter.api.Test;

class RemoteEngineCheckTest {
    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},\"required\":[\"name\"]}";

    private static OpenAiClient.CompletionReply reply(String text) {
        return new OpenAiClient.CompletionReply(text, "stop", 10, 5);
    }

    @Test
    void anExtractionIsOneJsonValueSatisfyingTheSchemaAndNothingAfterIt() {
        assertEquals("{\"name\":\"x\"} ", RemoteEngine.checked(SCHEMA, reply("{\"name\":\"x\"} "), 0));
        IllegalStateException prose = assertThrows(IllegalStateException.class,
                () -> RemoteEngine.checked(SCHEMA, reply("{\"name\":\"x\"}\nThe above JSON lists the name."), 0));
        assertTrue(prose.getMessage().contains("not JSON"), prose.getMessage());
        assertThrows(IllegalStateException.class, () -> RemoteEngine.checked(SCHEMA, reply("{\"other\":1}"), 0));
    }

    @Test
    void aRepeatedKeyOrANumberThatDoesNotReadBackIsRefused() {
        // Jackson keeps a repeated key's last value: the string would have gone unchecked, and been committed
        String numbered = "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"},\"x\":{\"type\":\"number\"}}}";
        assertThrows(IllegalStateException.class, () -> RemoteEngine.checked(numbered, reply("{\"n\":\"oops\",\"n\":3}"), 0));
        assertThrows(IllegalStateException.class, () -> RemoteEngine.checked(numbered, reply("{\"x\":1e999}"), 0));
        assertThrows(IllegalStateException.class, () -> RemoteEngine.checked(numbered, reply("{\"n\":1e999}"), 0));
        assertEquals("{\"n\":1e300}", RemoteEngine.checked(numbered, reply("{\"n\":1e300}"), 0), "an integer, as JSON Schema has it");
        assertThrows(IllegalStateException.class, () -> RemoteEngine.checked(numbered, reply("{\"n\":1" + "0".repeat(400) + "}"), 0));
        assertEquals("{\"n\":3,\"x\":2.5e3}", RemoteEngine.checked(numbered, reply("{\"n\":3,\"x\":2.5e3}"), 0));
    }

    @Test
    void onlyAnAnswerTheServerFinishedIsTaken() {
        assertEquals("done", RemoteEngine.finished(new OpenAiClient.CompletionReply("done", "stop", 1, 1), 0).text());
        assertEquals("cut", RemoteEngine.finished(new OpenAiClient.CompletionReply("cut", "length", 1, 1), 0).text());
        // an engine shutting down (vLLM, SGLang) ends a stream with "abort": tried again, never committed
        OpenAiClient.RemoteFailure abort = assertThrows(OpenAiClient.RemoteFailure.class,
                () -> RemoteEngine.finished(new OpenAiClient.CompletionReply("half a sum", "abort", 1, 1), 2));
        assertEquals(503, abort.status());
        assertTrue(abort.getMessage().contains("task 2") && abort.getMessage().contains("abort"), abort.getMessage());
        assertEquals(400, assertThrows(OpenAiClient.RemoteFailure.class,
                () -> RemoteEngine.finished(new OpenAiClient.CompletionReply("", "content_filter", 1, 1), 0)).status());
    }
}
