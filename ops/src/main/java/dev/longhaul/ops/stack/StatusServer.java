/*
 * The status table over HTTP, across pipeline instances: GET /jobs/{id} answers a job's latest
 * status as JSON (the dashboard's JobRow, as its /api/jobs/{id} answers) from the Streams store of the instance that hosts the job's status partition.
 * Each instance runs one, at the address it gives Streams as application.server; an instance that
 * does not host the partition forwards the request there once (a forwarded request carries
 * X-Longhaul-Forwarded and is never forwarded again), with the caller's Authorization, within
 * FORWARD_TIMEOUT. Answers: 200 with the status, 404 for a job no instance has a status of, 503
 * (Retry-After) while the partition has no active host or its store is restoring, or the owner did
 * not answer; 400 for an id that is not a job id, 401 without the bearer token (instances that
 * forward to each other share it), 405 for other methods. Thread-safe.
 */
package dev.longhaul.ops.stack;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.longhaul.ingest.JobIds;
import dev.longhaul.ops.http.BearerToken;
import dev.longhaul.ops.dashboard.ThroughputSnapshot;
import dev.longhaul.pipeline.status.JobStatusQuery;
import org.apache.kafka.streams.state.HostInfo;

public final class StatusServer implements AutoCloseable {
    static final String FORWARDED = "X-Longhaul-Forwarded";
    static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(5);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(FORWARD_TIMEOUT).build();
    private final HostInfo self;
    private final BearerToken token;
    private final AtomicLong forwarded = new AtomicLong();
    private volatile JobStatusQuery query; // set once the streams exist (they need this server's address first)

    /** Listens on host:port (0: any free port), which is also the address others reach it at; 503 until attach(). */
    public StatusServer(String host, int port, BearerToken token) throws IOException {
        this(host, host, port, token);
    }

    /**
     * Listens on bind:port (0.0.0.0 for every interface) and is reached by the other instances at
     * advertised:port, which must name this machine as they see it (never 0.0.0.0).
     */
    public StatusServer(String bind, String advertisedHost, int port, BearerToken token) throws IOException {
        // an IPv6 literal is kept without its brackets, as Kafka gives hosts back from application.server
        String advertised = advertisedHost.startsWith("[") && advertisedHost.endsWith("]")
                ? advertisedHost.substring(1, advertisedHost.length() - 1) : advertisedHost;
        if (advertised.equals("0.0.0.0") || advertised.equals("::")) {
            throw new IllegalArgumentException("the status endpoint's advertised host must be an address other instances can "
                    + "reach, not " + advertised + " (bind to every interface, and advertise this machine's name)");
        }
        this.server = HttpServer.create(new InetSocketAddress(bind, port), 0);
        this.self = new HostInfo(advertised, server.getAddress().getPort());
        this.token = token;
        server.setExecutor(threads);
        server.createContext("/jobs/", this::handle);
        server.start();
    }

    /** This server's address: what the streams must be given as application.server. */
    public HostInfo self() {
        return self;
    }

    /** application.server's value: host:port ([host]:port for an IPv6 literal). */
    public String applicationServer() {
        return uriHost(self.host()) + ":" + self.port();
    }

    private static String uriHost(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    public void attach(JobStatusQuery query) {
        this.query = query;
    }

    /** Requests forwarded to another instance so far. */
    public long forwarded() {
        return forwarded.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET")) {
                send(ex, 405, error("use GET"));
                return;
            }
            String authorization = ex.getRequestHeaders().getFirst("Authorization");
            if (!token.admits(authorization)) {
                send(ex, 401, error("send Authorization: Bearer TOKEN"));
                return;
            }
            String jobId = ex.getRequestURI().getPath().substring("/jobs/".length());
            try {
                JobIds.requireValid(jobId);
            } catch (IllegalArgumentException e) {
                send(ex, 400, error(e.getMessage()));
                return;
            }
            JobStatusQuery q = query;
            JobStatusQuery.Lookup found = q == null ? new JobStatusQuery.Lookup.Unavailable("starting") : q.lookup(jobId, self);
            switch (found) {
                case JobStatusQuery.Lookup.Found f -> send(ex, 200, JSON.valueToTree(ThroughputSnapshot.JobRow.of(f.status())));
                case JobStatusQuery.Lookup.Missing m -> send(ex, 404, error("no status of job " + jobId));
                case JobStatusQuery.Lookup.Unavailable u -> unavailable(ex, u.why());
                case JobStatusQuery.Lookup.Elsewhere e -> {
                    if (ex.getRequestHeaders().containsKey(FORWARDED)) {
                        unavailable(ex, "forwarded here, but " + e.host() + " hosts it now (rebalancing)");
                    } else {
                        forward(ex, e.host(), jobId, authorization);
                    }
                }
            }
        }
    }

    private void forward(HttpExchange ex, HostInfo owner, String jobId, String authorization) throws IOException {
        forwarded.incrementAndGet();
        CompletableFuture<HttpResponse<byte[]>> sent = null;
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + uriHost(owner.host()) + ":" + owner.port() + "/jobs/" + jobId))
                    .timeout(FORWARD_TIMEOUT).header(FORWARDED, applicationServer()).header("Authorization", authorization).GET().build();
            sent = http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
            // the request's timeout covers the headers only: an owner that stalls in its body
            // would hold this thread and connection for ever
            HttpResponse<byte[]> answer = sent.get(2 * FORWARD_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            answer.headers().firstValue("Retry-After").ifPresent(v -> ex.getResponseHeaders().set("Retry-After", v));
            ex.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(answer.body());
            }
        } catch (ExecutionException | java.util.concurrent.TimeoutException | IllegalArgumentException e) {
            Throwable why = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            unavailable(ex, owner + " hosts job " + jobId + " but did not answer: " + why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unavailable(ex, "interrupted");
        } finally {
            if (sent != null) {
                sent.cancel(true); // a no-op once answered; else the exchange given up on is dropped
            }
        }
    }

    private static ObjectNode error(String message) {
        ObjectNode node = JSON.createObjectNode();
        node.putObject("error").put("message", message);
        return node;
    }

    private static void unavailable(HttpExchange ex, String why) throws IOException {
        ex.getResponseHeaders().set("Retry-After", "1");
        send(ex, 503, error(why));
    }

    private static void send(HttpExchange ex, int status, ObjectNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
        http.close();
    }
}
