/*
 * A JSON Schema compiled into the grammar of the canonical JSON texts that satisfy it: no
 * whitespace, object properties in schema order. Supported subset (anything else is refused with
 * IllegalArgumentException naming the keyword and where it is, never silently dropped):
 *   type object:  properties, required (a property not listed may be left out; an object without
 *                 required writes only what the output chooses; a required name that properties
 *                 does not describe is written after the described ones, with the schema
 *                 additionalProperties gives, or as a string when it gives none or true; with
 *                 additionalProperties false such a schema is refused: no object satisfies it);
 *                 no other property is ever written
 *   type string:  minLength, maxLength (in code points)
 *   type number, integer (no bounds; digits capped so values read back exactly), boolean, null
 *   type array:   items (one schema), minItems, maxItems
 *   enum / const of strings, booleans and null; with a "type" beside them (a name or a list of
 *                 names), only the values of those types (a schema with none left is refused)
 * Annotations ($schema, $id, $comment, title, description, default, examples, format, readOnly,
 * writeOnly, deprecated) are ignored. Every text the grammar accepts parses as JSON and validates
 * against the schema; the grammar is immutable and may be shared across threads.
 */
package dev.longhaul.engine.constrain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

public final class JsonGrammar {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Keywords that describe and never constrain: ignored wherever they stand. */
    public static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "$comment", "title", "description",
            "default", "examples", "format", "readOnly", "writeOnly", "deprecated");
    private static final Map<String, Set<String>> KEYWORDS = Map.of(
            "object", Set.of("type", "properties", "required", "additionalProperties"),
            "string", Set.of("type", "minLength", "maxLength"),
            "number", Set.of("type"),
            "integer", Set.of("type"),
            "boolean", Set.of("type"),
            "null", Set.of("type"),
            "array", Set.of("type", "items", "minItems", "maxItems"),
            "enum", Set.of("type", "enum", "const"));

    private final Shape root;

    private JsonGrammar(Shape root) {
        this.root = root;
    }

    /** Compiles a JSON Schema given as text; IllegalArgumentException when it leaves the subset. */
    public static JsonGrammar compile(String schemaJson) {
        JsonNode schema;
        try {
            schema = JSON.readTree(schemaJson);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the schema is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (schema == null) {
            throw new IllegalArgumentException("the schema is empty");
        }
        return new JsonGrammar(shape(schema, "#"));
    }

    /** Whether text is a complete output of this grammar. */
    public boolean accepts(String text) {
        Frame f = start();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            f = f.feed(b & 0xFF);
            if (f == null) {
                return false;
            }
        }
        return f.mayEnd();
    }

    /** Bytes of the shortest accepted text. */
    public int shortestLength() {
        return root.minLength();
    }

    /** The automaton's initial state. */
    Frame start() {
        return Frame.start(root, Frame.Done.INSTANCE);
    }

    private static Shape shape(JsonNode schema, String at) {
        if (!schema.isObject()) {
            throw new IllegalArgumentException(at + ": a schema must be an object (true/false schemas are not supported)");
        }
        boolean literal = schema.has("enum") || schema.has("const");
        String type = literal ? "enum" : typeOf(schema, at);
        Set<String> allowed = KEYWORDS.get(type);
        if (allowed == null) {
            throw new IllegalArgumentException(at + ": type \"" + type + "\" is not supported");
        }
        for (String keyword : names(schema)) {
            if (!allowed.contains(keyword) && !ANNOTATIONS.contains(keyword)) {
                throw new IllegalArgumentException(at + ": keyword \"" + keyword + "\" is not supported for " + type
                        + " (supported: " + allowed + ")");
            }
        }
        return switch (type) {
            case "enum" -> literals(schema, at);
            case "object" -> object(schema, at);
            case "string" -> {
                int min = count(schema, "minLength", 0, at);
                yield new Shape.Str(min, count(schema, "maxLength", Shape.UNBOUNDED, at));
            }
            case "number" -> new Shape.Num(false);
            case "integer" -> new Shape.Num(true);
            case "boolean" -> new Shape.Literals(List.of("true", "false"));
            case "null" -> new Shape.Literals(List.of("null"));
            default -> {
                JsonNode items = schema.get("items");
                if (items == null) {
                    throw new IllegalArgumentException(at + ": an array needs \"items\"");
                }
                yield new Shape.Arr(shape(items, at + "/items"), count(schema, "minItems", 0, at),
                        count(schema, "maxItems", Shape.UNBOUNDED, at));
            }
        };
    }

    private static List<String> names(JsonNode schema) {
        List<String> names = new ArrayList<>();
        schema.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String typeOf(JsonNode schema, String at) {
        JsonNode type = schema.get("type");
        if (type == null || !type.isTextual()) {
            throw new IllegalArgumentException(at + ": \"type\" must be one type name (unions are not supported), is " + type);
        }
        return type.asText();
    }

    private static Shape object(JsonNode schema, String at) {
        JsonNode properties = schema.path("properties");
        if (!properties.isMissingNode() && !properties.isObject()) {
            throw new IllegalArgumentException(at + ": \"properties\" must be an object");
        }
        Set<String> required = new LinkedHashSet<>();
        if (schema.has("required") && !schema.get("required").isArray()) {
            throw new IllegalArgumentException(at + ": \"required\" must be an array of property names");
        }
        for (JsonNode name : schema.path("required")) {
            if (!name.isTextual()) {
                throw new IllegalArgumentException(at + ": required " + name + " is not a property name");
            }
            required.add(name.asText());
        }
        List<Shape.Property> list = new ArrayList<>();
        for (String name : names(properties)) {
            list.add(new Shape.Property(name, shape(properties.get(name), at + "/properties/" + name), required.contains(name)));
        }
        JsonNode additional = schema.get("additionalProperties");
        if (additional != null && !additional.isBoolean() && !additional.isObject()) {
            throw new IllegalArgumentException(at + ": \"additionalProperties\" must be a boolean or a schema, is " + additional);
        }
        for (String name : required) {
            if (!properties.has(name)) {
                if (additional != null && additional.isBoolean() && !additional.asBoolean()) {
                    throw new IllegalArgumentException(at + ": required \"" + name + "\" is not in properties and"
                            + " additionalProperties is false: no object satisfies the schema");
                }
                // a schema that constrains nothing ({}, or annotations only) allows anything, as true does
                boolean constrains = additional != null && additional.isObject()
                        && names(additional).stream().anyMatch(k -> !ANNOTATIONS.contains(k));
                Shape value = constrains ? shape(additional, at + "/additionalProperties") : new Shape.Str(0, Shape.UNBOUNDED);
                list.add(new Shape.Property(name, value, true));
            }
        }
        return new Shape.Obj(list);
    }

    private static Shape literals(JsonNode schema, String at) {
        List<JsonNode> values = new ArrayList<>();
        if (schema.has("const")) {
            values.add(schema.get("const"));
        }
        if (schema.has("enum")) {
            if (!schema.get("enum").isArray()) {
                throw new IllegalArgumentException(at + ": \"enum\" must be an array");
            }
            schema.get("enum").forEach(values::add);
        }
        Set<String> types = literalTypes(schema, at);
        List<String> texts = new ArrayList<>();
        for (JsonNode v : values) {
            // Numbers are left out: "1" is a prefix of "12", and matching relies on prefix-free texts.
            if (!v.isTextual() && !v.isBoolean() && !v.isNull()) {
                throw new IllegalArgumentException(at + ": enum/const values must be strings, booleans or null, got " + v);
            }
            // with a type beside them, a value of another type fails the schema: never written
            if (ofType(types, v)) {
                texts.add(v.isTextual() ? Shape.Literals.quote(v.asText()) : v.toString());
            }
        }
        if (schema.has("const") && !ofType(types, schema.get("const"))) {
            throw new IllegalArgumentException(at + ": const " + schema.get("const") + " is not of type " + types
                    + ": no value satisfies the schema");
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException(at + ": no enum/const value" + (types == null ? "" : " is of type " + types)
                    + ": no value satisfies the schema");
        }
        if (schema.has("const") && schema.has("enum") && !texts.subList(1, texts.size()).contains(texts.get(0))) {
            throw new IllegalArgumentException(at + ": const is not one of enum: no value satisfies both");
        }
        return new Shape.Literals(schema.has("const") ? texts.subList(0, 1) : texts);
    }

    /**
     * The JSON types a "type" beside enum/const allows: one name or a list of names (["string",
     * "null"] is how a nullable enum is often written); null when there is no "type".
     */
    private static Set<String> literalTypes(JsonNode schema, String at) {
        JsonNode type = schema.get("type");
        if (type == null) {
            return null;
        }
        Set<String> names = new LinkedHashSet<>();
        if (type.isTextual()) {
            names.add(type.asText());
        } else if (type.isArray()) {
            type.forEach(n -> names.add(n.asText()));
        }
        if (names.isEmpty() || (type.isArray() && !java.util.stream.StreamSupport.stream(type.spliterator(), false).allMatch(JsonNode::isTextual))) {
            throw new IllegalArgumentException(at + ": \"type\" must be a type name or a list of them, is " + type);
        }
        return names;
    }

    /** Whether literal v is of one of the JSON `types` (any, when null). */
    private static boolean ofType(Set<String> types, JsonNode v) {
        return types == null || types.contains(v.isTextual() ? "string" : v.isBoolean() ? "boolean" : v.isNull() ? "null" : "");
    }

    private static int count(JsonNode schema, String keyword, int absent, String at) {
        JsonNode v = schema.get(keyword);
        if (v == null) {
            return absent;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0) {
            throw new IllegalArgumentException(at + ": \"" + keyword + "\" must be a non-negative integer, is " + v);
        }
        return v.asInt();
    }
}
