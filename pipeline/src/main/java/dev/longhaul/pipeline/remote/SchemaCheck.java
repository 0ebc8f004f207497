/*
 * Checks a parsed JSON value against a JSON Schema of the subset the engine's JsonGrammar compiles
 * (object with properties/required, string with minLength/maxLength in code points, number,
 * integer, boolean, null, array with items/minItems/maxItems, enum and const). A remote server may
 * or may not honour the schema it was sent, and writes JSON its own way (spacing, property order),
 * so its answer is checked here by meaning, not against the grammar's canonical text. Properties
 * the schema does not describe are refused, as JsonGrammar never writes them. The schema must have
 * compiled with JsonGrammar first: keywords outside the subset are not looked at here.
 */
package dev.longhaul.pipeline.remote;

import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

public final class SchemaCheck {
    private SchemaCheck() {
    }

    /** Empty when `value` satisfies `schema`; else where and why not, e.g. "#/date: expected a string". */
    public static Optional<String> problem(JsonNode schema, JsonNode value) {
        return Optional.ofNullable(check(schema, value, "#"));
    }

    private static String check(JsonNode schema, JsonNode value, String at) {
        if (schema.has("const") && !schema.get("const").equals(value)) {
            return at + ": expected " + schema.get("const");
        }
        if (schema.has("enum")) {
            boolean listed = false;
            for (JsonNode option : schema.get("enum")) {
                listed |= option.equals(value);
            }
            if (!listed) {
                return at + ": expected one of " + schema.get("enum");
            }
        }
        if ((schema.has("const") || schema.has("enum")) && !schema.has("type")) {
            return null;
        }
        if (schema.path("type").isArray()) {
            // a list of types (a nullable enum): the value's must be one of them
            for (JsonNode t : schema.get("type")) {
                com.fasterxml.jackson.databind.node.ObjectNode one = schema.deepCopy();
                one.put("type", t.asText());
                if (check(one, value, at) == null) {
                    return null;
                }
            }
            return at + ": expected one of the types " + schema.get("type");
        }
        // a type beside enum/const must hold too (JsonGrammar writes only the values of that type)
        String type = schema.path("type").asText("");
        return switch (type) {
            case "object" -> object(schema, value, at);
            case "array" -> array(schema, value, at);
            case "string" -> string(schema, value, at);
            // a number no JSON reader holds (1e999 reads as Infinity) is refused; an integer is any
            // number without a fraction, as JSON Schema has it (1e300 too)
            case "number" -> value.isNumber() && Double.isFinite(value.asDouble()) ? null : at + ": expected a finite number";
            case "integer" -> value.isNumber() && Double.isFinite(value.asDouble())
                    && (value.isIntegralNumber() || value.asDouble() == Math.rint(value.asDouble()))
                    ? null : at + ": expected an integer";
            case "boolean" -> value.isBoolean() ? null : at + ": expected true or false";
            case "null" -> value.isNull() ? null : at + ": expected null";
            default -> at + ": schema type " + schema.path("type") + " is outside the supported subset";
        };
    }

    private static String object(JsonNode schema, JsonNode value, String at) {
        if (!value.isObject()) {
            return at + ": expected an object";
        }
        JsonNode properties = schema.path("properties");
        for (JsonNode required : schema.path("required")) {
            if (!value.has(required.asText())) {
                return at + ": missing required property " + required;
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String where = at + "/" + field.getKey();
            JsonNode property = properties.get(field.getKey());
            if (property != null) {
                String problem = check(property, field.getValue(), where);
                if (problem != null) {
                    return problem;
                }
            } else if (!isRequired(schema, field.getKey())) {
                return where + ": a property the schema does not describe";
            } else if (schema.path("additionalProperties").isObject() && constrains(schema.get("additionalProperties"))) {
                // as JsonGrammar writes a required but undescribed property: with additionalProperties' schema
                String problem = check(schema.get("additionalProperties"), field.getValue(), where);
                if (problem != null) {
                    return problem;
                }
            } else if (!field.getValue().isTextual()) {
                // ...or, without one, as a string
                return where + ": expected a string";
            }
        }
        return null;
    }

    /** Whether a schema says anything beyond annotations ({} allows any value, as JsonGrammar takes it). */
    private static boolean constrains(JsonNode schema) {
        for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
            if (!dev.longhaul.engine.constrain.JsonGrammar.ANNOTATIONS.contains(it.next())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isRequired(JsonNode schema, String name) {
        for (JsonNode required : schema.path("required")) {
            if (required.asText().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static String array(JsonNode schema, JsonNode value, String at) {
        if (!value.isArray()) {
            return at + ": expected an array";
        }
        if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
            return at + ": fewer than " + schema.get("minItems").asInt() + " items";
        }
        if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
            return at + ": more than " + schema.get("maxItems").asInt() + " items";
        }
        if (schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                String problem = check(schema.get("items"), value.get(i), at + "/" + i);
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }

    private static String string(JsonNode schema, JsonNode value, String at) {
        if (!value.isTextual()) {
            return at + ": expected a string";
        }
        String s = value.asText();
        int length = s.codePointCount(0, s.length());
        if (schema.has("minLength") && length < schema.get("minLength").asInt()) {
            return at + ": shorter than " + schema.get("minLength").asInt() + " characters";
        }
        if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
            return at + ": longer than " + schema.get("maxLength").asInt() + " characters";
        }
        return null;
    }
}
