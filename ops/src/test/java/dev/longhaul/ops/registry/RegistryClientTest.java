/*
 * RestSchemaRegistryClient against RegistryServer on a real broker: the AvroSerde round trip
 * through the network registry, the client's extra calls (latest, lookup, compatibility, config),
 * its errors, and the registry surviving a restart on the same topic with the same ids.
 */
package dev.longhaul.ops.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.ControlAction;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.wire.AvroSerde;
import dev.longhaul.schemas.wire.CompatibilityCheck;
import dev.longhaul.schemas.wire.CompatibilityLevel;
import dev.longhaul.schemas.wire.DeadLetterReason;
import dev.longhaul.schemas.wire.RegisteredSchema;
import dev.longhaul.schemas.wire.RegistryException;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;
import dev.longhaul.schemas.wire.WireFormatException;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class RegistryClientTest {
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    private static RegistryConfig config(TestInfo test) {
        return RegistryConfig.defaults(kafka.bootstrapServers())
                .withTopic("_schemas-" + test.getTestMethod().orElseThrow().getName())
                .withListener("localhost", 0);
    }

    @Test
    void aRecordRoundTripsThroughTheSerdeWithTheNetworkRegistry(TestInfo test) {
        try (RegistryServer server = RegistryServer.start(config(test))) {
            RestSchemaRegistryClient producerSide = new RestSchemaRegistryClient(server.url());
            RestSchemaRegistryClient consumerSide = new RestSchemaRegistryClient(server.url());
            JobRequest job = RegistrySchemas.jobRequest("job-7");

            byte[] bytes = AvroSerde.forValues(JobRequest.class, producerSide).serialize("jobs", job);
            int id = AvroSerde.schemaId(bytes);
            assertEquals(job, AvroSerde.forValues(JobRequest.class, consumerSide).deserialize("jobs", bytes));
            assertEquals(JobRequest.getClassSchema(), consumerSide.schemaById(id));
            RegisteredSchema latest = consumerSide.latest("jobs-value");
            assertEquals(new RegisteredSchema("jobs-value", 1, id, JobRequest.getClassSchema()), latest);
            assertEquals(Optional.of(latest), consumerSide.lookup("jobs-value", JobRequest.getClassSchema()));
            assertEquals(Optional.empty(), consumerSide.lookup("jobs-value", Control.getClassSchema()));
            assertTrue(consumerSide.subjects().contains("jobs-value"));
        }
    }

    @Test
    void anUnknownIdIsADeadLetterReasonAndAnOutageIsNot(TestInfo test) {
        try (RegistryServer server = RegistryServer.start(config(test))) {
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(server.url());
            byte[] bytes = ByteBuffer.allocate(6).put((byte) 0).putInt(4711).put((byte) 2).array();
            WireFormatException unknown = assertThrows(WireFormatException.class,
                    () -> AvroSerde.forValues(JobRequest.class, client).deserialize("jobs", bytes));
            assertEquals(DeadLetterReason.UNKNOWN_SCHEMA_ID, unknown.reason());
        }
        RestSchemaRegistryClient nobodyThere = new RestSchemaRegistryClient(URI.create("http://localhost:9"));
        RegistryException outage = assertThrows(RegistryException.class, () -> nobodyThere.schemaById(1));
        assertEquals(0, outage.status());
    }

    @Test
    void anIdWhoseSchemaThisAvroCannotParseIsADeadLetterReason() throws Exception {
        // a registry answering with a schema that references a type it does not define (as schema
        // references do): a lasting property of the id, so its records are dead-lettered
        com.sun.net.httpserver.HttpServer http = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("localhost", 0), 0);
        http.createContext("/schemas/ids/5", ex -> {
            byte[] body = ("{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Summary\\\",\\\"fields\\\":"
                    + "[{\\\"name\\\":\\\"usage\\\",\\\"type\\\":\\\"dev.longhaul.schemas.Usage\\\"}]}\"}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
        try {
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(URI.create("http://localhost:" + http.getAddress().getPort()));
            WireFormatException e = assertThrows(WireFormatException.class, () -> client.schemaById(5));
            assertEquals(DeadLetterReason.INCOMPATIBLE_SCHEMA, e.reason(), e.getMessage());
        } finally {
            http.stop(0);
        }
    }

    @Test
    void aRegistryThatCannotAnswerNowIsAskedAgainAndOneThatRefusesIsNot() throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger missing = new java.util.concurrent.atomic.AtomicInteger();
        com.sun.net.httpserver.HttpServer http = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("localhost", 0), 0);
        http.createContext("/schemas/ids/", ex -> {
            boolean known = ex.getRequestURI().getPath().endsWith("/7");
            int n = known ? calls.incrementAndGet() : missing.incrementAndGet();
            String json = !known ? "{\"error_code\":40403,\"message\":\"Schema not found\"}"
                    : n < 3 ? "{\"error_code\":50001,\"message\":\"Error in the backend datastore\"}"
                    : "{\"schema\":" + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(JobRequest.getClassSchema().toString()) + "}";
            byte[] body = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(!known ? 404 : n < 3 ? 500 : 200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
        try {
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(URI.create("http://localhost:" + http.getAddress().getPort()));
            // a store error twice (a log's leader moving), then the answer: the call succeeds
            assertEquals(JobRequest.getClassSchema(), client.schemaById(7));
            assertEquals(3, calls.get());
            // "not found" is an answer, asked once
            assertEquals(DeadLetterReason.UNKNOWN_SCHEMA_ID,
                    assertThrows(WireFormatException.class, () -> client.schemaById(8)).reason());
            assertEquals(1, missing.get());
        } finally {
            http.stop(0);
        }
    }

    @Test
    void bodiesPastWhatTheRegistryHoldsAtOnceAreAnswered503UntilTheOthersAreDone(TestInfo test) throws Exception {
        try (RegistryServer server = RegistryServer.start(config(test))) {
            URI url = server.url();
            byte[] schema = "{\"schema\": \"\\\"string\\\"\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(200, status(url, schema), "a schema registers");
            // bodies of MAX_BODY_BYTES each, one byte short of their Content-Length: the registry
            // holds each as it reads it, waiting for the last byte, until the budget is full
            java.util.List<java.net.Socket> holders = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < RegistryServer.BODY_BUDGET_BYTES / RegistryServer.MAX_BODY_BYTES; i++) {
                    java.net.Socket socket = new java.net.Socket(url.getHost(), url.getPort());
                    holders.add(socket);
                    socket.getOutputStream().write(("POST /subjects/y-value/versions HTTP/1.1\r\nHost: registry\r\n"
                            + "Content-Type: application/json\r\nContent-Length: " + (RegistryServer.MAX_BODY_BYTES + 1)
                            + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    socket.getOutputStream().write(new byte[RegistryServer.MAX_BODY_BYTES]);
                    socket.getOutputStream().flush();
                }
                long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
                int answered;
                do {
                    answered = status(url, schema);
                } while (answered != 503 && System.nanoTime() < end);
                assertEquals(503, answered, "a body past the budget, while the others are read");
            } finally {
                for (java.net.Socket socket : holders) {
                    socket.close();
                }
            }
            // the bodies given up gave their bytes back
            long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            int answered;
            do {
                answered = status(url, schema);
            } while (answered == 503 && System.nanoTime() < end);
            assertEquals(200, answered);
        }
    }

    /** The status of a POST of `body` to x-value's versions, over a connection of its own. */
    private static int status(URI url, byte[] body) throws java.io.IOException {
        try (java.net.Socket socket = new java.net.Socket(url.getHost(), url.getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("POST /subjects/x-value/versions HTTP/1.1\r\nHost: registry\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(line.split(" ")[1]);
        }
    }

    @Test
    void aRequestBodyLargerThanAnySchemaIsRefusedNotRead(TestInfo test) throws Exception {
        try (RegistryServer server = RegistryServer.start(config(test))) {
            byte[] big = new byte[RegistryServer.MAX_BODY_BYTES + 1024];
            java.util.Arrays.fill(big, (byte) ' ');
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(URI.create(server.url() + "/subjects/x-value/versions"))
                            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(big)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(413, r.statusCode(), r.body());
        }
    }

    @Test
    void compatibilityAndConfigThroughTheClient(TestInfo test) {
        try (RegistryServer server = RegistryServer.start(config(test))) {
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(server.url());
            Schema noDefault = RegistrySchemas.jobRequestWithExtraField(false);
            Schema withDefault = RegistrySchemas.jobRequestWithExtraField(true);
            assertTrue(client.testCompatibility("jobs-value", noDefault).compatible(), "an empty subject accepts anything");

            client.register("jobs-value", JobRequest.getClassSchema());
            CompatibilityCheck refused = client.testCompatibility("jobs-value", noDefault);
            assertFalse(refused.compatible());
            assertFalse(refused.messages().isEmpty());
            RegistryException conflict = assertThrows(RegistryException.class, () -> client.register("jobs-value", noDefault));
            assertEquals(409, conflict.status());
            assertEquals(RegistryException.INCOMPATIBLE, conflict.errorCode());
            assertTrue(client.testCompatibility("jobs-value", withDefault).compatible());

            assertEquals(CompatibilityLevel.BACKWARD, client.globalCompatibility());
            assertEquals(Optional.empty(), client.subjectCompatibility("jobs-value"));
            client.setSubjectCompatibility("jobs-value", CompatibilityLevel.NONE);
            assertEquals(Optional.of(CompatibilityLevel.NONE), client.subjectCompatibility("jobs-value"));
            assertTrue(client.testCompatibility("jobs-value", noDefault).compatible());
            client.setGlobalCompatibility(CompatibilityLevel.FULL);
            assertEquals(CompatibilityLevel.FULL, client.globalCompatibility());
        }
    }

    @Test
    void aRestartedRegistryKeepsEveryIdAndHandsOutNewOnes(TestInfo test) {
        RegistryConfig config = config(test);
        int jobsId;
        int controlId;
        byte[] written;
        try (RegistryServer first = RegistryServer.start(config)) {
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(first.url());
            written = AvroSerde.forValues(JobRequest.class, client).serialize("jobs", RegistrySchemas.jobRequest("job-1"));
            jobsId = AvroSerde.schemaId(written);
            controlId = client.register("control-value", Control.getClassSchema());
            client.setSubjectCompatibility("control-value", CompatibilityLevel.FORWARD);
            client.register("jobs-value", RegistrySchemas.jobRequestWithExtraField(true));
        }
        try (RegistryServer second = RegistryServer.start(config)) {
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(second.url());
            assertEquals(RegistrySchemas.jobRequest("job-1"), AvroSerde.forValues(JobRequest.class, client).deserialize("jobs", written));
            assertEquals(jobsId, client.register("jobs-value", JobRequest.getClassSchema()));
            assertEquals(controlId, client.register("control-copy-value", Control.getClassSchema()));
            assertEquals(2, client.latest("jobs-value").version());
            assertEquals(Optional.of(CompatibilityLevel.FORWARD), client.subjectCompatibility("control-value"));

            int fresh = client.register("probe-value", RegistrySchemas.probe(1));
            assertEquals(4, fresh, "ids continue after the three handed out before the restart");
            assertNotEquals(jobsId, fresh);
            byte[] again = AvroSerde.forValues(Control.class, client).serialize("control", Control.newBuilder()
                    .setJobId("job-1").setAction(ControlAction.CANCEL).setRequestedAt(Instant.ofEpochMilli(5)).build());
            assertArrayEquals(ByteBuffer.allocate(4).putInt(controlId).array(), Arrays.copyOfRange(again, 1, 5));
        }
    }
}
