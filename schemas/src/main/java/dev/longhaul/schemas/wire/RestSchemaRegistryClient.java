/*
 * A SchemaRegistry over the Confluent Schema Registry REST API (java.net.http, JSON by Jackson).
 * Works against this project's RegistryServer, Confluent's registry or Apicurio's Confluent-
 * compatible API alike: only the base URL differs. Thread-safe.
 *
 * Contract: register and schemaById are cached both ways (subject+schema -> id, id -> schema), so
 * a serde asks the registry once per schema; latest, lookup, compatibility and config calls are
 * not cached because their answers change. An unknown id is a WireFormatException with
 * UNKNOWN_SCHEMA_ID (the serde dead-letters such a record); every other error response or an
 * unreachable registry is a RegistryException carrying the HTTP status and Confluent error_code.
 */
package dev.longhaul.schemas.wire;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

public final class RestSchemaRegistryClient implements SchemaRegistry {
    /** The media type of the Confluent REST API, for requests and answers. */
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private record SubjectSchema(String subject, String schema) {
    }

    private final URI base;
    private final Duration timeout;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    /** A client of the registry at {@code baseUrl} (e.g. http://localhost:8081) with a 30 s timeout per request. */
    public RestSchemaRegistryClient(URI baseUrl) {
        this(baseUrl, DEFAULT_TIMEOUT);
    }

    public RestSchemaRegistryClient(URI baseUrl, Duration timeout) {
        String text = baseUrl.toString();
        this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema.toString());
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + segment(subject) + "/versions", schemaBody(schema));
        int id = answer.path("id").asInt(-1);
        if (id < 0) {
            throw new RegistryException(200, 0, "the registry's answer to a registration carries no id: " + answer);
        }
        idsBySubjectSchema.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    @Override
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer;
        try {
            answer = send("GET", "/schemas/ids/" + id, null);
        } catch (RegistryException e) {
            // Only the registry's own "schema not found" dead-letters: a 404 without that code is
            // a wrong URL, an outage of sorts, and must not throw records away.
            if (e.errorCode() == RegistryException.SCHEMA_NOT_FOUND) {
                throw new WireFormatException(DeadLetterReason.UNKNOWN_SCHEMA_ID,
                        "schema id " + id + " is not known to the registry at " + base + ": " + e.getMessage(), e);
            }
            throw e;
        }
        String type = answer.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(type)) {
            throw new WireFormatException(DeadLetterReason.NOT_AVRO, "schema id " + id + " is a " + type + " schema, not Avro");
        }
        Schema schema;
        try {
            schema = parse(answer.path("schema").asText(), "schema id " + id);
        } catch (RegistryException e) {
            // a lasting property of the id (a schema reference this client does not resolve, say):
            // its records are dead-lettered, not retried for ever
            throw new WireFormatException(DeadLetterReason.INCOMPATIBLE_SCHEMA, e.getMessage(), e);
        }
        schemasById.putIfAbsent(id, schema);
        return schemasById.get(id);
    }

    /** The latest (non-deleted) version of {@code subject}; RegistryException 40401 when there is none. */
    public RegisteredSchema latest(String subject) {
        return registered(send("GET", "/subjects/" + segment(subject) + "/versions/latest", null));
    }

    /** The version of {@code subject} that holds {@code schema}, if any; registers nothing. */
    public Optional<RegisteredSchema> lookup(String subject, Schema schema) {
        try {
            return Optional.of(registered(send("POST", "/subjects/" + segment(subject), schemaBody(schema))));
        } catch (RegistryException e) {
            if (e.errorCode() == RegistryException.SUBJECT_NOT_FOUND || e.errorCode() == RegistryException.SCHEMA_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** All subjects with at least one live version. */
    public List<String> subjects() {
        List<String> subjects = new ArrayList<>();
        send("GET", "/subjects", null).forEach(s -> subjects.add(s.asText()));
        return subjects;
    }

    /**
     * Whether {@code schema} may be registered under {@code subject} under the subject's level,
     * checked against the latest version (all versions for TRANSITIVE levels). A subject without
     * versions accepts anything.
     */
    public CompatibilityCheck testCompatibility(String subject, Schema schema) {
        JsonNode answer;
        try {
            // no version: the versions the level covers (with /latest, Confluent checks that one alone)
            answer = send("POST", "/compatibility/subjects/" + segment(subject) + "/versions?verbose=true", schemaBody(schema));
        } catch (RegistryException e) {
            if (e.errorCode() == RegistryException.SUBJECT_NOT_FOUND || e.errorCode() == RegistryException.VERSION_NOT_FOUND) {
                return new CompatibilityCheck(true, List.of());
            }
            throw e;
        }
        List<String> messages = new ArrayList<>();
        answer.path("messages").forEach(m -> messages.add(m.asText()));
        return new CompatibilityCheck(answer.path("is_compatible").asBoolean(false), messages);
    }

    /** The registry-wide compatibility level. */
    public CompatibilityLevel globalCompatibility() {
        return level(send("GET", "/config", null));
    }

    public void setGlobalCompatibility(CompatibilityLevel level) {
        send("PUT", "/config", json.createObjectNode().put("compatibility", level.name()));
    }

    /** The level set on {@code subject} itself; empty when the subject follows the global level. */
    public Optional<CompatibilityLevel> subjectCompatibility(String subject) {
        try {
            return Optional.of(level(send("GET", "/config/" + segment(subject), null)));
        } catch (RegistryException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public void setSubjectCompatibility(String subject, CompatibilityLevel level) {
        send("PUT", "/config/" + segment(subject), json.createObjectNode().put("compatibility", level.name()));
    }

    private CompatibilityLevel level(JsonNode answer) {
        // Confluent answers GET with compatibilityLevel; some registries echo the PUT's field name.
        JsonNode level = answer.has("compatibilityLevel") ? answer.get("compatibilityLevel") : answer.path("compatibility");
        return CompatibilityLevel.parse(level.asText(null));
    }

    private RegisteredSchema registered(JsonNode answer) {
        String subject = answer.path("subject").asText();
        int id = answer.path("id").asInt();
        Schema schema = parse(answer.path("schema").asText(), "subject " + subject);
        schemasById.putIfAbsent(id, schema);
        return new RegisteredSchema(subject, answer.path("version").asInt(), id, schema);
    }

    private ObjectNode schemaBody(Schema schema) {
        // schemaType is left out: absent means AVRO, and older registries reject the field.
        return json.createObjectNode().put("schema", schema.toString());
    }

    private static Schema parse(String text, String what) {
        try {
            return new Schema.Parser().parse(text);
        } catch (org.apache.avro.AvroRuntimeException e) {
            // SchemaParseException, and AvroTypeException for an undefined named type (a schema
            // reference this client does not resolve) or a default that is not of its field's type
            throw new RegistryException(200, 0, "the registry returned an unparsable Avro schema for " + what + ": " + e.getMessage());
        }
    }

    /** One path segment, percent-encoded (subjects may hold any character, '/' included). */
    private static String segment(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Tries of one call whose failure may pass (no answer, 408, 429, 5xx), and the pause before each retry. */
    static final int TRIES = 3;
    private static final long[] PAUSE_MILLIS = {200, 800};

    /**
     * One call, tried again (TRIES in all, short pauses) when the registry did not answer or
     * answered that it could not now (408, 429, 5xx: a restart, a Kafka leader moving under its
     * log): a blip must not stop a pipeline whose cache happened to be cold. A DELETE is not
     * tried again (a repeat would answer 404 for what the first did); no 4xx is.
     */
    private JsonNode send(String method, String pathAndQuery, JsonNode body) {
        URI uri = URI.create(base + pathAndQuery);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", CONTENT_TYPE + ", application/json");
        int tries = method.equals("DELETE") ? 1 : TRIES;
        try {
            if (body == null) {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                request.header("Content-Type", CONTENT_TYPE)
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
            }
            for (int attempt = 1; ; attempt++) {
                HttpResponse<byte[]> response;
                try {
                    response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                } catch (IOException e) {
                    if (attempt >= tries) {
                        throw new RegistryException("cannot reach the schema registry at " + base + " (" + method + " "
                                + uri.getPath() + ", " + attempt + " tries): " + e, e);
                    }
                    Thread.sleep(PAUSE_MILLIS[attempt - 1]);
                    continue;
                }
                int status = response.statusCode();
                if (attempt < tries && (status == 408 || status == 429 || status / 100 == 5)) {
                    Thread.sleep(PAUSE_MILLIS[attempt - 1]);
                    continue;
                }
                return answer(method, uri, response);
            }
        } catch (IOException e) {
            throw new RegistryException("cannot write the request to the schema registry at " + base + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException("interrupted while calling the schema registry at " + base, e);
        }
    }

    private JsonNode answer(String method, URI uri, HttpResponse<byte[]> response) {
        int status = response.statusCode();
        JsonNode parsed;
        try {
            parsed = response.body().length == 0 ? json.nullNode() : json.readTree(response.body());
        } catch (IOException e) {
            parsed = null;
        }
        if (status / 100 == 2 && parsed != null) {
            return parsed;
        }
        if (parsed != null && parsed.has("error_code")) {
            throw new RegistryException(status, parsed.path("error_code").asInt(),
                    method + " " + uri.getPath() + ": " + parsed.path("message").asText("(no message)")
                            + " (HTTP " + status + ", error_code " + parsed.path("error_code").asInt() + ")");
        }
        String text = new String(response.body(), StandardCharsets.UTF_8);
        throw new RegistryException(status, 0, method + " " + uri.getPath() + ": HTTP " + status + ": "
                + (text.length() > 200 ? text.substring(0, 200) + "..." : text));
    }
}
