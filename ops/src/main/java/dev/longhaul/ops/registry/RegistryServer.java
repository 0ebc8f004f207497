/*
 * A schema registry server speaking the Confluent Schema Registry REST API, for the embedded stack,
 * the tests and small deployments. Clients written for Confluent's registry (this project's
 * RestSchemaRegistryClient, kafkajs, the Confluent serdes) work against it unchanged.
 *
 * Contract: schemas live in a compacted single-partition Kafka topic (SchemaLog), so the registry
 * survives restarts and several instances may serve one topic: each materializes the whole topic,
 * and writes are serialized across instances by transactional fencing. Avro only; global ids are
 * shared across subjects for the same schema text; compatibility (default BACKWARD) is Avro's own.
 * Endpoints: GET /, /schemas/types, /subjects, /subjects/{s}/versions, /subjects/{s}/versions/{v}
 * (+/schema), /schemas/ids/{id} (+/schema, /subjects, /versions), /config, /config/{s};
 * POST /subjects/{s}/versions (register), /subjects/{s} (lookup),
 * /compatibility/subjects/{s}/versions[/{v}]; PUT and DELETE /config[/{s}];
 * DELETE /subjects/{s}[/versions/{v}] (soft). Errors are {"error_code": N, "message": ...}.
 */
package dev.longhaul.ops.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.longhaul.schemas.wire.RegistryException;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;

public final class RegistryServer implements AutoCloseable {
    /** Largest request body read (16 MiB): far above any schema a Kafka record can hold. */
    static final int MAX_BODY_BYTES = 16 << 20;
    /**
     * Most bytes of request bodies held at once, over all requests: requests run on virtual
     * threads, unbounded in number, so without it a few hundred bodies near MAX_BODY_BYTES sent
     * together (the registry asks no credentials) would take the heap. A body that would pass it
     * is answered 503, which clients retry.
     */
    static final int BODY_BUDGET_BYTES = 64 << 20;
    private final java.util.concurrent.Semaphore bodyBytes = new java.util.concurrent.Semaphore(BODY_BUDGET_BYTES);

    private static final ObjectMapper JSON = StoredRecord.JSON;

    /** One request, its path already split into decoded segments. */
    private record Call(String method, List<String> path, Map<String, String> query, JsonNode body) {
        boolean flag(String name) {
            return Boolean.parseBoolean(query.getOrDefault(name, "false"));
        }
    }

    private final RegistryConfig config;
    private final SchemaLog log;
    private final RegistryApi api;
    private final HttpServer http;
    private final ExecutorService executor;

    private RegistryServer(RegistryConfig config, SchemaLog log, RegistryApi api, HttpServer http, ExecutorService executor) {
        this.config = config;
        this.log = log;
        this.api = api;
        this.http = http;
        this.executor = executor;
    }

    /** Opens the schemas topic, reads it to its end, then listens; the server is ready on return. */
    public static RegistryServer start(RegistryConfig config) {
        SchemaView view = new SchemaView();
        SchemaLog log = SchemaLog.open(config, view);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 64);
        } catch (IOException e) {
            log.close();
            executor.close();
            throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        RegistryServer server = new RegistryServer(config, log, new RegistryApi(view, log), http, executor);
        http.createContext("/", server::handle);
        http.setExecutor(executor);
        http.start();
        return server;
    }

    /** The port listened on (the one picked when the config asked for 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** The base URL clients use, on localhost. */
    public URI url() {
        return URI.create("http://localhost:" + port());
    }

    /** Transactional producers its writes made so far (tests: what is answered from the view makes none). */
    int producersMade() {
        return log.producersMade();
    }

    public RegistryConfig config() {
        return config;
    }

    private void handle(HttpExchange exchange) throws IOException {
        int status = 200;
        JsonNode answer;
        int[] held = {0}; // bytes of bodyBytes this request's body holds
        try {
            Call call = parse(exchange, held);
            if (!idLookup(call)) {
                log.checkReading();
            }
            answer = route(call);
        } catch (RegistryException e) {
            status = e.status() == 0 ? 500 : e.status();
            answer = error(e.errorCode() == 0 ? status : e.errorCode(), e.getMessage());
        } catch (RuntimeException e) {
            status = 500;
            answer = error(500, "internal error: " + e);
        } finally {
            bodyBytes.release(held[0]);
        }
        byte[] bytes = JSON.writeValueAsBytes(answer);
        exchange.getResponseHeaders().set("Content-Type", RestSchemaRegistryClient.CONTENT_TYPE);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /**
     * Whether the call reads a schema by id (GET /schemas/ids/{id}, or its /schema): an id never
     * changes what it names, so the view answers it even once the schemas topic can no longer be
     * read (SchemaLog.checkReading), and records already written still decode while an operator
     * sees to the topic. Not the id's subjects or versions: those lists change.
     */
    private static boolean idLookup(Call call) {
        List<String> path = call.path();
        return call.method().equals("GET") && path.size() >= 3 && path.get(0).equals("schemas") && path.get(1).equals("ids")
                && (path.size() == 3 || path.size() == 4 && path.get(3).equals("schema"));
    }

    private JsonNode route(Call call) {
        List<String> p = call.path();
        String m = call.method();
        String head = p.isEmpty() ? "" : p.getFirst();
        return switch (head) {
            case "" -> only(m, "GET", () -> JSON.createObjectNode());
            case "subjects" -> subjects(call);
            case "schemas" -> schemas(call);
            case "compatibility" -> {
                if ((p.size() == 4 || p.size() == 5) && p.get(1).equals("subjects") && p.get(3).equals("versions")) {
                    String version = p.size() == 5 ? p.get(4) : null;
                    yield only(m, "POST", () -> api.testCompatibility(p.get(2), version, call.body(), call.flag("verbose")));
                }
                throw notFound();
            }
            case "config" -> config(call);
            default -> throw notFound();
        };
    }

    private JsonNode subjects(Call call) {
        List<String> p = call.path();
        String m = call.method();
        boolean deleted = call.flag("deleted");
        if (p.size() == 1) {
            return only(m, "GET", () -> api.subjects(deleted));
        }
        String subject = p.get(1);
        if (p.size() == 2) {
            return switch (m) {
                case "POST" -> api.lookup(subject, call.body(), deleted);
                case "DELETE" -> call.flag("permanent") ? api.deleteSubjectPermanently(subject) : api.deleteSubject(subject);
                default -> throw notAllowed(m);
            };
        }
        if (!p.get(2).equals("versions")) {
            throw notFound();
        }
        if (p.size() == 3) {
            return switch (m) {
                case "GET" -> api.versions(subject, deleted);
                case "POST" -> api.register(subject, call.body());
                default -> throw notAllowed(m);
            };
        }
        String version = p.get(3);
        if (p.size() == 4) {
            return switch (m) {
                case "GET" -> api.describe(api.version(subject, version, deleted));
                case "DELETE" -> JSON.getNodeFactory().numberNode(call.flag("permanent")
                        ? api.deleteVersionPermanently(subject, version) : api.deleteVersion(subject, version));
                default -> throw notAllowed(m);
            };
        }
        if (p.size() == 5 && p.get(4).equals("schema")) {
            return only(m, "GET", () -> schemaJson(api.version(subject, version, deleted).schema()));
        }
        throw notFound();
    }

    private JsonNode schemas(Call call) {
        List<String> p = call.path();
        String m = call.method();
        if (p.size() == 2 && p.get(1).equals("types")) {
            return only(m, "GET", () -> JSON.createArrayNode().add("AVRO"));
        }
        if (p.size() < 3 || p.size() > 4 || !p.get(1).equals("ids")) {
            throw notFound();
        }
        int id;
        try {
            id = Integer.parseInt(p.get(2));
        } catch (NumberFormatException e) {
            throw new RegistryException(404, RegistryException.SCHEMA_NOT_FOUND, "Schema " + p.get(2) + " not found");
        }
        String what = p.size() == 3 ? "" : p.get(3);
        boolean deleted = call.flag("deleted");
        return switch (what) {
            case "" -> only(m, "GET", () -> JSON.createObjectNode().put("schema", api.schemaById(id)));
            case "schema" -> only(m, "GET", () -> schemaJson(api.schemaById(id)));
            case "subjects" -> only(m, "GET", () -> {
                ArrayNode subjects = JSON.createArrayNode();
                api.usages(id, deleted).stream().map(SchemaVersion::subject).distinct().forEach(subjects::add);
                return subjects;
            });
            case "versions" -> only(m, "GET", () -> {
                ArrayNode versions = JSON.createArrayNode();
                api.usages(id, deleted).forEach(v -> versions.addObject().put("subject", v.subject()).put("version", v.version()));
                return versions;
            });
            default -> throw notFound();
        };
    }

    private JsonNode config(Call call) {
        List<String> p = call.path();
        if (p.size() > 2) {
            throw notFound();
        }
        String subject = p.size() == 2 ? p.get(1) : null;
        return switch (call.method()) {
            case "GET" -> subject == null ? api.globalLevel() : api.subjectLevel(subject, call.flag("defaultToGlobal"));
            case "PUT" -> api.setLevel(subject, call.body());
            case "DELETE" -> api.deleteLevel(subject);
            default -> throw notAllowed(call.method());
        };
    }

    private static JsonNode only(String method, String allowed, Supplier<JsonNode> action) {
        if (!method.equals(allowed)) {
            throw notAllowed(method);
        }
        return action.get();
    }

    /** A raw schema endpoint answers the schema itself as JSON, not a string holding it. */
    private static JsonNode schemaJson(String schema) {
        try {
            return JSON.readTree(schema);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored schema is not JSON: " + e.getMessage(), e);
        }
    }

    private Call parse(HttpExchange exchange, int[] held) throws IOException {
        URI uri = exchange.getRequestURI();
        List<String> path = new ArrayList<>();
        for (String segment : uri.getRawPath().split("/")) {
            if (!segment.isEmpty()) {
                // '+' is literal in a path; only %XX escapes are decoded (a subject may hold '/').
                path.add(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        Map<String, String> query = new HashMap<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                String name = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "true" : pair.substring(eq + 1);
                query.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
            }
        }
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = readBody(in, held);
        }
        JsonNode body;
        try {
            body = bytes.length == 0 ? JSON.createObjectNode() : JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new RegistryException(400, 400, "The request body is not JSON: " + e.getOriginalMessage());
        }
        return new Call(exchange.getRequestMethod().toUpperCase(Locale.ROOT), path, query, body);
    }

    /**
     * The body, read a chunk at a time within MAX_BODY_BYTES (a schema is stored as one Kafka
     * record, 1 MiB by default: a body far past that is refused before it is read whole) and within
     * what bodyBytes has left; held counts the bytes taken from it, which the caller gives back.
     */
    private byte[] readBody(InputStream in, int[] held) throws IOException {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        byte[] chunk = new byte[64 << 10];
        for (int n; (n = in.readNBytes(chunk, 0, chunk.length)) > 0; ) {
            if (body.size() + n > MAX_BODY_BYTES) {
                throw new RegistryException(413, 413, "The request body is larger than " + MAX_BODY_BYTES + " bytes");
            }
            if (!bodyBytes.tryAcquire(n)) {
                throw new RegistryException(503, 503, "The registry holds as many request bodies as it reads at once ("
                        + BODY_BUDGET_BYTES + " bytes); retry shortly");
            }
            held[0] += n;
            body.write(chunk, 0, n);
        }
        return body.toByteArray();
    }

    private static JsonNode error(int code, String message) {
        return JSON.createObjectNode().put("error_code", code).put("message", message);
    }

    private static RegistryException notFound() {
        return new RegistryException(404, 404, "HTTP 404 Not Found");
    }

    private static RegistryException notAllowed(String method) {
        return new RegistryException(405, 405, "HTTP 405 Method Not Allowed: " + method);
    }

    /** Stops listening, then stops reading the topic; what was written stays in Kafka. */
    @Override
    public void close() {
        http.stop(0);
        executor.close();
        log.close();
    }
}
