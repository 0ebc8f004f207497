/*
 * Test helper: plain HTTP calls to a registry, answering the status and parsed JSON body, so that
 * the tests see exactly what any client of the REST API sees (status codes, error_code fields).
 */
package dev.longhaul.ops.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;

final class RegistryHttp {
    static final ObjectMapper JSON = new ObjectMapper();

    record Answer(int status, JsonNode body) {
        int errorCode() {
            return body.path("error_code").asInt();
        }
    }

    private final URI base;
    private final HttpClient http = HttpClient.newHttpClient();

    RegistryHttp(URI base) {
        this.base = base;
    }

    Answer get(String path) {
        return send("GET", path, null);
    }

    Answer delete(String path) {
        return send("DELETE", path, null);
    }

    Answer post(String path, JsonNode body) {
        return send("POST", path, body);
    }

    Answer put(String path, JsonNode body) {
        return send("PUT", path, body);
    }

    static ObjectNode schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString());
    }

    static ObjectNode compatibility(String level) {
        return JSON.createObjectNode().put("compatibility", level);
    }

    Answer send(String method, String path, JsonNode body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(response.statusCode(), JSON.readTree(response.body()));
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
