/*
 * The extraction schema limits: depth is refused while parsing, before any tree is built,
 * node count and size bound the work, and the forced output is computed without wrapping around.
 */
package dev.longhaul.pipeline.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ExtractionSchemasTest {

    private static String message(String schema) {
        return assertThrows(IllegalArgumentException.class, () -> ExtractionSchemas.compile(schema)).getMessage();
    }

    @Test
    void nestingPastTheLimitIsRefusedAsTooDeep() {
        String deep = "[".repeat(5000);
        assertTrue(message(deep).contains("32 levels"), message(deep));
    }

    @Test
    void tooManyValuesAndTooManyCharactersAreRefused() {
        String many = "{\"type\":\"string\",\"examples\":[" + "1,".repeat(5000) + "1]}";
        assertTrue(message(many).contains("more than 4096 JSON values"), message(many));
        String long_ = "{\"type\":\"string\",\"title\":\"" + "t".repeat(20_000) + "\"}";
        assertTrue(message(long_).contains("characters, more than 16384"), message(long_));
    }

    @Test
    void forcedOutputThatWouldOverflowAnIntIsRefusedNotWrapped() {
        // 2^30 items of strings of at least 2^30 characters: about 2^60 bytes, far past an int.
        String huge = "{\"type\":\"array\",\"minItems\":1073741824,\"items\":{\"type\":\"string\",\"minLength\":1073741824}}";
        assertTrue(message(huge).contains("forces an output of at least 2147483647 bytes"), message(huge));
        // one required property whose value is a string of the largest length: key plus value past an int
        String wide = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"minLength\":2147483647}},\"required\":[\"a\"]}";
        assertTrue(message(wide).contains("forces an output of at least 2147483647 bytes"), message(wide));
    }

    @Test
    void aSmallSupportedSchemaCompiles() {
        String ok = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":20}},\"required\":[\"name\"]}";
        assertEquals(11, ExtractionSchemas.compile(ok).shortestLength(), "{\"name\":\"\"}");
    }
}
