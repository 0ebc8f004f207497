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
}
