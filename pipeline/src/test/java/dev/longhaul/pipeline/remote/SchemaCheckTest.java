/*
 * SchemaCheck judges a remote server's JSON by meaning over JsonGrammar's subset: spacing and
 * property order do not matter; types, required properties, lengths in code points, item counts,
 * enums and undescribed properties do, and the problem names where it is.
 */
package dev.longhaul.pipeline.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class SchemaCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA = """
            {"type": "object",
             "properties": {
               "party": {"type": "string", "maxLength": 3},
               "amount": {"type": "integer"},
               "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 2},
               "signed": {"type": "boolean"}},
             "required": ["party", "note"]}""";

    @Test
    void acceptsAnyLayoutOfAValidValue() throws Exception {
        assertTrue(problem("{ \"note\": \"x\",\n \"tags\": [\"b\", \"a\"], \"party\": \"Aé😀\", \"amount\": 3 }").isEmpty());
    }

    @Test
    void namesWhatIsWrongAndWhere() throws Exception {
        assertEquals("#: missing required property \"note\"", problem("{\"party\": \"A\"}"));
        assertEquals("#/party: longer than 3 characters", problem("{\"party\": \"ABCD\", \"note\": \"\"}"));
        assertEquals("#/amount: expected an integer", problem("{\"party\": \"A\", \"note\": \"\", \"amount\": 1.5}"));
        assertEquals("#/tags/1: expected one of [\"a\",\"b\"]", problem("{\"party\": \"A\", \"note\": \"\", \"tags\": [\"a\", \"c\"]}"));
        assertEquals("#/tags: more than 2 items", problem("{\"party\": \"A\", \"note\": \"\", \"tags\": [\"a\", \"a\", \"a\"]}"));
        assertEquals("#/extra: a property the schema does not describe", problem("{\"party\": \"A\", \"note\": \"\", \"extra\": 1}"));
        assertEquals("#/note: expected a string", problem("{\"party\": \"A\", \"note\": 1}"));
        assertEquals("#: expected an object", problem("[]"));
    }

    @Test
    void agreesWithTheGrammarOnEveryCanonicalText() throws Exception {
        // schema -> canonical texts: a text JsonGrammar accepts must pass the check, one it refuses must not
        java.util.Map<String, java.util.List<String>> table = java.util.Map.of(
                "{\"type\":\"string\",\"enum\":[\"red\",null,true]}", java.util.List.of("\"red\"", "null", "true", "\"blue\""),
                "{\"type\":\"boolean\",\"enum\":[true,\"x\"]}", java.util.List.of("true", "\"x\"", "false"),
                "{\"type\":\"object\",\"required\":[\"n\"],\"additionalProperties\":{\"type\":\"integer\"}}",
                java.util.List.of("{\"n\":3}", "{\"n\":\"3\"}", "{}"),
                "{\"type\":\"object\",\"required\":[\"n\"]}", java.util.List.of("{\"n\":\"x\"}", "{\"n\":3}"),
                "{\"const\":\"x\"}", java.util.List.of("\"x\"", "\"y\""),
                "{\"type\":[\"string\",\"null\"],\"enum\":[\"a\",null,true]}", java.util.List.of("\"a\"", "null", "true"),
                "{\"type\":\"object\",\"required\":[\"n\"],\"additionalProperties\":{}}", java.util.List.of("{\"n\":\"x\"}", "{\"n\":1}"),
                "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"enum\":[\"a\",null]}}", java.util.List.of("[\"a\"]", "[null]", "[]"));
        for (var e : table.entrySet()) {
            dev.longhaul.engine.constrain.JsonGrammar grammar = dev.longhaul.engine.constrain.JsonGrammar.compile(e.getKey());
            for (String text : e.getValue()) {
                boolean written = grammar.accepts(text);
                boolean passes = SchemaCheck.problem(JSON.readTree(e.getKey()), JSON.readTree(text)).isEmpty();
                assertEquals(written, passes, e.getKey() + " on " + text + ": grammar " + written + ", check " + passes);
            }
        }
    }

    private static String problem(String value) throws Exception {
        JsonNode schema = JSON.readTree(SCHEMA);
        return SchemaCheck.problem(schema, JSON.readTree(value)).orElse("");
    }
}
