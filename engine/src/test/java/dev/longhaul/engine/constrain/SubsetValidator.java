/*
 * Test oracle: validates a parsed JSON value against a schema of the subset JsonGrammar compiles,
 * written from the JSON Schema rules and independent of the grammar code. Stricter than the
 * standard in one place: a property the schema does not list is reported (the grammar never
 * writes one). Returns the problems found, empty when the value is valid.
 */
package dev.longhaul.engine.constrain;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

final class SubsetValidator {
    private SubsetValidator() {
    }

    static List<String> problems(JsonNode schema, JsonNode value) {
        List<String> out = new ArrayList<>();
        check(schema, value, "$", out);
        return out;
    }

    private static void check(JsonNode schema, JsonNode value, String at, List<String> out) {
        if (schema.has("const") && !schema.get("const").equals(value)) {
            out.add(at + ": not the const " + schema.get("const"));
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) {
                found |= e.equals(value);
            }
            if (!found) {
                out.add(at + ": " + value + " is not in the enum");
            }
        }
        String type = schema.path("type").asText("");
        switch (type) {
            case "object" -> {
                if (!value.isObject()) {
                    out.add(at + ": not an object");
                    return;
                }
                JsonNode properties = schema.path("properties");
                for (JsonNode r : schema.path("required")) {
                    if (!value.has(r.asText())) {
                        out.add(at + ": missing required " + r.asText());
                    }
                }
                value.fieldNames().forEachRemaining(name -> {
                    if (!properties.has(name)) {
                        out.add(at + ": unexpected property " + name);
                    } else {
                        check(properties.get(name), value.get(name), at + "." + name, out);
                    }
                });
            }
            case "string" -> {
                if (!value.isTextual()) {
                    out.add(at + ": not a string");
                    return;
                }
                int n = value.asText().codePointCount(0, value.asText().length());
                if (n < schema.path("minLength").asInt(0) || n > schema.path("maxLength").asInt(Integer.MAX_VALUE)) {
                    out.add(at + ": length " + n + " outside the bounds");
                }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    out.add(at + ": not an integer");
                }
            }
            case "number" -> {
                if (!value.isNumber() || !Double.isFinite(value.asDouble())) {
                    out.add(at + ": not a finite number");
                }
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    out.add(at + ": not a boolean");
                }
            }
            case "null" -> {
                if (!value.isNull()) {
                    out.add(at + ": not null");
                }
            }
            case "array" -> {
                if (!value.isArray()) {
                    out.add(at + ": not an array");
                    return;
                }
                if (value.size() < schema.path("minItems").asInt(0) || value.size() > schema.path("maxItems").asInt(Integer.MAX_VALUE)) {
                    out.add(at + ": " + value.size() + " items, outside the bounds");
                }
                for (int i = 0; i < value.size(); i++) {
                    check(schema.get("items"), value.get(i), at + "[" + i + "]", out);
                }
            }
            default -> {
                if (!schema.has("enum") && !schema.has("const")) {
                    out.add(at + ": the oracle does not know type " + type);
                }
            }
        }
    }
}
