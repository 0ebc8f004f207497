/*
 * The dashboard's HTTP side on the JDK's HttpServer (no extra server to ship; one request thread
 * each, virtual, so long-lived event streams cost nothing):
 *   GET  /                      the page (index.html, dashboard.js, dashboard.css from resources)
 *   GET  /api/stream            server-sent events, one ThroughputSnapshot per push
 *   GET  /api/throughput        the latest ThroughputSnapshot as JSON
 *   GET  /api/jobs              the job table (JSON array, most recently updated first)
 *   GET  /api/jobs/{id}         one job's latest status (the Streams store when available), 404 if none
 *   POST /api/jobs/{id}/cancel  writes a Control CANCEL; 202 once the broker has it
 *   POST /api/jobs/{id}/pause, /resume, /priority?value=N
 *                               writes a PAUSE, RESUME or SET_PRIORITY (a queued job's); 202 likewise;
 *                               a job whose latest status is final: 409, nothing written
 *   GET  /metrics               Prometheus text exposition
 * Everything but the page's static files requires `Authorization: Bearer TOKEN` (BearerToken) and
 * answers 401 without it; /metrics too, since job counts and worker names are not public, no more
 * than the job table (Prometheus sends the token with `authorization: {credentials: ...}` in its
 * scrape config).
 * No endpoint serves document text: the API reads statuses, heartbeats and result usage only.
 * Errors answer JSON {"error": message}: 400 for a bad job id or a priority that is not a number,
 * 401, 404, 405 for a wrong method, 409 for a command about a job already final.
 */
package dev.longhaul.ops.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.longhaul.ops.http.BearerToken;

final class DashboardServer implements AutoCloseable {
    private static final Map<String, String> STATIC = Map.of(
            "/", "index.html",
            "/index.html", "index.html",
            "/dashboard.js", "dashboard.js",
            "/dashboard.css", "dashboard.css");
    private static final String RESOURCES = "/dev/longhaul/ops/dashboard/static/";

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final DashboardApi api;
    private final EventStream events;
    private final ObjectMapper json;
    private final BearerToken token;

    DashboardServer(DashboardConfig config, BearerToken token, DashboardApi api, EventStream events, ObjectMapper json) {
        this.token = token;
        this.api = api;
        this.events = events;
        this.json = json;
        try {
            server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + config.host() + ":" + config.port(), e);
        }
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    URI url() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().isAnyLocalAddress() ? "localhost" : a.getHostString();
        return URI.create("http://" + host + ":" + a.getPort() + "/");
    }

    private void handle(HttpExchange ex) throws IOException {
        // The catch blocks answer on the exchange, so it is closed after them, not by a
        // try-with-resources (which would close it before they run).
        try {
            route(ex);
        } catch (IllegalArgumentException e) {
            send(ex, 400, Map.of("error", String.valueOf(e.getMessage())));
        } catch (RuntimeException e) {
            send(ex, 500, Map.of("error", String.valueOf(e.getMessage())));
        } finally {
            ex.close();
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        // a job id between the two, not empty: /api/jobs/cancel names the job "cancel"
        String command = command(path);
        String expected = command != null ? "POST" : "GET";
        if (!STATIC.containsKey(path) && !token.admits(ex.getRequestHeaders().getFirst("Authorization"))) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"longhaul\"");
            send(ex, 401, Map.of("error", "this endpoint needs the dashboard's bearer token"));
        } else if (!ex.getRequestMethod().equals(expected)) {
            send(ex, 405, Map.of("error", "use " + expected + " for " + path));
        } else if (STATIC.containsKey(path)) {
            serveResource(ex, STATIC.get(path));
        } else if (path.equals("/api/stream")) {
            events.serve(ex);
        } else if (path.equals("/api/throughput")) {
            send(ex, 200, api.snapshot());
        } else if (path.equals("/api/jobs")) {
            send(ex, 200, api.snapshot().jobs());
        } else if (command != null) {
            String id = path.substring("/api/jobs/".length(), path.length() - command.length() - 1);
            var known = api.job(id);
            if (known.isPresent() && known.get().isFinal()) {
                send(ex, 409, Map.of("error", "job " + id + " is already " + known.get().state() + "; " + command
                        + " would change nothing, and was not sent", "state", known.get().state()));
                return;
            }
            switch (command) {
                case "cancel" -> {
                    api.cancel(id);
                    send(ex, 202, Map.of("jobId", id, "cancelRequested", true));
                }
                case "pause", "resume" -> {
                    api.pause(id, command.equals("pause"));
                    send(ex, 202, Map.of("jobId", id, command + "Requested", true));
                }
                default -> {
                    int priority = priority(ex.getRequestURI().getRawQuery());
                    api.setPriority(id, priority);
                    send(ex, 202, Map.of("jobId", id, "priorityRequested", priority));
                }
            }
        } else if (path.startsWith("/api/jobs/")) {
            String id = path.substring("/api/jobs/".length());
            var job = api.job(id);
            if (job.isPresent()) {
                send(ex, 200, job.get());
            } else {
                send(ex, 404, Map.of("error", "no status for job " + id));
            }
        } else if (path.equals("/metrics")) {
            sendText(ex, 200, "text/plain; version=0.0.4; charset=utf-8", api.scrape());
        } else {
            send(ex, 404, Map.of("error", "not found: " + path));
        }
    }

    private static final java.util.List<String> COMMANDS = java.util.List.of("cancel", "pause", "resume", "priority");

    /** The command a path names (/api/jobs/{id}/{command}, the id not empty), or null. */
    private static String command(String path) {
        for (String c : COMMANDS) {
            if (path.startsWith("/api/jobs/") && path.endsWith("/" + c) && path.length() > "/api/jobs//".length() + c.length()) {
                return c;
            }
        }
        return null;
    }

    /** The priority of "value=N" (IllegalArgumentException, a 400, without one). */
    private static int priority(String query) {
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith("value=")) {
                    try {
                        return Integer.parseInt(pair.substring("value=".length()));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("priority value must be an integer: " + pair.substring("value=".length()));
                    }
                }
            }
        }
        throw new IllegalArgumentException("a priority change needs ?value=N");
    }

    private void serveResource(HttpExchange ex, String name) throws IOException {
        try (InputStream in = DashboardServer.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                send(ex, 404, Map.of("error", "missing resource " + name));
                return;
            }
            String type = name.endsWith(".js") ? "text/javascript" : name.endsWith(".css") ? "text/css" : "text/html";
            sendText(ex, 200, type + "; charset=utf-8", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private void send(HttpExchange ex, int status, Object body) throws IOException {
        sendText(ex, status, "application/json; charset=utf-8", json.writeValueAsString(body));
    }

    private static void sendText(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            ex.getResponseBody().write(bytes);
        }
    }

    @Override
    public void close() {
        events.close();
        server.stop(0);
        threads.shutdownNow();
    }
}
