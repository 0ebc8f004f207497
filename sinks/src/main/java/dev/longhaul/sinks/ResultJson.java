/*
 * The JSON form of a result, shared by the file sink (one object per line) and the PostgreSQL sink
 * (its jsonb columns). A line reads
 *   {"kind":"summary"|"extraction","jobId":..,"taskIndex":..,"submissionId":..,"text":..,"digest":..|"json":{..},"analysis":{..},
 *    "usage":{..},"timings":{..},"model":{..}[,"spans":[..]]}
 * with field names as in the Avro schemas. An extraction's JSON and analysis are embedded parsed, not as strings,
 * so that jq and databases query into it; JSON the worker got wrong (the schema promises it never
 * does) is kept as a JSON string rather than lost or failing the whole batch.
 */
package dev.longhaul.sinks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.longhaul.schemas.ModelIdentity;
import dev.longhaul.schemas.ProvenanceSpan;
import dev.longhaul.schemas.Timings;
import dev.longhaul.schemas.Usage;

public final class ResultJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    // Extraction JSON is read whole and exactly: trailing text makes it not JSON (kept as a string,
    // not cut to its first value), and decimals keep every digit instead of rounding to a double.
    private static final ObjectReader CONTENT = MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    // A line is one JSON value and nothing after it: a line a crash glued bytes onto (zeros where
    // its newline was, a later fragment) is no result, so recovery cuts the file there
    private static final ObjectReader LINE = MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    // A finished file's lines are published already: only their keys are wanted, and a line a
    // sink from before the check above published with bytes after its JSON still gives its key
    private static final ObjectReader PUBLISHED_LINE = MAPPER.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private ResultJson() {}

    /** The result as one line of JSON, without the newline. */
    public static String line(SinkResult r) {
        return write(node(r));
    }

    /** The object line() writes, before it is written (the Parquet sink's columns are made from it). */
    public static ObjectNode node(SinkResult r) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("kind", r.kind().label());
        o.put("jobId", r.key().jobId());
        o.put("taskIndex", r.key().taskIndex());
        o.put("submissionId", r.key().submissionId());
        if (r.kind() == SinkResult.Kind.SUMMARY) {
            o.put("text", r.content());
            o.put("digest", r.digest());
        } else {
            o.set("json", content(r.content()));
            o.set("analysis", content(r.analysis()));
        }
        o.set("usage", usage(r.usage()));
        o.set("timings", timings(r.timings()));
        o.set("model", model(r.model()));
        if (r.kind() == SinkResult.Kind.EXTRACTION) {
            o.set("spans", spans(r.spans()));
        }
        return o;
    }

    /** The key of a line written by line(); IOException when the line is not one. */
    public static SinkResult.Key key(String line) throws IOException {
        return key(parse(line));
    }

    /** The key of a line of a finished (published) file, read as before lines had to end with their JSON. */
    public static SinkResult.Key publishedKey(String line) throws IOException {
        return key(parse(PUBLISHED_LINE, line));
    }

    /**
     * A line written by line(), parsed with its decimals exact (a journal replayed after a crash must
     * give the rows a first write gives); IOException when it is not one (not JSON, or no jobId and taskIndex).
     */
    public static JsonNode parse(String line) throws IOException {
        return parse(LINE, line);
    }

    private static JsonNode parse(ObjectReader reader, String line) throws IOException {
        JsonNode o = reader.readTree(line);
        if (o == null || !o.path("jobId").isTextual() || !o.path("taskIndex").canConvertToInt()) {
            throw new IOException("not a result line: " + abbreviate(line));
        }
        return o;
    }

    /** The key of an object node() made (or a parsed line); it must hold jobId and taskIndex (a line without submissionId is of "" one). */
    public static SinkResult.Key key(JsonNode o) {
        return new SinkResult.Key(o.get("jobId").asText(), o.get("taskIndex").asInt(), o.path("submissionId").asText(""));
    }

    /**
     * An extraction's JSON text, parsed exactly; text that is not one JSON value (blank included)
     * becomes a JSON string. So does JSON that would not come back from the line it is written into:
     * a number Jackson refuses to hold (an exponent past int range), nesting that the line's one
     * more level takes past the write limit, a decimal whose written form is longer than a reader
     * accepts. A line a sink wrote must read back: recovery after a crash takes the first line that
     * does not for a torn tail and cuts from there, committed results with it.
     */
    public static JsonNode content(String json) {
        JsonNode parsed;
        try {
            parsed = CONTENT.readTree(json);
            if (parsed == null || parsed.isMissingNode()) {
                return TextNode.valueOf(json);
            }
            LINE.readTree(write(MAPPER.createObjectNode().set("json", parsed))); // as deep as in a line
        } catch (JsonProcessingException | RuntimeException e) {
            return TextNode.valueOf(json);
        }
        return parsed;
    }

    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ObjectNode usage(Usage u) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("promptTokens", u.getPromptTokens());
        o.put("outputTokens", u.getOutputTokens());
        o.put("documentTokens", u.getDocumentTokens());
        o.put("documentShareRead", u.getDocumentShareRead());
        return o;
    }

    public static ObjectNode timings(Timings t) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("queuedMs", t.getQueuedMs());
        o.put("runningMs", t.getRunningMs());
        o.put("endToEndMs", t.getEndToEndMs());
        return o;
    }

    public static ObjectNode model(ModelIdentity m) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("name", m.getName());
        o.put("backend", m.getBackend());
        o.put("weightsDtype", m.getWeightsDtype());
        return o;
    }

    public static ArrayNode spans(List<ProvenanceSpan> spans) {
        ArrayNode a = MAPPER.createArrayNode();
        for (ProvenanceSpan s : spans) {
            a.addObject().put("start", s.getStart()).put("end", s.getEnd()).put("label", s.getLabel());
        }
        return a;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
