/*
 * A broker outage longer than the registry's Kafka client timeout: the materializer's reads time
 * out while the broker is away (a RetriableException), and the registry must serve again once it
 * is back, not stay failed until it is restarted.
 */
package dev.longhaul.ops.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;

import dev.longhaul.embedded.EmbeddedKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryOutageTest {
    @Test
    void theRegistryServesAgainAfterAnOutageLongerThanItsClientTimeout(@TempDir Path dir) throws Exception {
        int port = freePort();
        int controller = freePort();
        EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).port(port).controllerPort(controller).start();
        try {
            RegistryConfig config = RegistryConfig.defaults(kafka.bootstrapServers()).withListener("localhost", 0)
                    .withClientOverrides(Map.of("default.api.timeout.ms", "1000", "request.timeout.ms", "1000"));
            try (RegistryServer server = RegistryServer.start(config)) {
                RegistryHttp http = new RegistryHttp(server.url());
                RegistryHttp.Answer first = http.post("/subjects/probe-value/versions", RegistryHttp.schemaBody(RegistrySchemas.probe(1)));
                assertEquals(200, first.status(), first.body().toString());
                // when the broker is away for several client timeouts
                kafka.close();
                Thread.sleep(4_000);
                kafka = EmbeddedKafka.builder().dataDir(dir).port(port).controllerPort(controller).start();
                // then, once it is back, a registration succeeds and the first schema is still there
                RegistryHttp.Answer second = null;
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (System.nanoTime() < deadline) {
                    second = http.post("/subjects/probe-value/versions", RegistryHttp.schemaBody(RegistrySchemas.probe(2)));
                    if (second.status() == 200) {
                        break;
                    }
                    Thread.sleep(500);
                }
                assertEquals(200, second.status(), second.body().toString());
                RegistryHttp.Answer byId = http.get("/schemas/ids/" + first.body().get("id").asInt());
                assertEquals(200, byId.status(), byId.body().toString());
            }
        } finally {
            kafka.close();
        }
    }

    @Test
    void aRegistryThatCanNoLongerReadItsTopicRefusesEveryRequestSayingWhy(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).port(freePort()).controllerPort(freePort()).start()) {
            RegistryConfig config = RegistryConfig.defaults(kafka.bootstrapServers()).withListener("localhost", 0);
            try (RegistryServer server = RegistryServer.start(config)) {
                RegistryHttp http = new RegistryHttp(server.url());
                RegistryHttp.Answer registered = http.post("/subjects/probe-value/versions", RegistryHttp.schemaBody(RegistrySchemas.probe(1)));
                assertEquals(200, registered.status());
                int probeId = registered.body().get("id").asInt();
                assertEquals(200, http.get("/subjects").status());
                // when a version record it cannot decode lands on the schemas topic (it could hold an
                // id, so reading past it could hand that id out again)
                Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers());
                try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(props,
                        new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                    producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(config.topic(), 0,
                            "{\"keytype\":\"SCHEMA\",\"subject\":\"broken-value\",\"version\":1,\"magic\":1}".getBytes(),
                            "not json".getBytes())).get();
                }
                // then every request, reads of what it knew included, fails naming the cause, so that
                // its readiness probe fails rather than a frozen view looking healthy; but a schema
                // by id is still given, since an id never changes what it names
                RegistryHttp.Answer subjects = null;
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline) {
                    subjects = http.get("/subjects");
                    if (subjects.status() != 200) {
                        break;
                    }
                    Thread.sleep(100);
                }
                assertEquals(500, subjects.status(), subjects.body().toString());
                assertEquals(50001, subjects.body().get("error_code").asInt());
                org.junit.jupiter.api.Assertions.assertTrue(subjects.body().get("message").asText().contains("cannot be read"),
                        subjects.body().toString());
                assertEquals(500, http.get("/").status());
                assertEquals(500, http.get("/subjects/probe-value/versions/1").status());
                assertEquals(200, http.get("/schemas/ids/" + probeId).status());
                assertEquals(200, http.get("/schemas/ids/" + probeId + "/schema").status());
                assertEquals(500, http.get("/schemas/ids/" + probeId + "/subjects").status(), "which subjects use it may change");
                assertEquals(500, http.get("/schemas/ids/" + (probeId + 1000)).status(), "an unknown id may be one it cannot read");
                assertEquals(500, http.post("/subjects/probe-value/versions", RegistryHttp.schemaBody(RegistrySchemas.probe(2))).status());
            }
        }
    }

    @Test
    void aDeleteWhoseCommitLandedButSeemedToFailIsNotDoneTwice(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).port(freePort()).controllerPort(freePort()).start()) {
            RegistryConfig config = RegistryConfig.defaults(kafka.bootstrapServers()).withListener("localhost", 0);
            SchemaView view = new SchemaView();
            try (SchemaLog log = SchemaLog.open(config, view)) {
                RegistryApi api = new RegistryApi(view, log);
                api.register("twice-value", RegistryHttp.schemaBody(RegistrySchemas.probe(1)));
                api.register("twice-value", RegistryHttp.schemaBody(RegistrySchemas.probe(2)));
                api.register("twice-value", RegistryHttp.schemaBody(RegistrySchemas.probe(3)));
                // when the first try of each write commits and then fails, as a commit whose answer
                // was lost does, so that the write is tried again
                log.afterCommit = attempt -> {
                    if (attempt == 1) {
                        throw new org.apache.kafka.common.KafkaException("the commit's answer was lost (test)");
                    }
                };
                // then a delete of "latest" deletes version 3 alone, not 2 as well on its second try
                assertEquals(3, api.deleteVersion("twice-value", "latest"));
                assertEquals(java.util.List.of(1, 2), view.versions("twice-value", false).stream().map(SchemaVersion::version).toList());
                // and a delete of version 1 answers that it deleted it, not that it was deleted already
                assertEquals(1, api.deleteVersion("twice-value", "1"));
                assertEquals(java.util.List.of(2), view.versions("twice-value", false).stream().map(SchemaVersion::version).toList());
                // and a permanent delete of "latest" (the highest soft-deleted version) removes 3 alone
                assertEquals(3, api.deleteVersionPermanently("twice-value", "latest"));
                assertEquals(java.util.List.of(1, 2), view.versions("twice-value", true).stream().map(SchemaVersion::version).toList());
            }
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("localhost"))) {
            return s.getLocalPort();
        }
    }
}
