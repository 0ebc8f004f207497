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

    private static String problem(String value) throws Exception {
        JsonNode schema = JSON.readTree(SCHEMA);
        return SchemaCheck.problem(schema, JSON.readTree(value)).orElse("");
    }
}
