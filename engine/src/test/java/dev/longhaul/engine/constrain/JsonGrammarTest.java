/*
 * The schema compiler: for each feature of the subset the grammar accepts the canonical texts that
 * validate and refuses the others; keywords outside the subset are refused at compile time; and
 * closeCost is exact, so the forced closing path from any prefix ends in an accepted document.
 */
package dev.longhaul.engine.constrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonGrammarTest {
    static final String PERSON = """
            {"type": "object", "required": ["name", "age"], "properties": {
              "name": {"type": "string", "maxLength": 5},
              "nick": {"type": "string"},
              "age": {"type": "integer"},
              "score": {"type": "number"}}}""";

    private static void accepts(String schema, String... texts) {
        JsonGrammar g = JsonGrammar.compile(schema);
        for (String t : texts) {
            assertTrue(g.accepts(t), "should accept " + t);
        }
    }

    private static void refuses(String schema, String... texts) {
        JsonGrammar g = JsonGrammar.compile(schema);
        for (String t : texts) {
            assertFalse(g.accepts(t), "should refuse " + t);
        }
    }

    @Test
    void objectsWriteRequiredPropertiesInOrderAndMaySkipOptionalOnes() {
        accepts(PERSON, "{\"name\":\"Ann\",\"age\":3}", "{\"name\":\"Ann\",\"nick\":\"A\",\"age\":3,\"score\":1.5}",
                "{\"name\":\"\",\"age\":-0,\"score\":0}");
        refuses(PERSON, "{\"name\":\"Ann\"}", "{\"age\":3,\"name\":\"Ann\"}", "{\"name\":\"Ann\", \"age\":3}",
                "{\"name\":\"Ann\",\"age\":3,\"other\":1}", "{\"name\":\"Ann\",\"age\":3,}", "{\"name\":\"Ann\",\"age\":3}x");
        accepts("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"boolean\"}}}", "{}", "{\"a\":true}");
        accepts("{\"type\":\"object\"}", "{}");
        // a required name no property describes may hold any value: it is written as a string
        accepts("{\"type\":\"object\",\"required\":[\"law\"]}", "{\"law\":\"Delaware\"}");
        refuses("{\"type\":\"object\",\"required\":[\"law\"]}", "{}");
    }

    @Test
    void stringsCountCodePointsAndEscapesAndRefuseRawControls() {
        String s = "{\"type\":\"string\",\"minLength\":1,\"maxLength\":3}";
        accepts(s, "\"é中😀\"", "\"\\n\\\"a\"", "\"\\u00e9\"", "\"a\"");
        refuses(s, "\"\"", "\"abcd\"", "\"a\nb\"", "\"\\x\"", "\"\\ud800\"", "\"a", "\"\\u12\"");
    }

    @Test
    void numbersFollowRfc8259AndIntegersHaveNoFraction() {
        accepts("{\"type\":\"number\"}", "0", "-0", "12.5", "1e5", "-3.25E-2", "123456789012345");
        refuses("{\"type\":\"number\"}", "01", "1.", ".5", "+1", "1e", "--1", "1234567890123456", "1.0000000001");
        accepts("{\"type\":\"integer\"}", "7", "-120");
        refuses("{\"type\":\"integer\"}", "1.0", "1e3", "-");
    }

    @Test
    void enumsConstsBooleansAndNull() {
        String e = "{\"enum\":[\"red\",\"re\\\"d\",\"r\",true,null]}";
        accepts(e, "\"red\"", "\"re\\\"d\"", "\"r\"", "true", "null");
        refuses(e, "\"re\"", "\"blue\"", "false", "\"red\"\"");
        accepts("{\"const\":\"x\"}", "\"x\"");
        refuses("{\"const\":\"x\"}", "\"y\"");
        accepts("{\"type\":\"boolean\"}", "true", "false");
        accepts("{\"type\":\"null\"}", "null");
        // a type beside enum/const keeps only the values of that type
        accepts("{\"type\":\"string\",\"enum\":[\"red\",null,true]}", "\"red\"");
        accepts("{\"type\":[\"string\",\"null\"],\"enum\":[\"red\",null,true]}", "\"red\"", "null"); // a nullable enum
        refuses("{\"type\":[\"string\",\"null\"],\"enum\":[\"red\",null,true]}", "true");
        refuses("{\"type\":\"string\",\"enum\":[\"red\",null,true]}", "null", "true");
        for (String none : List.of("{\"type\":\"integer\",\"const\":true}", "{\"type\":\"string\",\"enum\":[null]}",
                "{\"enum\":[]}", "{\"type\":\"boolean\",\"const\":\"x\",\"enum\":[true,\"x\"]}")) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> JsonGrammar.compile(none), none);
            assertTrue(refused.getMessage().contains("no value satisfies"), refused.getMessage());
        }
    }

    @Test
    void aRequiredNameNotInPropertiesTakesAdditionalPropertiesSchema() {
        String typed = "{\"type\":\"object\",\"required\":[\"n\"],\"additionalProperties\":{\"type\":\"integer\"}}";
        accepts(typed, "{\"n\":42}");
        refuses(typed, "{\"n\":\"42\"}");
        accepts("{\"type\":\"object\",\"required\":[\"n\"],\"additionalProperties\":true}", "{\"n\":\"x\"}");
        accepts("{\"type\":\"object\",\"required\":[\"n\"],\"additionalProperties\":{\"description\":\"any\"}}", "{\"n\":\"x\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JsonGrammar.compile("{\"type\":\"object\",\"required\":[\"n\"],\"additionalProperties\":false}"));
        assertTrue(e.getMessage().contains("no object satisfies"), e.getMessage());
    }

    @Test
    void arraysBoundTheirItemsAndNest() {
        String a = "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"k\"],"
                + "\"properties\":{\"k\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"maxItems\":2}}},"
                + "\"minItems\":1,\"maxItems\":2}";
        accepts(a, "[{\"k\":[]}]", "[{\"k\":[1,2]},{\"k\":[3]}]");
        refuses(a, "[]", "[{\"k\":[1,2,3]}]", "[{\"k\":[]},{\"k\":[]},{\"k\":[]}]", "[{\"k\":[1,]}]", "[,]");
    }

    @Test
    void aSchemaNoJsonTextCanSatisfyOrOneMisformedIsRefusedNotIgnored() {
        // an enum value, const or property name with a lone surrogate: written out as '?', a text the schema does not name
        for (String lone : List.of("{\"enum\":[\"\\ud800x\"]}", "{\"const\":\"a\\udc00\"}")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonGrammar.compile(lone), lone);
            assertTrue(e.getMessage().contains("unpaired surrogate"), e.getMessage());
        }
        // (in a property name, Jackson refuses it already, reading the schema)
        assertThrows(IllegalArgumentException.class, () -> JsonGrammar.compile(
                "{\"type\":\"object\",\"properties\":{\"k\\ud800\":{\"type\":\"string\"}}}"));
        // a pair is a character like any other
        accepts("{\"enum\":[\"\\ud83d\\ude00\"]}", "\"\ud83d\ude00\"");
        // "required" that is not a list: ignored, it let {} through
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JsonGrammar.compile("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":\"a\"}"));
        assertTrue(e.getMessage().contains("must be an array"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"type\":\"string\",\"pattern\":\"a+\"}",
        "{\"type\":\"integer\",\"minimum\":0}",
        "{\"anyOf\":[{\"type\":\"string\"}]}",
        "{\"type\":[\"string\",\"null\"]}",
        "{\"enum\":[1,12]}",
        "{\"type\":\"array\"}",
        "{\"type\":\"object\",\"required\":[7]}",
        "{\"type\":\"string\",\"maxLength\":-1}",
        "not json"})
    void keywordsOutsideTheSubsetAreRefused(String schema) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonGrammar.compile(schema));
        assertNotNull(e.getMessage());
    }

    @Test
    void theShortestClosingPathFromEveryPrefixEndsInAnAcceptedDocument() throws Exception {
        // given valid documents of several schemas
        List<String[]> cases = List.of(
                new String[] {PERSON, "{\"name\":\"Ann\",\"nick\":\"é\\u00e9\",\"age\":31,\"score\":-1.5e+2}"},
                new String[] {"{\"type\":\"array\",\"items\":{\"enum\":[\"alpha\",\"beta\"]},\"minItems\":2}", "[\"beta\",\"alpha\",\"beta\"]"},
                new String[] {"{\"type\":\"object\",\"required\":[\"s\"],\"properties\":{\"s\":{\"type\":\"string\",\"minLength\":3}}}", "{\"s\":\"中a😀b\"}"});
        ObjectMapper json = new ObjectMapper();
        for (String[] c : cases) {
            JsonGrammar g = JsonGrammar.compile(c[0]);
            byte[] doc = c[1].getBytes(StandardCharsets.UTF_8);
            Frame f = g.start();
            for (int cut = 0; cut <= doc.length; cut++) {
                // when the closing path is followed from the prefix doc[0, cut)
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(doc, 0, cut);
                Frame s = f;
                int cost = s.closeCost();
                for (int step = 0; step < cost; step++) {
                    s = cheaper(s, out);
                }
                // then it took exactly closeCost bytes and the result is accepted and parses
                String closed = out.toString(StandardCharsets.UTF_8);
                assertTrue(s.mayEnd() && g.accepts(closed), "closing at byte " + cut + ": " + closed);
                json.readTree(closed);
                if (cut < doc.length) {
                    f = f.feed(doc[cut] & 0xFF);
                    assertNotNull(f, "valid document refused at byte " + cut);
                }
            }
        }
    }

    /** The state after the first byte that lowers closeCost by one (there must be one), written to out. */
    static Frame cheaper(Frame s, ByteArrayOutputStream out) {
        for (int b = 0; b < 256; b++) {
            Frame next = s.feed(b);
            if (next != null && next.closeCost() == s.closeCost() - 1) {
                out.write(b);
                return next;
            }
        }
        throw new AssertionError("no byte lowers closeCost " + s.closeCost() + " from " + s);
    }
}
