/*
 * Test fixture: the schemas the decoding tests run, one per group of features of the subset, and
 * the check every output must pass (parses with Jackson as one value and nothing after it, then
 * SubsetValidator finds no problem).
 */
package dev.longhaul.engine.constrain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

final class Schemas {
    /** Trailing tokens refused: an output running on past one complete value ({"a":1}}, {}{}) does not parse. */
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Required and optional properties, a bounded string, integer and number. */
    static final String PERSON = JsonGrammarTest.PERSON;

    /** Nested objects in a bounded array, an enum with an escape and a CJK value, boolean, null. */
    static final String NESTED = """
            {"type": "object", "required": ["id", "items", "ok"], "properties": {
              "id": {"enum": ["a", "b\\"c", "中"]},
              "items": {"type": "array", "maxItems": 3, "items": {"type": "object", "required": ["k", "v"],
                "properties": {"k": {"type": "string", "maxLength": 4}, "v": {"type": "number"}}}},
              "ok": {"type": "boolean"},
              "none": {"type": "null"}}}""";

    /** What the worker builds from a task's field names: every field a bounded string. */
    static final String FIELDS = """
            {"type": "object", "required": ["parties", "term"], "properties": {
              "parties": {"type": "string", "maxLength": 24}, "term": {"type": "string", "maxLength": 24}}}""";

    /** An array at the root, of strings with a minimum length, at least one of them. */
    static final String TAGS = """
            {"type": "array", "minItems": 1, "maxItems": 4, "items": {"type": "string", "minLength": 2, "maxLength": 6}}""";

    static final List<String> ALL = List.of(PERSON, NESTED, FIELDS, TAGS);

    private Schemas() {
    }

    /** Fails with the text and the problems unless text parses and validates against schema. */
    static void assertValid(String schema, String text) {
        JsonNode value;
        try {
            value = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AssertionError("output does not parse: " + text, e);
        }
        try {
            assertEquals(List.of(), SubsetValidator.problems(JSON.readTree(schema), value), "output " + text);
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }
}
