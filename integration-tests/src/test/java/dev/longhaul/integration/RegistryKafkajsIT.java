/*
 * Interop of the Longhaul registry and wire format with an independent client: kafkajs's Confluent
 * Schema Registry client (Node, avsc underneath) and the Java side (RestSchemaRegistryClient and
 * AvroSerde) share one RegistryServer on a real broker. They must agree on ids (the same schema
 * gets one global id whichever side registers it first, in whichever subject) and on bytes (the
 * same record encodes to the same bytes on both sides, and each side decodes the other's).
 *
 * Needs node and npm on PATH and @kafkajs/confluent-schema-registry 4.1.0 from npm's registry or
 * its cache; without them the test is skipped, saying why (a CI machine may have only a JDK).
 * The script is copied to target/registry-interop and installed there, never into src.
 */
package dev.longhaul.integration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.ops.registry.RegistryConfig;
import dev.longhaul.ops.registry.RegistryServer;
import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.ControlAction;
import dev.longhaul.schemas.DocumentDescriptor;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.wire.AvroSerde;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RegistryKafkajsIT {
    private static final Path SCRIPT_SOURCE = Path.of("src", "test", "node", "registry-interop");
    private static final Path SCRIPT_DIR = Path.of("target", "registry-interop");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    private record Run(int status, String out, String err) {
    }

    /** Skips the class, with the reason, unless node and npm run and the package installs. */
    @BeforeAll
    static void installTheNodeClient() throws IOException, InterruptedException {
        for (String tool : List.of("node", "npm")) {
            Run version = runQuietly(Path.of("."), 60, tool, "--version");
            Assumptions.assumeTrue(version != null && version.status() == 0,
                    "skipped: `" + tool + " --version` does not run; install Node.js 18+ with npm to check registry interop with kafkajs");
        }
        Files.createDirectories(SCRIPT_DIR);
        for (String file : List.of("package.json", "package-lock.json", "interop.js")) {
            Files.copy(SCRIPT_SOURCE.resolve(file), SCRIPT_DIR.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        // --prefer-offline: a warm npm cache is enough, so the check also runs without a network.
        Run install = runQuietly(SCRIPT_DIR, 300, "npm", "ci", "--prefer-offline", "--no-audit", "--no-fund");
        Assumptions.assumeTrue(install != null && install.status() == 0,
                "skipped: npm could not install @kafkajs/confluent-schema-registry 4.1.0 (no network and no npm cache?): "
                        + (install == null ? "npm did not finish" : tail(install.err())));
    }

    static JobRequest job() {
        // The same record interop.js writes as JOB, built independently here.
        return JobRequest.newBuilder()
                .setJobId("job-interop")
                .setTenant("acme")
                .setKind(DocumentKind.CONTRACT)
                .setTasks(List.of(Task.newBuilder().setType(TaskType.EXTRACT).setFields(List.of("parties", "term")).build()))
                .setPriority(3)
                .setDeadline(Instant.ofEpochMilli(1_767_229_200_123L))
                .setDocument(DocumentDescriptor.newBuilder().setChunkCount(2).setBytes(600_000L)
                        .setSha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
                        .setMediaType("application/pdf").build())
                .setMetadata(Map.of("file", "msa.pdf"))
                .setSubmittedAt(Instant.ofEpochMilli(1_767_225_600_123L))
                .build();
    }

    static Control control() {
        return Control.newBuilder().setJobId("job-interop").setAction(ControlAction.SET_PRIORITY).setPriority(9)
                .setRequestedAt(Instant.ofEpochMilli(1_767_225_600_999L)).build();
    }

    @Test
    void kafkajsAndTheJavaSerdeAgreeOnIdsAndBytes() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             RegistryServer server = RegistryServer.start(RegistryConfig.defaults(kafka.bootstrapServers())
                     .withTopic("_schemas-interop").withListener("localhost", 0))) {
            // Given: Java registered JobRequest first (through the serde) and encoded a record.
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(server.url());
            AvroSerde<JobRequest> jobs = AvroSerde.forValues(JobRequest.class, client);
            byte[] javaBytes = jobs.serialize("interop-java-jobs", job());
            int javaId = AvroSerde.schemaId(javaBytes);
            Path input = SCRIPT_DIR.resolve("input.json");
            Files.writeString(input, JSON.writeValueAsString(Map.of(
                    "jobRequestSchema", JobRequest.getClassSchema().toString(),
                    "controlSchema", Control.getClassSchema().toString(),
                    "javaSubject", jobs.subject("interop-java-jobs"),
                    "javaBytesHex", HEX.formatHex(javaBytes))));

            // When: kafkajs registers, looks up, encodes and decodes against the same registry.
            Run node = runQuietly(SCRIPT_DIR, 120, "node", "interop.js", server.url().toString(), input.getFileName().toString());
            assertEquals(0, node == null ? -1 : node.status(), node == null ? "node did not finish" : node.err());
            JsonNode out = JSON.readTree(node.out());
            JsonNode ids = out.get("ids");

            // Then: one global id for JobRequest, whichever subject and whichever client.
            assertEquals(javaId, ids.get("javaSubject").asInt(), "kafkajs re-registering Java's schema in Java's subject");
            assertEquals(javaId, ids.get("nodeSubject").asInt(), "the same schema in a new subject keeps its global id");
            assertEquals(javaId, ids.get("latestJava").asInt());
            assertEquals(javaId, ids.get("lookedUp").asInt());
            int controlId = ids.get("control").asInt();
            assertNotEquals(javaId, controlId);
            assertEquals(Control.getClassSchema(), client.schemaById(controlId), "Java reads the schema kafkajs registered");

            // And: the same record is the same bytes on both sides, and each side reads the other's.
            byte[] nodeBytes = HEX.parseHex(out.get("nodeBytes").asText());
            assertArrayEquals(javaBytes, nodeBytes, firstDifference(javaBytes, nodeBytes));
            assertEquals(job(), jobs.deserialize("interop-node-jobs", nodeBytes));
            byte[] reencoded = HEX.parseHex(out.get("reencodedJava").asText());
            assertArrayEquals(javaBytes, reencoded, "kafkajs decoding Java's bytes and encoding them again; " + firstDifference(javaBytes, reencoded));
            assertEquals("job-interop", out.get("decodedJava").get("jobId").asText());
            assertEquals("CONTRACT", out.get("decodedJava").get("kind").asText());
            assertEquals(3, out.get("decodedJava").get("priority").asInt());
            assertEquals("msa.pdf", out.get("decodedJava").get("metadata").get("file").asText());

            // And: for a schema kafkajs registered first, Java gets kafkajs's id and bytes.
            AvroSerde<Control> controls = AvroSerde.forValues(Control.class, client);
            byte[] controlBytes = HEX.parseHex(out.get("controlBytes").asText());
            assertEquals(control(), controls.deserialize("interop-node-control", controlBytes));
            byte[] javaControl = controls.serialize("interop-java-control", control());
            assertEquals(controlId, AvroSerde.schemaId(javaControl));
            assertArrayEquals(controlBytes, javaControl, firstDifference(controlBytes, javaControl));
        }
    }

    private static String firstDifference(byte[] expected, byte[] actual) {
        int n = Math.min(expected.length, actual.length);
        for (int i = 0; i < n; i++) {
            if (expected[i] != actual[i]) {
                return "first difference at byte " + i + " of " + expected.length + "/" + actual.length;
            }
        }
        return expected.length == actual.length ? "equal" : "lengths differ: " + expected.length + " vs " + actual.length;
    }

    /** Runs a command; null when it cannot start or outlives its time (then it is killed). */
    private static Run runQuietly(Path dir, int seconds, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("interop-out", ".txt");
        Path err = Files.createTempFile("interop-err", ".txt");
        try {
            Process process;
            try {
                process = new ProcessBuilder(command).directory(dir.toFile())
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            } catch (IOException e) {
                return null;
            }
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                return null;
            }
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String tail(String text) {
        String t = text.strip();
        return t.length() > 600 ? "..." + t.substring(t.length() - 600) : t;
    }
}
