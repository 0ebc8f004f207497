/*
 * The status table over HTTP across two pipeline instances on a real broker: each instance hosts
 * some of the status partitions, and either instance's endpoint answers every job (the other's by
 * forwarding the request once), 404 for a job none has, 401 without the shared token.
 */
package dev.longhaul.ops.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.ops.http.BearerToken;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.pipeline.status.JobStatusQuery;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.RecordTrust;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String TOKEN = "status-test-token";

    @TempDir
    Path tmp;

    private static HttpResponse<String> get(StatusServer server, String jobId, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://" + server.applicationServer() + "/jobs/" + jobId));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(r.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The job's status through `server`, waiting while it is not read yet (404) or its partition moves (503). */
    private static JsonNode await(StatusServer server, String jobId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = get(server, jobId, TOKEN);
            if (last.statusCode() == 200) {
                return JSON.readTree(last.body());
            }
            // 404 until the status table has read the record, 503 while a partition moves; nothing else
            assertTrue(last.statusCode() == 404 || last.statusCode() == 503, last.statusCode() + " " + last.body());
            Thread.sleep(200);
        }
        throw new AssertionError(jobId + " through " + server.applicationServer() + ": " + last.statusCode() + " " + last.body());
    }

    @Test
    void eitherInstanceAnswersEveryJobForwardingToTheOneThatHostsIt() throws Exception {
        RecordTrust.install();
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        Topics topics = new Topics("st.", registry);
        PipelineConfig d = PipelineConfig.DEFAULTS;
        PipelineConfig config = d.withKafka(new PipelineConfig.Kafka("status-test", "st.", 1, d.kafka().commitInterval()));
        BearerToken token = BearerToken.configuredOrGenerated(TOKEN);
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             StatusServer one = new StatusServer("localhost", 0, token);
             StatusServer two = new StatusServer("localhost", 0, token)) {
            try (PipelineRunner first = PipelineRunner.start(config, topics, kafka.bootstrapServers(),
                         Files.createDirectories(tmp.resolve("one")), Map.of(), one.applicationServer());
                 PipelineRunner second = PipelineRunner.start(config, topics, kafka.bootstrapServers(),
                         Files.createDirectories(tmp.resolve("two")), Map.of(), two.applicationServer())) {
                one.attach(new JobStatusQuery(first.streams()));
                two.attach(new JobStatusQuery(second.streams()));
                // given statuses of 16 jobs, spread over the status partitions
                List<String> jobs = java.util.stream.IntStream.range(0, 16).mapToObj(i -> "job-" + i).toList();
                try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
                        topics.status.keys().serializer(), topics.status.values().serializer())) {
                    for (String job : jobs) {
                        producer.send(new ProducerRecord<>(topics.status.name(), job, JobStatus.newBuilder().setJobId(job)
                                .setTenant("t").setState(JobState.RUNNING).setProgress(0.5).setTokensProcessed(job.length())
                                .setReason(null).setUpdatedAt(Instant.now()).build())).get();
                    }
                }
                // then both endpoints answer every job
                for (String job : jobs) {
                    assertEquals(job, await(one, job).path("jobId").asText());
                    assertEquals("RUNNING", await(two, job).path("state").asText());
                }
                assertTrue(one.forwarded() > 0 && two.forwarded() > 0,
                        "each instance forwarded the jobs the other hosts: " + one.forwarded() + ", " + two.forwarded());
                // a job nobody has is 404 through either, and the token is required
                assertEquals(404, get(one, "job-nobody", TOKEN).statusCode());
                assertEquals(404, get(two, "job-nobody", TOKEN).statusCode());
                assertEquals(401, get(one, "job-0", null).statusCode());
                assertEquals(400, get(one, "bad%20id", TOKEN).statusCode());
            }
        }
    }

    @Test
    void anIpv6HostIsAdvertisedInBracketsAndKnownWithoutThemAsKafkaGivesItBack() throws Exception {
        try (StatusServer v6 = new StatusServer("127.0.0.1", "[::1]", 0, BearerToken.configuredOrGenerated(TOKEN))) {
            assertEquals("::1", v6.self().host(), "as application.server's host comes back from Kafka's metadata");
            assertEquals("[::1]:" + v6.self().port(), v6.applicationServer());
            // and Kafka's own parsing of that value gives the same host back
            assertEquals("::1", org.apache.kafka.common.utils.Utils.getHost(v6.applicationServer()));
        }
    }
}
