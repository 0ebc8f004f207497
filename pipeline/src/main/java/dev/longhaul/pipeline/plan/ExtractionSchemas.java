/*
 * The limits on an EXTRACT task's JSON schema, checked by the planner before anything is queued
 * and again by the worker before it decodes (a work order is trusted no more than a request):
 * at most MAX_SCHEMA_CHARS of text, nesting at most MAX_DEPTH (counted while parsing, so a
 * hostile schema nested a million deep costs nothing), at most MAX_NODES JSON values, inside the
 * subset JsonGrammar compiles, and a shortest valid output (the keys and punctuation a required
 * structure forces, which the model does not choose) of at most MAX_FORCED_OUTPUT_BYTES: 64
 * required properties nested five deep would otherwise force a billion keys.
 */
package dev.longhaul.pipeline.plan;

import java.io.IOException;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.longhaul.engine.constrain.JsonGrammar;

public final class ExtractionSchemas {
    public static final int MAX_SCHEMA_CHARS = 16 * 1024;
    public static final int MAX_DEPTH = 32;
    public static final int MAX_NODES = 4096;
    public static final int MAX_FORCED_OUTPUT_BYTES = 8192;

    /** Parses with Jackson's own nesting guard one above our limit, so depth is refused by us, with our message. */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH + 1).build())
            .build();

    private ExtractionSchemas() {}

    /** The grammar of a schema within the limits, or an IllegalArgumentException saying which limit it breaks. */
    public static JsonGrammar compile(String schema) {
        if (schema.length() > MAX_SCHEMA_CHARS) {
            throw new IllegalArgumentException("the schema has " + schema.length() + " characters, more than " + MAX_SCHEMA_CHARS);
        }
        int depth = 0;
        int nodes = 0;
        try (JsonParser parser = FACTORY.createParser(schema)) {
            for (JsonToken t = parser.nextToken(); t != null; t = parser.nextToken()) {
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    depth++;
                    if (depth > MAX_DEPTH) {
                        throw new IllegalArgumentException("the schema nests deeper than " + MAX_DEPTH + " levels");
                    }
                } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    depth--;
                }
                if (t != JsonToken.FIELD_NAME && t != JsonToken.END_OBJECT && t != JsonToken.END_ARRAY && ++nodes > MAX_NODES) {
                    throw new IllegalArgumentException("the schema has more than " + MAX_NODES + " JSON values");
                }
            }
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new IllegalArgumentException("the schema is not valid JSON within " + MAX_DEPTH + " levels: " + why, e);
        }
        JsonGrammar grammar = JsonGrammar.compile(schema);
        if (grammar.shortestLength() > MAX_FORCED_OUTPUT_BYTES) {
            throw new IllegalArgumentException("the schema forces an output of at least " + grammar.shortestLength()
                    + " bytes, more than " + MAX_FORCED_OUTPUT_BYTES);
        }
        return grammar;
    }

    /** Why the schema is refused, or empty when it is within the limits. */
    public static Optional<String> problem(String schema) {
        try {
            compile(schema);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }
}
