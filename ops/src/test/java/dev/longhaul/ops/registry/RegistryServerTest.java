/*
 * The REST API of RegistryServer as any Confluent client sees it, on a real broker: registration
 * and its global ids, reads by subject, version and id, lookup, soft deletes, configuration, the
 * compatibility check, and each refusal with Confluent's HTTP status and error_code.
 */
package dev.longhaul.ops.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.ops.registry.RegistryHttp.Answer;
import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.JobRequest;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class RegistryServerTest {
    private static EmbeddedKafka kafka;
    private RegistryServer server;
    private RegistryHttp http;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @BeforeEach
    void startRegistry(TestInfo test) {
        // A topic per test: every test starts from an empty registry.
        String topic = "_schemas-" + test.getTestMethod().orElseThrow().getName();
        server = RegistryServer.start(RegistryConfig.defaults(kafka.bootstrapServers()).withTopic(topic).withListener("localhost", 0));
        http = new RegistryHttp(server.url());
    }

    @AfterEach
    void stopRegistry() {
        server.close();
    }

    private int register(String subject, Schema schema) {
        Answer a = http.post("/subjects/" + subject + "/versions", RegistryHttp.schemaBody(schema));
        assertEquals(200, a.status(), a.body().toString());
        return a.body().get("id").asInt();
    }

    private static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    @Test
    void aConfigRecordThisRegistryCannotReadIsSkippedNotFatal() throws Exception {
        // a compatibility level this registry does not know, written by some other registry
        kafka.createTopic("_schemas-odd", 1, Map.of("cleanup.policy", "compact"));
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(Map.of("bootstrap.servers",
                kafka.bootstrapServers()), new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("_schemas-odd",
                    "{\"keytype\":\"CONFIG\",\"subject\":\"odd-value\",\"magic\":0}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "{\"compatibilityLevel\":\"SIDEWAYS\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8))).get();
        }
        try (RegistryServer odd = RegistryServer.start(RegistryConfig.defaults(kafka.bootstrapServers()).withTopic("_schemas-odd")
                .withListener("localhost", 0))) {
            RegistryHttp oddHttp = new RegistryHttp(odd.url());
            Answer a = oddHttp.post("/subjects/jobs-value/versions", RegistryHttp.schemaBody(JobRequest.getClassSchema()));
            assertEquals(200, a.status(), "the registry still registers: " + a.body());
            assertEquals("BACKWARD", oddHttp.get("/config").body().get("compatibilityLevel").asText());
        }
    }

    @Test
    void aSchemasTopicThatIsNotCompactedIsRefusedAtStart() {
        // retention would drop old schemas, and a registry replaying the rest would reuse their ids
        kafka.createTopic("_schemas-deleting", 1, Map.of("cleanup.policy", "delete"));
        RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> RegistryServer.start(
                RegistryConfig.defaults(kafka.bootstrapServers()).withTopic("_schemas-deleting").withListener("localhost", 0)).close());
        assertTrue(String.valueOf(e.getMessage()).contains("cleanup.policy=delete"), e.toString());
    }

    @Test
    void aSchemaKeepsOneGlobalIdAcrossSubjectsAndRegistrations() {
        int id = register("jobs-value", JobRequest.getClassSchema());
        assertEquals(id, register("jobs-value", JobRequest.getClassSchema()), "same schema, same subject");
        assertEquals(id, register("jobs-copy-value", JobRequest.getClassSchema()), "same schema, other subject");
        int other = register("control-value", Control.getClassSchema());
        assertNotEquals(id, other);

        assertEquals(List.of("control-value", "jobs-copy-value", "jobs-value"), texts(http.get("/subjects").body()));
        assertEquals(List.of("1"), texts(http.get("/subjects/jobs-value/versions").body()));
        JsonNode v1 = http.get("/subjects/jobs-value/versions/1").body();
        assertEquals("jobs-value", v1.get("subject").asText());
        assertEquals(1, v1.get("version").asInt());
        assertEquals(id, v1.get("id").asInt());
        assertEquals(JobRequest.getClassSchema(), new Schema.Parser().parse(v1.get("schema").asText()));
        assertEquals(v1, http.get("/subjects/jobs-value/versions/latest").body());

        Answer raw = http.get("/subjects/jobs-value/versions/latest/schema");
        assertEquals(JobRequest.getClassSchema(), new Schema.Parser().parse(raw.body().toString()));
        assertEquals(JobRequest.getClassSchema(), new Schema.Parser().parse(http.get("/schemas/ids/" + id).body().get("schema").asText()));
        assertEquals(JobRequest.getClassSchema(), new Schema.Parser().parse(http.get("/schemas/ids/" + id + "/schema").body().toString()));
        assertEquals(List.of("jobs-copy-value", "jobs-value"), texts(http.get("/schemas/ids/" + id + "/subjects").body()));
        JsonNode usages = http.get("/schemas/ids/" + id + "/versions").body();
        assertEquals(2, usages.size());
        assertEquals("jobs-copy-value", usages.get(0).get("subject").asText());
        assertEquals(1, usages.get(0).get("version").asInt());
    }

    @Test
    void lookupFindsTheVersionThatHoldsASchema() {
        int id = register("jobs-value", JobRequest.getClassSchema());
        Answer found = http.post("/subjects/jobs-value", RegistryHttp.schemaBody(JobRequest.getClassSchema()));
        assertEquals(200, found.status());
        assertEquals(id, found.body().get("id").asInt());
        assertEquals(1, found.body().get("version").asInt());

        Answer otherSchema = http.post("/subjects/jobs-value", RegistryHttp.schemaBody(Control.getClassSchema()));
        assertEquals(404, otherSchema.status());
        assertEquals(40403, otherSchema.errorCode());
        Answer otherSubject = http.post("/subjects/nobody-value", RegistryHttp.schemaBody(JobRequest.getClassSchema()));
        assertEquals(404, otherSubject.status());
        assertEquals(40401, otherSubject.errorCode());
    }

    @Test
    void refusalsCarryConfluentsErrorCodes() {
        register("jobs-value", JobRequest.getClassSchema());
        assertError(404, 40401, http.get("/subjects/nobody-value/versions"));
        assertError(404, 40401, http.get("/subjects/nobody-value/versions/1"));
        assertError(404, 40402, http.get("/subjects/jobs-value/versions/7"));
        assertError(422, 42202, http.get("/subjects/jobs-value/versions/zero"));
        assertError(422, 42202, http.get("/subjects/jobs-value/versions/0"));
        assertError(404, 40403, http.get("/schemas/ids/4711"));
        assertError(422, 42201, http.post("/subjects/jobs-value/versions",
                RegistryHttp.JSON.createObjectNode().put("schema", "{\"type\":\"record\",\"name\":\"Broken\",\"fields\":[{\"name\":\"x\"}]}")));
        assertError(422, 42201, http.post("/subjects/jobs-value/versions", RegistryHttp.JSON.createObjectNode().put("schema", "not json")));
        assertError(422, 42201, http.post("/subjects/jobs-value/versions",
                RegistryHttp.schemaBody(Control.getClassSchema()).put("schemaType", "PROTOBUF")));
        // Avro's parser refuses a field order it does not know with a plain IllegalArgumentException
        assertError(422, 42201, http.post("/subjects/jobs-value/versions", RegistryHttp.JSON.createObjectNode().put("schema",
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\",\"order\":\"sideways\"}]}")));
        assertError(422, 42203, http.put("/config", RegistryHttp.compatibility("SIDEWAYS")));
        assertError(404, 404, http.get("/nothing/here"));
        assertError(405, 405, http.put("/subjects", RegistryHttp.JSON.createObjectNode()));
    }

    @Test
    void aSchemaTooLargeForOneRecordIsRefusedOnceAndTheRegistryGoesOn() {
        // given a schema whose stored record is past the producer's 1 MiB (a doc of 1.2 MB)
        Schema huge = org.apache.avro.SchemaBuilder.record("Huge").doc("d".repeat(1_200_000)).fields()
                .requiredInt("a").endRecord();
        long started = System.nanoTime();
        // then it is refused as invalid, a client error no client retries, before anything is written
        assertError(422, 42201, http.post("/subjects/huge-value/versions", RegistryHttp.schemaBody(huge)));
        assertTrue(System.nanoTime() - started < java.util.concurrent.TimeUnit.SECONDS.toNanos(30), "answered, not retried for minutes");
        assertError(404, 40401, http.get("/subjects/huge-value/versions"));
        // and the next registration goes through
        register("jobs-value", JobRequest.getClassSchema());
    }

    private static void assertError(int status, int errorCode, Answer answer) {
        assertEquals(status, answer.status(), answer.body().toString());
        assertEquals(errorCode, answer.errorCode(), answer.body().toString());
        assertFalse(answer.body().path("message").asText().isBlank(), "a message for people: " + answer.body());
    }

    @Test
    void aRefusalOrASchemaRegisteredBeforeIsAnsweredWithoutAWrite() {
        int id = register("jobs-value", JobRequest.getClassSchema());
        int made = server.producersMade();
        // what a serializer sends at every start, and again after every refusal
        assertEquals(id, register("jobs-value", JobRequest.getClassSchema()));
        assertError(409, 409, http.post("/subjects/jobs-value/versions", RegistryHttp.schemaBody(RegistrySchemas.jobRequestWithExtraField(false))));
        assertError(404, 40401, http.delete("/subjects/no-such-subject"));
        // then no write was begun: each would have fenced the other instances' writes under way
        assertEquals(made, server.producersMade());
        register("jobs-value", RegistrySchemas.jobRequestWithExtraField(true));
        assertEquals(made + 1, server.producersMade(), "a registration that writes still does");
    }

    @Test
    void backwardRefusesAFieldWithoutDefaultAndAcceptsOneWithADefault() {
        int v1 = register("jobs-value", JobRequest.getClassSchema());
        Schema noDefault = RegistrySchemas.jobRequestWithExtraField(false);
        Schema withDefault = RegistrySchemas.jobRequestWithExtraField(true);

        Answer check = http.post("/compatibility/subjects/jobs-value/versions/latest?verbose=true", RegistryHttp.schemaBody(noDefault));
        assertEquals(200, check.status());
        assertFalse(check.body().get("is_compatible").asBoolean());
        assertTrue(check.body().get("messages").toString().contains("costCenter"), check.body().toString());
        assertError(409, 409, http.post("/subjects/jobs-value/versions", RegistryHttp.schemaBody(noDefault)));
        assertEquals(List.of("1"), texts(http.get("/subjects/jobs-value/versions").body()), "nothing registered");

        Answer ok = http.post("/compatibility/subjects/jobs-value/versions/1", RegistryHttp.schemaBody(withDefault));
        assertTrue(ok.body().get("is_compatible").asBoolean(), ok.body().toString());
        assertFalse(ok.body().has("messages"), "messages only when verbose");
        int v2 = register("jobs-value", withDefault);
        assertNotEquals(v1, v2);
        assertEquals(List.of("1", "2"), texts(http.get("/subjects/jobs-value/versions").body()));
    }

    @Test
    void eachLevelChecksItsOwnDirection() {
        // Registered: a field without a default. Dropping it: the new schema still reads old data
        // (BACKWARD holds), but the old schema cannot read new data without that field (FORWARD fails).
        register("jobs-value", RegistrySchemas.jobRequestWithExtraField(false));
        Schema dropped = JobRequest.getClassSchema();
        assertTrue(compatible("jobs-value", dropped));
        assertEquals(200, http.put("/config/jobs-value", RegistryHttp.compatibility("FORWARD")).status());
        assertFalse(compatible("jobs-value", dropped));
        assertEquals(200, http.put("/config/jobs-value", RegistryHttp.compatibility("FULL")).status());
        assertFalse(compatible("jobs-value", dropped));
        assertError(409, 409, http.post("/subjects/jobs-value/versions", RegistryHttp.schemaBody(dropped)));
        assertEquals(200, http.put("/config/jobs-value", RegistryHttp.compatibility("NONE")).status());
        assertTrue(compatible("jobs-value", Control.getClassSchema()));
        register("jobs-value", Control.getClassSchema());
        assertEquals(List.of("1", "2"), texts(http.get("/subjects/jobs-value/versions").body()));
    }

    @Test
    void aNamedVersionIsCheckedAloneAndNoVersionChecksWhatTheLevelCovers() {
        // v1 {a: int}, v2 {a: int, b: string = ""}; the candidate {b: string} reads v2's data but not v1's
        Schema v1 = org.apache.avro.SchemaBuilder.record("R").fields().requiredInt("a").endRecord();
        Schema v2 = org.apache.avro.SchemaBuilder.record("R").fields().requiredInt("a")
                .name("b").type().stringType().stringDefault("").endRecord();
        Schema candidate = org.apache.avro.SchemaBuilder.record("R").fields().requiredString("b").endRecord();
        assertEquals(200, http.post("/compatibility/subjects/r-value/versions", RegistryHttp.schemaBody(v1)).status(),
                "a subject without versions is compatible with anything");
        assertTrue(http.post("/compatibility/subjects/r-value/versions", RegistryHttp.schemaBody(v1)).body()
                .get("is_compatible").asBoolean());
        register("r-value", v1);
        register("r-value", v2);
        assertEquals(200, http.put("/config/r-value", RegistryHttp.compatibility("BACKWARD_TRANSITIVE")).status());
        assertTrue(compatible("r-value", candidate), "latest is v2 alone, whatever the level");
        Answer all = http.post("/compatibility/subjects/r-value/versions", RegistryHttp.schemaBody(candidate));
        assertEquals(200, all.status(), all.body().toString());
        assertFalse(all.body().get("is_compatible").asBoolean(), "without a version, the transitive level checks v1 too");
        // latest of a subject with no live version is compatible, as with Confluent (a build tests
        // a schema before its first registration); a numbered version not there is 40402
        assertTrue(compatible("nothing", v1), "nothing registered under the subject yet");
        assertError(404, 40402, http.post("/compatibility/subjects/nothing/versions/1", RegistryHttp.schemaBody(v1)));
        assertEquals(200, http.delete("/subjects/r-value").status());
        assertTrue(compatible("r-value", candidate), "every version soft-deleted");
        assertError(404, 40402, http.post("/compatibility/subjects/r-value/versions/1", RegistryHttp.schemaBody(candidate)));
    }

    private boolean compatible(String subject, Schema schema) {
        Answer a = http.post("/compatibility/subjects/" + subject + "/versions/latest", RegistryHttp.schemaBody(schema));
        assertEquals(200, a.status(), a.body().toString());
        return a.body().get("is_compatible").asBoolean();
    }

    @Test
    void configIsGlobalUnlessTheSubjectSetsItsOwn() {
        assertEquals("BACKWARD", http.get("/config").body().get("compatibilityLevel").asText());
        assertError(404, 40408, http.get("/config/jobs-value"));
        assertEquals("BACKWARD", http.get("/config/jobs-value?defaultToGlobal=true").body().get("compatibilityLevel").asText());

        Answer set = http.put("/config/jobs-value", RegistryHttp.compatibility("full_transitive"));
        assertEquals("FULL_TRANSITIVE", set.body().get("compatibility").asText());
        assertEquals("FULL_TRANSITIVE", http.get("/config/jobs-value").body().get("compatibilityLevel").asText());
        assertEquals(200, http.put("/config", RegistryHttp.compatibility("NONE")).status());
        assertEquals("NONE", http.get("/config").body().get("compatibilityLevel").asText());
        assertEquals("FULL_TRANSITIVE", http.get("/config/jobs-value").body().get("compatibilityLevel").asText());

        assertEquals("FULL_TRANSITIVE", http.delete("/config/jobs-value").body().get("compatibilityLevel").asText());
        assertEquals("NONE", http.get("/config/jobs-value?defaultToGlobal=true").body().get("compatibilityLevel").asText());
    }

    @Test
    void softDeletesHideVersionsButNeverFreeTheirIdsOrNumbers() {
        int id = register("jobs-value", JobRequest.getClassSchema());
        assertEquals(1, http.delete("/subjects/jobs-value/versions/1").body().asInt());
        assertError(404, 40401, http.get("/subjects/jobs-value/versions"));
        assertEquals(List.of("1"), texts(http.get("/subjects/jobs-value/versions?deleted=true").body()));
        assertEquals(List.of(), texts(http.get("/subjects").body()));
        assertEquals(List.of("jobs-value"), texts(http.get("/subjects?deleted=true").body()));
        assertError(404, 40406, http.delete("/subjects/jobs-value/versions/1"));
        assertEquals(JobRequest.getClassSchema().toString(), http.get("/schemas/ids/" + id).body().get("schema").asText(),
                "a soft-deleted version's id still decodes old records");

        assertEquals(id, register("jobs-value", JobRequest.getClassSchema()), "the same schema keeps its id");
        assertEquals(List.of("2"), texts(http.get("/subjects/jobs-value/versions").body()), "version numbers are not reused");
        assertEquals(List.of("2"), texts(http.delete("/subjects/jobs-value").body()));
        assertError(404, 40404, http.delete("/subjects/jobs-value"));
    }

    @Test
    void permanentDeletesFollowASoftDeleteAndFreeNeitherIdsNorNumbers(TestInfo test) {
        int id = register("jobs-value", JobRequest.getClassSchema());
        int kept = register("orders-value", dev.longhaul.schemas.WorkOrder.getClassSchema());
        assertEquals(200, http.put("/config/jobs-value", RegistryHttp.compatibility("NONE")).status());
        assertError(404, 40405, http.delete("/subjects/jobs-value?permanent=true"));
        assertError(404, 40407, http.delete("/subjects/jobs-value/versions/1?permanent=true"));

        assertEquals(List.of("1"), texts(http.delete("/subjects/jobs-value").body()));
        // its level goes with the soft delete, as Confluent's does: registered again, it starts at the global one
        assertError(404, 40408, http.get("/config/jobs-value"));
        assertEquals(200, http.put("/config/jobs-value", RegistryHttp.compatibility("FULL")).status());
        assertEquals(List.of("1"), texts(http.delete("/subjects/jobs-value?permanent=true").body()));
        assertError(404, 40401, http.get("/subjects/jobs-value/versions?deleted=true"));
        assertEquals(List.of("orders-value"), texts(http.get("/subjects?deleted=true").body()));
        assertError(404, 40403, http.get("/schemas/ids/" + id));
        assertError(404, 40408, http.get("/config/jobs-value")); // a level set since goes with the permanent delete
        assertError(404, 40401, http.delete("/subjects/jobs-value?permanent=true"));
        assertEquals(200, http.get("/schemas/ids/" + kept).status(), "another subject's schema stays");

        // registered again: the same text keeps its id, and the version goes on from the highest
        assertEquals(id, register("jobs-value", JobRequest.getClassSchema()));
        assertEquals(List.of("2"), texts(http.get("/subjects/jobs-value/versions").body()));
        assertEquals(2, http.delete("/subjects/jobs-value/versions/2").body().asInt());
        assertEquals(2, http.delete("/subjects/jobs-value/versions/2?permanent=true").body().asInt());
        assertError(404, 40401, http.get("/subjects/jobs-value/versions/2?deleted=true"));

        // a registry started later on the same log reads the same: gone stays gone, and the next
        // schema gets a new id and a new number
        server.close();
        server = RegistryServer.start(RegistryConfig.defaults(kafka.bootstrapServers())
                .withTopic("_schemas-" + test.getTestMethod().orElseThrow().getName()).withListener("localhost", 0));
        http = new RegistryHttp(server.url());
        assertError(404, 40403, http.get("/schemas/ids/" + id));
        int next = register("jobs-value", dev.longhaul.schemas.JobStatus.getClassSchema());
        assertTrue(next > kept, next + " after " + kept);
        assertEquals(List.of("3"), texts(http.get("/subjects/jobs-value/versions").body()));
    }

    @Test
    void answersTheDiscoveryEndpointsToolsCall() {
        Answer root = http.get("/");
        assertEquals(200, root.status());
        assertTrue(root.body().isObject());
        assertEquals(List.of("AVRO"), texts(http.get("/schemas/types").body()));
    }
}
