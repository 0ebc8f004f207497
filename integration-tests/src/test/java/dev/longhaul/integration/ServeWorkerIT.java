/*
 * A worker whose engine is remote, against Longhaul's own OpenAI-compatible server: `serve` runs
 * in process on the synthesized xs model, a Worker is configured with backend
 * remote:<serve's URL>, and jobs go through the whole stack (ingest, planner, dispatcher, Kafka).
 * Each job gets exactly one result per task and SUCCEEDED; results name the served model with
 * backend "remote"; each summary is exactly what serve answers, greedily, for the prompt a worker
 * builds (preamble + document + instruction, from Prompts, sent as token ids); each extraction is
 * JSON of its fields.
 * A worker pointed at a server that does not answer fails at start.
 */
package dev.longhaul.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.BackendProvider;
import dev.longhaul.engine.batch.BatchConfig;
import dev.longhaul.ingest.DocumentSource;
import dev.longhaul.ingest.JobSpec;
import dev.longhaul.ops.serve.ServeServer;
import dev.longhaul.ops.serve.ServedModel;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.pipeline.worker.Prompts;
import dev.longhaul.pipeline.worker.WorkerConfig;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.Extraction;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.Summary;
import dev.longhaul.schemas.Task;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ServeWorkerIT {
    private static final int OUTPUT_TOKENS = 8;
    private static final int JOBS = 6;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Cluster cluster;
    private static Backend backend;
    private static ServedModel served;
    private static ServeServer server;

    @BeforeAll
    static void start() {
        cluster = new Cluster(PipelineConfig.DEFAULTS.withKafka(
                new PipelineConfig.Kafka("longhaul-serve-it", "longhaul.", 1, Duration.ofMillis(100))), 512, OUTPUT_TOKENS);
        backend = BackendProvider.open("cpu", 1);
        served = ServedModel.load(Cluster.model(), backend, new BatchConfig(256 + 3, 256, 4));
        server = new ServeServer(served, "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (server != null) {
            server.close();
            served.close();
            backend.close();
        }
    }

    @Test
    void aRemoteWorkerGivesOneResultPerTaskAndServesOwnGreedyAnswers() throws Exception {
        cluster.addWorker(cluster.workerConfig("remote-1").withEngine(WorkerConfig.REMOTE + server.url(), 1));
        Map<String, String> documents = new HashMap<>();
        List<MixedJobs.Submitted> submitted = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            // every document also spells a special token of the served model: it must reach the server as text
            String text = "Remote job " + i + ". " + "The quick brown fox jumps over the lazy dog. ".repeat(1 + i)
                    + "Then it wrote " + specialText() + " and stopped.";
            String jobId = "remote-" + i;
            documents.put(jobId, text);
            List<Task> tasks = List.of(MixedJobs.summarize(), MixedJobs.extract("animal"));
            submitted.add(MixedJobs.submit(cluster, JobSpec.of(DocumentKind.TEXT, tasks).withJobId(jobId),
                    DocumentSource.stream(new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), jobId)));
        }

        Map<String, JobState> finals = MixedJobs.awaitFinal(cluster, submitted.stream().map(MixedJobs.Submitted::jobId).toList(),
                Duration.ofMinutes(5));
        Map<String, Integer> results = new TreeMap<>();
        Map<String, Integer> expected = new TreeMap<>();
        for (MixedJobs.Submitted s : submitted) {
            assertEquals(JobState.SUCCEEDED, finals.get(s.jobId()), "final state of " + s.jobId());
            for (int t = 0; t < s.tasks().size(); t++) {
                expected.put(s.jobId() + "#" + t, 1);
            }
        }
        for (ConsumerRecord<String, Summary> r : cluster.committed(cluster.topics.summaries)) {
            results.merge(r.key() + "#" + r.value().getTaskIndex(), 1, Integer::sum);
            Summary summary = r.value();
            assertEquals("remote", summary.getModel().getBackend());
            assertEquals(served.id(), summary.getModel().getName());
            String document = documents.get(r.key());
            String boundary = Prompts.boundary(sha256(document));
            // the worker sends token ids, each part tokenized on its own (the document as a local run reads it)
            var tokenizer = served.tokenizer();
            int[] prompt = java.util.stream.IntStream.concat(java.util.stream.IntStream.concat(
                    java.util.stream.IntStream.of(tokenizer.encode(Prompts.preamble(DocumentKind.TEXT, boundary))),
                    java.util.stream.IntStream.of(literal(tokenizer.encode(document)))), java.util.stream.IntStream.concat(
                    java.util.stream.IntStream.of(tokenizer.encode(Prompts.documentEnd(boundary))),
                    java.util.stream.IntStream.of(tokenizer.encode(Prompts.summarize(DocumentKind.TEXT))))).toArray();
            assertEquals(greedy(prompt), summary.getText(), "summary of " + r.key());
            assertEquals(prompt.length, summary.getUsage().getPromptTokens(),
                    "the server got the prompt as these ids: the special token's text as ordinary tokens, not as the special id");
        }
        for (ConsumerRecord<String, Extraction> r : cluster.committed(cluster.topics.extractions)) {
            results.merge(r.key() + "#" + r.value().getTaskIndex(), 1, Integer::sum);
            JsonNode value = JSON.readTree(r.value().getJson());
            assertTrue(value.path("animal").isTextual(), "extraction of " + r.key() + ": " + value);
        }
        assertEquals(expected, results, "exactly one result per requested task");
        assertTrue(cluster.committed(cluster.topics.summaries).stream().anyMatch(r -> !r.value().getText().isEmpty()),
                "the served model wrote something, so the comparison says something");
    }

    @Test
    void aWorkerWhoseServerDoesNotAnswerFailsAtStart() {
        WorkerConfig unreachable = cluster.workerConfig("remote-nowhere").withEngine(WorkerConfig.REMOTE + "http://127.0.0.1:9/v1", 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> cluster.addWorker(unreachable));
        assertTrue(e.getMessage().contains("127.0.0.1:9"), e.getMessage());
    }

    /** The content of one special token of the served model (its tokenizer matches it inside any text). */
    private static String specialText() {
        var tokenizer = served.tokenizer();
        for (int id = served.vocabSize() - 1; id >= 0; id--) {
            if (tokenizer.isSpecial(id) && !tokenizer.decode(new int[] {id}).isEmpty()) {
                return tokenizer.decode(new int[] {id});
            }
        }
        throw new AssertionError("the served model's tokenizer has no special token to test with");
    }

    /** Document ids as a worker feeds them: each special id spelled out one character at a time. */
    private static int[] literal(int[] ids) {
        var t = served.tokenizer();
        return java.util.stream.IntStream.of(ids).flatMap(id -> t.isSpecial(id)
                ? t.decode(new int[] {id}).codePoints().flatMap(cp -> java.util.stream.IntStream.of(t.encode(Character.toString(cp))))
                        .filter(x -> !t.isSpecial(x))
                : java.util.stream.IntStream.of(id)).toArray();
    }

    /** What serve answers for the prompt of these token ids, greedy, with the worker's output budget. */
    private static String greedy(int[] prompt) throws Exception {
        var request = JSON.createObjectNode().put("model", served.id());
        var ids = request.putArray("prompt");
        for (int id : prompt) {
            ids.add(id);
        }
        String body = request.put("max_tokens", OUTPUT_TOKENS).put("temperature", 0).toString();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            return JSON.readTree(response.body()).path("choices").path(0).path("text").asText();
        }
    }

    private static String sha256(String text) throws java.security.NoSuchAlgorithmException {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
