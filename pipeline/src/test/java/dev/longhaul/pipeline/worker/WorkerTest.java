/*
 * The worker on a real broker (embedded KRaft) with the golden tiny model: orders are placed on
 * `work` directly (the planner is tested on its own), results and statuses read back read_committed.
 * Checks that a document read whole gives exactly what the engine computes alone on the same
 * tokens, that a document over the budget is streamed through a view, and that cancel, deadline
 * and undecodable orders end the way the pipeline promises without stopping the lane. Every
 * summary carries a non-empty extractive digest whose sentences occur verbatim in the document.
 * Extractions carry the kind's analyzer facts over the whole document, with byte spans into it.
 */
package dev.longhaul.pipeline.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.BackendProvider;
import dev.longhaul.engine.generate.GenerationResult;
import dev.longhaul.engine.generate.Generator;
import dev.longhaul.engine.generate.SamplingParams;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.tokenizer.TextTokenizer;
import dev.longhaul.schemas.ChunkLocations;
import dev.longhaul.schemas.ChunkPosition;
import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.ControlAction;
import dev.longhaul.schemas.DeadLetter;
import dev.longhaul.schemas.DocumentChunk;
import dev.longhaul.schemas.DocumentDescriptor;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.Extraction;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Summary;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkOrder;
import dev.longhaul.schemas.WorkerHeartbeat;
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WorkerTest {
    private static final int CHUNK = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BUDGET = 1024;
    private static final int OUTPUT = 8;
    private static EmbeddedKafka kafka;
    private static Topics topics;
    private static Worker worker;
    private static KafkaProducer<byte[], byte[]> producer;
    private static final Path MODEL = SharedData.minimaxTiny();

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
        topics = Topics.of(new InMemorySchemaRegistry());
        for (var t : topics.all()) {
            kafka.createTopic(t.getKey().name(), t.getKey() == topics.work ? 2 : 1, t.getValue());
        }
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer());
        WorkerConfig config = WorkerConfig.defaults("w1", kafka.bootstrapServers(), MODEL)
                .withContext(BUDGET, Duration.ofMinutes(10)).withOutput(OUTPUT).withEngine("cpu", 2);
        worker = new Worker(config, topics);
    }

    @AfterAll
    static void stop() {
        if (worker != null) {
            worker.close();
        }
        if (producer != null) {
            producer.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void documentWithinBudgetIsReadWholeAndMatchesTheEngineAlone() throws Exception {
        String text = SharedData.head(SharedData.corpusDir().resolve("logs/loghub_2k/OpenSSH/OpenSSH_2k.log"), 700);
        byte[] doc = text.getBytes(StandardCharsets.UTF_8);
        List<Task> tasks = List.of(task(TaskType.SUMMARIZE), Task.newBuilder().setType(TaskType.EXTRACT).setFields(List.of("component", "date")).build());
        // Small chunks (97 bytes) cut words and lines: the streamed tokens must still equal encode(text).
        WorkOrder whole = order("whole-1", DocumentKind.LOG, tasks, doc, null, 97);
        place(whole);

        Summary summary = one(topics.summaries, "whole-1");
        Extraction extraction = one(topics.extractions, "whole-1");
        assertEquals(JobState.SUCCEEDED, finalState("whole-1"));
        assertEquals(1.0, summary.getUsage().getDocumentShareRead(), 1e-12, "the whole document was read");
        assertEquals(0, summary.getTaskIndex());
        assertEquals(1, extraction.getTaskIndex());
        assertDigestIsExtractive(summary, text);

        // The engine alone on the same tokens: preamble, the document, the instruction, greedy.
        try (Backend backend = BackendProvider.open("cpu", 2);
             MiniMaxModel model = MiniMaxModel.load(MODEL, backend, MiniMaxModel.RopeMode.PARTIAL);
             TextTokenizer tok = TextTokenizer.load(MODEL)) {
            String boundary = Prompts.boundary(whole.getRequest().getDocument().getSha256());
            int[] open = tok.encode(Prompts.preamble(DocumentKind.LOG, boundary));
            int[] end = tok.encode(Prompts.documentEnd(boundary));
            int[] ids = concat(concat(open, tok.encode(text)), concat(end, tok.encode(Prompts.summarize(DocumentKind.LOG))));
            assertEquals(ids.length - tok.encode(Prompts.summarize(DocumentKind.LOG)).length, summary.getUsage().getDocumentTokens()
                    + open.length + end.length, "document tokens fed");
            SamplingParams params = SamplingParams.greedy(OUTPUT);
            if (tok.eosTokenId().isPresent()) {
                params = params.withStopTokens(tok.eosTokenId().getAsInt());
            }
            GenerationResult alone = new Generator(model, 256).generate(ids, params, id -> { });
            assertEquals(tok.decodeSkippingSpecial(alone.tokens()), summary.getText(), "streamed worker vs engine alone");
        }
        Map<?, ?> fields = new com.fasterxml.jackson.databind.ObjectMapper().readValue(extraction.getJson(), Map.class);
        assertEquals(List.of("component", "date"), new ArrayList<>(fields.keySet()));
        for (Object value : fields.values()) {
            assertTrue(value instanceof String s && s.codePointCount(0, s.length()) <= OrderRunner.FIELD_MAX_CHARS, extraction.getJson());
        }
    }

    @Test
    void aRunningJobsTokenCountNeverExceedsTheCountItEndsWith() throws Exception {
        // a document of one small chunk: its one RUNNING tick comes as the chunk is fed
        place(order("ticks-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "a short text of a few words".getBytes(), null));
        Summary summary = one(topics.summaries, "ticks-1");
        assertEquals(JobState.SUCCEEDED, finalState("ticks-1"));
        List<JobStatus> statuses = all(topics.status, "ticks-1");
        JobStatus end = last(statuses);
        assertEquals(summary.getUsage().getDocumentTokens(), end.getTokensProcessed(), "the end counts the document's tokens");
        List<Long> running = statuses.stream().filter(st -> st.getState() == JobState.RUNNING).map(JobStatus::getTokensProcessed).toList();
        assertTrue(!running.isEmpty(), "a tick as the chunk was fed");
        // the ticks count the document's tokens too, not the prompt's preamble before them
        assertTrue(running.stream().allMatch(t -> t <= end.getTokensProcessed()), running + " then " + end.getTokensProcessed());
    }

    @Test
    void extractionFollowsTheTasksJsonSchema() throws Exception {
        // given an EXTRACT task with a JSON Schema of an enum, an integer and a bounded array of strings
        String schema = """
                {"type": "object", "required": ["severity", "failures", "hosts"], "properties": {
                  "severity": {"enum": ["low", "high"]},
                  "failures": {"type": "integer"},
                  "hosts": {"type": "array", "maxItems": 2, "items": {"type": "string", "maxLength": 12}}}}""";
        String text = SharedData.head(SharedData.corpusDir().resolve("logs/loghub_2k/OpenSSH/OpenSSH_2k.log"), 300);
        List<Task> tasks = List.of(Task.newBuilder().setType(TaskType.EXTRACT).setJsonSchema(schema).build());
        // when the worker runs it on the random-weight tiny model
        place(order("schema-1", DocumentKind.LOG, tasks, text.getBytes(StandardCharsets.UTF_8), null));
        Extraction extraction = one(topics.extractions, "schema-1");
        // then the committed JSON has exactly the schema's shape
        assertEquals(JobState.SUCCEEDED, finalState("schema-1"));
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(extraction.getJson());
        assertEquals(List.of("severity", "failures", "hosts"), iterable(json.fieldNames()));
        assertTrue(List.of("low", "high").contains(json.get("severity").asText()), extraction.getJson());
        assertTrue(json.get("failures").isIntegralNumber(), extraction.getJson());
        assertTrue(json.get("hosts").isArray() && json.get("hosts").size() <= 2, extraction.getJson());
        for (com.fasterxml.jackson.databind.JsonNode host : json.get("hosts")) {
            assertTrue(host.isTextual() && host.asText().codePointCount(0, host.asText().length()) <= 12, extraction.getJson());
        }
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        List<String> out = new ArrayList<>();
        names.forEachRemaining(out::add);
        return out;
    }

    @Test
    void documentOverBudgetIsStreamedThroughAView() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 200_000; i++) {
            sb.append(i % 97 == 0 ? "2026-01-01 node-" + i + " ERROR disk failure on volume " + i : "2026-01-01 node-" + i + " INFO heartbeat ok")
                    .append('\n');
        }
        byte[] doc = sb.toString().getBytes(StandardCharsets.UTF_8);
        place(order("view-1", DocumentKind.LOG, List.of(task(TaskType.SUMMARIZE)), doc, null));
        Summary summary = one(topics.summaries, "view-1");
        assertEquals(JobState.SUCCEEDED, finalState("view-1"));
        double share = summary.getUsage().getDocumentShareRead();
        assertTrue(share > 0 && share < 0.5, "a 200 KB log with a 1K-token budget is read in part: " + share);
        assertTrue(summary.getUsage().getDocumentTokens() <= worker.budgetTokens(),
                summary.getUsage().getDocumentTokens() + " tokens fed, budget " + worker.budgetTokens());
        assertTrue(summary.getUsage().getDocumentTokens() >= worker.budgetTokens() * 0.9,
                "the view fills the budget: " + summary.getUsage().getDocumentTokens());
        // the digest reads the whole stream, not only the view: the error lines of the middle can be in it
        assertDigestIsExtractive(summary, sb.toString());
        assertTrue(summary.getDigest().contains("ERROR"), "the salient error lines are boosted: " + summary.getDigest());
    }

    @Test
    void contractExtractionCarriesAnalysisWithSpansIntoTheDocument() throws Exception {
        // given a contract whose title holds non-ASCII characters, so byte and character offsets differ
        String text = "LEASE AGREEMENT \u2014 Caf\u00e9 premises\n"
                + "This Lease Agreement is made as of May 5, 2020 by and between Granite Holdings, Inc. (\"Landlord\") "
                + "and Pebble Cafe LLC (\"Tenant\").\nThis Agreement shall be governed by the laws of the State of Vermont.\n";
        byte[] doc = text.getBytes(StandardCharsets.UTF_8);
        List<Task> tasks = List.of(Task.newBuilder().setType(TaskType.EXTRACT).setFields(List.of("parties")).build());
        // when the worker runs it, in chunks that cut words
        place(order("contract-1", DocumentKind.CONTRACT, tasks, doc, null, 23));
        Extraction extraction = one(topics.extractions, "contract-1");
        assertEquals(JobState.SUCCEEDED, finalState("contract-1"));
        // then json is the model's object alone, and analysis the analyzer's facts
        assertEquals(List.of("parties"), iterable(JSON.readTree(extraction.getJson()).fieldNames()));
        JsonNode analysis = JSON.readTree(extraction.getAnalysis());
        assertEquals("contracts", analysis.path("analyzer").asText());
        List<String> parties = new ArrayList<>();
        analysis.path("facts").path("parties").forEach(p -> parties.add(p.path("name").asText()));
        assertEquals(List.of("Granite Holdings, Inc.", "Pebble Cafe LLC"), parties);
        assertEquals("Vermont", analysis.path("facts").path("governing_law").path("value").asText());
        // and every span's bytes are the document's text the fact was read from
        List<String> partySpans = new ArrayList<>();
        for (var span : extraction.getSpans()) {
            String covered = new String(doc, (int) span.getStart(), (int) (span.getEnd() - span.getStart()), StandardCharsets.UTF_8);
            if (span.getLabel().equals("parties")) {
                partySpans.add(covered);
            }
            if (span.getLabel().equals("governing_law")) {
                assertTrue(covered.contains("Vermont"), covered);
            }
        }
        assertEquals(parties, partySpans);
        assertTrue(extraction.getSpans().stream().anyMatch(sp -> sp.getLabel().equals("governing_law")), extraction.getSpans().toString());
    }

    @Test
    void logExtractionOverBudgetCarriesTemplatesOfTheWholeLog() throws Exception {
        // given a log far over the budget with an error burst near its end
        StringBuilder sb = new StringBuilder();
        int lines = 4000;
        for (int i = 0; i < lines; i++) {
            sb.append(i >= 3500 && i < 3600 ? "2026-01-01 node-" + i + " ERROR disk failure on volume " + i
                    : "2026-01-01 node-" + i + " INFO heartbeat ok").append('\n');
        }
        byte[] doc = sb.toString().getBytes(StandardCharsets.UTF_8);
        List<Task> tasks = List.of(Task.newBuilder().setType(TaskType.EXTRACT).setFields(List.of("cause")).build());
        place(order("log-facts-1", DocumentKind.LOG, tasks, doc, null));
        Extraction extraction = one(topics.extractions, "log-facts-1");
        assertEquals(JobState.SUCCEEDED, finalState("log-facts-1"));
        assertTrue(extraction.getUsage().getDocumentShareRead() < 0.5, "the model read part of it");
        // then the analyzer read every line, found both templates and the burst
        JsonNode facts = JSON.readTree(extraction.getAnalysis()).path("facts");
        assertEquals(lines, facts.path("lines").asLong(), "the analyzer reads past the budget");
        assertEquals(2, facts.path("template_count").asInt(), facts.path("templates").toString());
        assertTrue(facts.path("error_bursts").size() >= 1, facts.toString());
        String text = sb.toString();
        for (var span : extraction.getSpans()) {
            String covered = text.substring((int) span.getStart(), (int) span.getEnd());
            if (span.getLabel().startsWith("template:")) {
                assertTrue(covered.startsWith("2026-01-01 node-") && !covered.contains("\n"), covered);
            } else {
                assertEquals("error_burst", span.getLabel());
                assertTrue(covered.contains("ERROR disk failure on volume 3500"), covered.substring(0, 80));
            }
        }
        assertTrue(extraction.getSpans().stream().anyMatch(sp -> sp.getLabel().equals("error_burst")));
    }

    @Test
    void cancelledJobEndsCancelledWithoutResult() throws Exception {
        Control cancel = Control.newBuilder().setJobId("cancel-1").setAction(ControlAction.CANCEL).setRequestedAt(Instant.now()).build();
        send(topics.control, "cancel-1", cancel, null);
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!worker.knowsCancelled("cancel-1") && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        place(order("cancel-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "some text".getBytes(), null));
        place(order("after-cancel", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "more text".getBytes(), null));
        one(topics.summaries, "after-cancel");
        assertEquals(JobState.CANCELLED, finalState("cancel-1"));
        assertEquals(0, all(topics.summaries, "cancel-1").size());
    }

    @Test
    void aSecondOrderOfOneSubmissionIsDroppedButAJobIdUsedAgainRunsAgain() throws Exception {
        WorkOrder first = ranToItsResult("reused-1", "s1", "first text");
        // when the same submission's order comes again, then the id under a new submission
        place(first);
        WorkOrder again = order("reused-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "second text".getBytes(), null);
        again.getRequest().setSubmissionId("s2");
        place(again);
        place(order("after-reuse", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "marker".getBytes(), null));
        one(topics.summaries, "after-reuse");
        // then the repeat is dropped and the new submission runs: one result each
        assertEquals(2, all(topics.summaries, "reused-1").size());
        // and the repeat's final status is said again (what releases its place at the dispatcher)
        List<JobStatus> finals = all(topics.status, "reused-1").stream()
                .filter(st -> st.getSubmissionId().equals("s1") && st.getState() == JobState.SUCCEEDED).toList();
        assertEquals(2, finals.size(), finals.toString());
        assertEquals(finals.get(0).getTokensProcessed(), finals.get(1).getTokensProcessed(), "said again as it was");
        assertNull(finals.get(1).getReason());
    }

    @Test
    void withoutASubmissionIdTwoOrdersOfAJobIdAreTwoLives() throws Exception {
        // a producer that sets no submission id: the planner's second order of the id (after it forgot
        // the first) is a new life, which a worker that still remembers the first must run
        place(order("unnamed-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "first life".getBytes(), null));
        one(topics.summaries, "unnamed-1");
        place(order("unnamed-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "second life".getBytes(), null));
        long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (all(topics.summaries, "unnamed-1").size() < 2 && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertEquals(2, all(topics.summaries, "unnamed-1").size());
    }

    @Test
    void aCancelOfAnEarlierLifeOfTheJobIdDoesNotCancelItsNewSubmission() throws Exception {
        // given a cancel of the job id requested three hours before the new submission
        Control old = Control.newBuilder().setJobId("relife-1").setAction(ControlAction.CANCEL)
                .setRequestedAt(Instant.now().minus(Duration.ofHours(3))).build();
        send(topics.control, "relife-1", old, null);
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!worker.knowsCancelled("relife-1") && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertTrue(worker.knowsCancelled("relife-1"));
        // when the id's new submission is ordered, then it runs
        place(order("relife-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "a new life".getBytes(), null));
        one(topics.summaries, "relife-1");
        assertEquals(JobState.SUCCEEDED, finalState("relife-1"));
    }

    @Test
    void pastDeadlineGivesExpiredAndUndecodableOrdersAreDeadLettered() throws Exception {
        place(order("late-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "late".getBytes(), Instant.now().minusSeconds(5)));
        producer.send(new ProducerRecord<>(topics.work.name(), 0, new byte[] {0, 0, 0, 0}, "not avro".getBytes())).get();
        place(order("after-bad", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "fine".getBytes(), null));
        one(topics.summaries, "after-bad");
        assertEquals(JobState.EXPIRED, finalState("late-1"));
        assertEquals(0, all(topics.summaries, "late-1").size());
        List<DeadLetter> dead = new ArrayList<>();
        for (var r : read(topics.deadLetters)) {
            if (r.getOriginalTopic().equals(topics.work.name())) {
                dead.add(r);
            }
        }
        assertEquals(1, dead.size());
        assertEquals("BAD_MAGIC", dead.get(0).getReasonCode());
    }

    @Test
    void anOrderOfANewerSchemaHoldsItsLaneUntilAnUpgradedWorkerAndIsNeitherDeadLetteredNorCommittedPast() throws Exception {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        Topics skew = namespaceTopics("skew.", 2, registry);
        WorkerConfig config = config("skew-1", "skew.");
        Topics saved = topics;
        topics = skew;
        try (Worker w = new Worker(config, skew, new LaneAssignment.Pinned(List.of(0, 1)), Faults.NONE, Duration.ofMillis(20))) {
            // given, on lane 0, an order written by a newer pipeline whose task type enum has a symbol
            // this worker lacks (the registry takes it as BACKWARD), then an ordinary order behind it
            byte[] bytes = skew.work.values().serializer().serialize(skew.work.name(),
                    order("newer-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "from the future".getBytes(), null));
            org.apache.avro.Schema newer = new org.apache.avro.Schema.Parser().parse(WorkOrder.getClassSchema().toString()
                    .replace("[\"SUMMARIZE\",\"EXTRACT\"]", "[\"CLASSIFY\",\"SUMMARIZE\",\"EXTRACT\"]"));
            java.nio.ByteBuffer.wrap(bytes).putInt(1, registry.register(skew.work.name() + "-value", newer));
            producer.send(new ProducerRecord<>(skew.work.name(), 0, skew.work.keys().serializer().serialize(skew.work.name(), 0), bytes)).get();
            place(order("behind-newer-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "waits".getBytes(), null));
            // when an order on the other lane has run, and the held one has been tried again
            placeOn(1, order("beside-newer-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "runs".getBytes(), null));
            one(topics.summaries, "beside-newer-1");
            Thread.sleep(3000);
            // then the newer order is not dead-lettered, no status is made up for it, and the order
            // behind it waits on its lane: it is all still there for an upgraded worker to take
            assertEquals(List.of(), read(topics.deadLetters));
            assertEquals(0, all(topics.status, "newer-1").size());
            assertEquals(0, all(topics.status, "behind-newer-1").size());
            // and the worker's heartbeats count the order it holds, so the dispatcher never takes it as idle
            List<WorkerHeartbeat> beats = all(skew.workers, "skew-1");
            assertTrue(!beats.isEmpty() && beats.getLast().getOutstandingCostTokens() >= 1, "the held order went unreported: " + beats);
            assertTrue(w.failure().isEmpty(), String.valueOf(w.failure()));
        } finally {
            topics = saved;
        }
    }

    @Test
    void anOutcomeThatCannotBeCommittedGivesWayAndItsLaneMovesOn() throws Exception {
        Topics stuck = namespaceTopics("stuck.", 1);
        WorkerConfig config = config("stuck-1", "stuck.");
        // offset 0 fails (a FAILED status and a dead letter), offset 1 is not Avro (a dead letter):
        // neither outcome can be committed in MAX_TRIES tries (a dead letter over the broker's
        // limit, a topic this worker may not write); what replaces them can. Offset 2 succeeds,
        // and its commits fail for longer than MAX_TRIES with a failure that passes (a coordinator
        // away): it is waited out, not turned into a failure
        Map<String, java.util.concurrent.atomic.AtomicInteger> commits = new java.util.concurrent.ConcurrentHashMap<>();
        Faults faults = (point, order) -> {
            String offset = order.substring(order.lastIndexOf('@') + 1);
            if (point == Faults.Point.PREFILL && offset.equals("0")) {
                throw new IllegalStateException("a bug (test)");
            }
            if (point == Faults.Point.BEFORE_COMMIT && (offset.equals("0") || offset.equals("1"))
                    && commits.computeIfAbsent(offset, o -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet() <= Worker.MAX_TRIES) {
                throw new org.apache.kafka.common.KafkaException("cannot commit (test)",
                        new org.apache.kafka.common.errors.RecordTooLargeException("record too large (test)"));
            }
            if (point == Faults.Point.BEFORE_COMMIT && offset.equals("2")
                    && commits.computeIfAbsent(offset, o -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet() <= Worker.MAX_TRIES + 1) {
                throw new org.apache.kafka.common.errors.CoordinatorNotAvailableException("coordinator away (test)");
            }
        };
        Topics saved = topics;
        topics = stuck;
        try (Worker w = new Worker(config, stuck, new LaneAssignment.Pinned(List.of(0)), faults, Duration.ofMillis(20))) {
            place(order("stuck-fail-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "text".getBytes(), null));
            producer.send(new ProducerRecord<>(topics.work.name(), 0, new byte[] {0, 0, 0, 0}, "not avro".getBytes())).get();
            place(order("after-stuck-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "then this".getBytes(), null));
            // then the order behind them runs
            one(topics.summaries, "after-stuck-1");
            // the failed job ends FAILED with its own reason: its status went without its dead letter
            assertEquals(JobState.FAILED, finalState("stuck-fail-1"));
            JobStatus failed = last(all(topics.status, "stuck-fail-1"));
            assertTrue(failed.getReason().contains("a bug (test)"), failed.getReason());
            // and neither dead letter landed: they were what could not be committed
            assertEquals(List.of(), read(topics.deadLetters));
            assertEquals(Worker.MAX_TRIES + 1, commits.get("0").get());
            assertEquals(Worker.MAX_TRIES + 1, commits.get("1").get());
            assertEquals(JobState.SUCCEEDED, finalState("after-stuck-1"), "a failure that passes is waited out");
            assertEquals(Worker.MAX_TRIES + 2, commits.get("2").get());
            assertTrue(w.failure().isEmpty(), String.valueOf(w.failure()));
        } finally {
            topics = saved;
        }
    }

    @Test
    void pinnedWorkerTakesOnlyItsLanes() throws Exception {
        Topics pinnedTopics = namespaceTopics("pinned.", 2);
        WorkerConfig config = config("pinned-1", "pinned.");
        Topics saved = topics;
        try (Worker pinned = new Worker(config, pinnedTopics, new LaneAssignment.Pinned(List.of(1)))) {
            topics = pinnedTopics;
            WorkOrder onOne = order("pinned-a", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "lane one".getBytes(), null);
            WorkOrder onZero = order("pinned-b", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "lane zero".getBytes(), null);
            producer.send(new ProducerRecord<>(topics.work.name(), 0, topics.work.keys().serializer().serialize(topics.work.name(), 0),
                    topics.work.values().serializer().serialize(topics.work.name(), onZero))).get();
            producer.send(new ProducerRecord<>(topics.work.name(), 1, topics.work.keys().serializer().serialize(topics.work.name(), 1),
                    topics.work.values().serializer().serialize(topics.work.name(), onOne))).get();
            one(topics.summaries, "pinned-a");
            assertEquals(1, pinned.ordersDone(), "only the order on its lane");
            assertEquals(0, all(topics.status, "pinned-b").size(), "lane 0 is not this worker's");
        } finally {
            topics = saved;
        }
    }

    @Test
    void aPinnedLaneThatDoesNotExistIsRefusedBeforeTheModelLoads() throws Exception {
        // a model folder that does not exist: the lanes are refused before any model is loaded
        WorkerConfig noModel = WorkerConfig.defaults("nolane-0", kafka.bootstrapServers(), Path.of("no-such-model"))
                .withContext(BUDGET, Duration.ofMinutes(10)).withOutput(OUTPUT).withEngine("cpu", 1);
        IllegalArgumentException first = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Worker(noModel, topics, new LaneAssignment.Pinned(List.of(9))));
        assertTrue(first.getMessage().contains("[9]"), first.getMessage());
        WorkerConfig config = WorkerConfig.defaults("nolane-1", kafka.bootstrapServers(), MODEL)
                .withContext(BUDGET, Duration.ofMinutes(10)).withOutput(OUTPUT).withEngine("cpu", 1);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Worker(config, topics, new LaneAssignment.Pinned(List.of(1, 9))));
        assertTrue(e.getMessage().contains("[9]") && e.getMessage().contains("2 partitions"), e.getMessage());
    }

    @Test
    void anOrderHeldUpOnOneLaneDoesNotHoldUpTheOtherAndACancelReachesOnlyItsOwn() throws Exception {
        Topics laneTopics = namespaceTopics("lanes.", 2);
        // given a worker on lanes 0 and 1 whose order on lane 0 stops at its first prefill chunk until released
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Faults holdLaneZero = heldAtFirstPrefill(laneTopics.work.name() + "-0@", release);
        WorkerConfig config = WorkerConfig.defaults("lanes-1", kafka.bootstrapServers(), MODEL).withNamespace("lanes.")
                .withContext(BUDGET, Duration.ofMinutes(10)).withOutput(OUTPUT).withEngine("cpu", 2).withConcurrentOrders(2);
        Topics saved = topics;
        try (Worker lanes = new Worker(config, laneTopics, new LaneAssignment.Pinned(List.of(0, 1)), holdLaneZero)) {
            topics = laneTopics;
            WorkOrder held = order("held-0", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "held on lane zero".getBytes(), null);
            WorkOrder free = order("free-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "free on lane one".getBytes(), null);
            placeOn(0, held);
            placeOn(1, free);
            // when lane 0's order is held up, lane 1's order still runs and commits
            one(topics.summaries, "free-1");
            assertEquals(0, all(topics.summaries, "held-0").size(), "the held order is still in progress");
            // and a cancel for the held job, once it is released, ends that job alone
            send(topics.control, "held-0", Control.newBuilder().setJobId("held-0").setAction(ControlAction.CANCEL)
                    .setRequestedAt(Instant.now()).build(), null);
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!lanes.knowsCancelled("held-0") && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            release.countDown();
            assertEquals(JobState.CANCELLED, finalState("held-0"));
            assertEquals(JobState.SUCCEEDED, finalState("free-1"));
            assertEquals(0, all(topics.summaries, "held-0").size());
            assertEquals(1, lanes.ordersDone());
        } finally {
            release.countDown();
            topics = saved;
        }
    }

    @Test
    void aPausedJobIsStoppedAndHandedBackItsLaneMovesOnAndOnceResumedItRunsToOneResult() throws Exception {
        Topics pauseTopics = namespaceTopics("pause.", 1);
        // given a worker whose first run stops at its first prefill chunk until released
        java.util.concurrent.CountDownLatch reached = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Faults holdFirstRun = holdingFirstRun(reached, release);
        Topics saved = topics;
        try (Worker w = new Worker(config("pause-1", "pause."), pauseTopics, new LaneAssignment.Pinned(List.of(0)), holdFirstRun)) {
            topics = pauseTopics;
            WorkOrder paused = order("paused-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "paused while it ran".getBytes(), null);
            placeOn(0, paused);
            assertTrue(reached.await(60, java.util.concurrent.TimeUnit.SECONDS), "the run started");
            // when the job is paused while it runs
            pauseAndAwait(w, "paused-1");
            release.countDown();
            // then the run stops and its order is handed back, with no result
            assertEquals(1, awaitHandedBack("paused-1", 1));
            // and the lane moves on: the hand-back committed the order's offset
            placeOn(0, order("after-pause", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "next on the lane".getBytes(), null));
            one(topics.summaries, "after-pause");
            // an order of the job released while it is still paused (a dispatcher that has not read the PAUSE yet) is handed back unrun
            int runningBefore = countStates("paused-1", JobState.RUNNING);
            placeOn(0, paused);
            assertEquals(2, awaitHandedBack("paused-1", 2));
            assertEquals(runningBefore, countStates("paused-1", JobState.RUNNING), "it did not start");
            // and once resumed, the order released again runs from the beginning to one result
            sendControl("paused-1", ControlAction.RESUME);
            // (a worker that has not read the RESUME yet reads `control` that far before it hands an order back)
            placeOn(0, paused);
            one(topics.summaries, "paused-1");
            assertEquals(JobState.SUCCEEDED, finalState("paused-1"));
            assertEquals(2, w.ordersDone());
        } finally {
            release.countDown();
            topics = saved;
        }
    }

    /**
     * A job with a deadline paused while it ran: its hand-back says it had started, and its order,
     * released again with that said (WorkOrder.started) after the deadline, runs rather than expire.
     * An order handed back unrun says it had not.
     */
    @Test
    void aPausedRunOfAJobWithADeadlineIsHandedBackAsStartedAndRunsWhenReleasedPastIt() throws Exception {
        Topics pauseTopics = namespaceTopics("latepause.", 1);
        java.util.concurrent.CountDownLatch reached = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Faults holdFirstRun = holdingFirstRun(reached, release);
        Topics saved = topics;
        try (Worker w = new Worker(config("latepause-1", "latepause."), pauseTopics, new LaneAssignment.Pinned(List.of(0)), holdFirstRun)) {
            topics = pauseTopics;
            Instant deadline = Instant.now().plusSeconds(5);
            WorkOrder order = order("late-paused", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "paused while it ran".getBytes(), deadline);
            placeOn(0, order);
            assertTrue(reached.await(60, java.util.concurrent.TimeUnit.SECONDS), "the run started");
            // when the job is paused while it runs
            pauseAndAwait(w, "late-paused");
            release.countDown();
            // then its hand-back says it had started
            assertEquals(1, awaitHandedBack("late-paused", 1));
            JobStatus back = last(all(topics.status, "late-paused").stream().filter(dev.longhaul.schemas.JobStates::handedBack).toList());
            assertTrue(dev.longhaul.schemas.JobStates.handedBackStarted(back), back.getReason());
            // while an order of it released while still paused, which never runs, is handed back as unstarted
            WorkOrder unrun = order("late-unrun", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "never ran".getBytes(),
                    Instant.now().plusSeconds(600));
            sendControl("late-unrun", ControlAction.PAUSE);
            placeOn(0, unrun);
            assertEquals(1, awaitHandedBack("late-unrun", 1));
            JobStatus unrunBack = last(all(topics.status, "late-unrun").stream().filter(dev.longhaul.schemas.JobStates::handedBack).toList());
            assertFalse(dev.longhaul.schemas.JobStates.handedBackStarted(unrunBack), unrunBack.getReason());
            // and once resumed past its deadline, the order released again as started runs to its result
            Thread.sleep(Math.max(0, Duration.between(Instant.now(), deadline).toMillis() + 200));
            sendControl("late-paused", ControlAction.RESUME);
            placeOn(0, WorkOrder.newBuilder(order).setStarted(true).setReleasedAt(Instant.now()).build());
            one(topics.summaries, "late-paused"); // first: until the run ends, the hand-back is the latest status
            assertEquals(JobState.SUCCEEDED, finalState("late-paused"));
        } finally {
            release.countDown();
            topics = saved;
        }
    }

    @Test
    void aReadOfControlAskedForIsDoneOnlyOnceWhatControlHeldThenHasBeenRead() throws Exception {
        Topics controlTopics = namespaceTopics("ctlread.", 1);
        // given a control listener held up inside its handling of a PAUSE
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Topics saved = topics;
        topics = controlTopics;
        try (ControlListener listener = new ControlListener(config("ctlread-1", "ctlread."), controlTopics, jobId -> {
            entered.countDown();
            try {
                release.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        })) {
            sendControl("ctl-x", ControlAction.PAUSE);
            assertTrue(entered.await(30, java.util.concurrent.TimeUnit.SECONDS), "the PAUSE was read");
            // when a RESUME is written meanwhile, and a read is asked for after it
            sendControl("ctl-x", ControlAction.RESUME);
            long ticket = listener.requestRead();
            Thread.sleep(500);
            // then the read is not done while the RESUME is unread
            assertFalse(listener.readPast(ticket), "the read was done before the listener read what control held");
            release.countDown();
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!listener.readPast(ticket) && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            // and once it is done, the RESUME has been read
            assertTrue(listener.readPast(ticket));
            assertFalse(listener.isPaused("ctl-x"), "the read was done without the RESUME written before it was asked for");
        } finally {
            release.countDown();
            topics = saved;
        }
    }

    /** Pauses the job and waits until the worker knows (the pause then reaches its run at the next step). */
    private static void pauseAndAwait(Worker w, String jobId) throws Exception {
        sendControl(jobId, ControlAction.PAUSE);
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!w.knowsPaused(jobId) && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertTrue(w.knowsPaused(jobId), "the pause reached the worker");
    }

    private static void sendControl(String jobId, ControlAction action) throws Exception {
        send(topics.control, jobId, Control.newBuilder().setJobId(jobId).setAction(action).setRequestedAt(Instant.now()).build(), null);
    }

    /** Waits until the job's statuses hold `count` hand-backs (JobStates.HANDED_BACK), with no result; returns how many they hold. */
    private static int awaitHandedBack(String jobId, int count) {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int seen = 0;
        while (seen < count && System.nanoTime() < end) {
            seen = (int) all(topics.status, jobId).stream().filter(dev.longhaul.schemas.JobStates::handedBack).count();
            if (seen < count) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }
        assertEquals(0, all(topics.summaries, jobId).size(), "a handed-back run has no result");
        return seen;
    }

    private static int countStates(String jobId, JobState state) {
        return (int) all(topics.status, jobId).stream().filter(st -> st.getState() == state).count();
    }

    @Test
    void aWorkerFencedByAnotherProcessOnItsPinnedLanesStopsAndTheJobHasOneResult() throws Exception {
        Topics twins = namespaceTopics("twins.", 1);
        WorkerConfig config = config("twin", "twins.");
        Topics saved = topics;
        topics = twins;
        // given a worker on pinned lanes, and a second process started later on them under another
        // worker id (a hung worker's replacement, or a rolling deploy's: pinned lanes have no group
        // generation, so only the lanes' transactional id fences the first)
        try (Worker first = new Worker(config, twins, new LaneAssignment.Pinned(List.of(0)));
             Worker second = new Worker(config("twin-replacement", "twins."),
                     twins, new LaneAssignment.Pinned(List.of(0)))) {
            // when an order comes that both take
            place(order("twin-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "one text".getBytes(), null));
            one(topics.summaries, "twin-1");
            // then the first, fenced, stops saying why, and the job has its one result
            long deadline = System.currentTimeMillis() + 60_000;
            while (first.failure().isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(first.failure().isPresent() && first.failure().get().getMessage().contains("was fenced"),
                    String.valueOf(first.failure()));
            assertTrue(second.failure().isEmpty(), String.valueOf(second.failure()));
            Thread.sleep(2000);
            assertEquals(1, all(topics.summaries, "twin-1").size());
        } finally {
            topics = saved;
        }
    }

    @Test
    void aWorkerWhoseRegistryIsDownKeepsBeatingStartsNothingAndCommitsOnceItIsBack() throws Exception {
        InMemorySchemaRegistry up = new InMemorySchemaRegistry();
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean(true);
        dev.longhaul.schemas.wire.SchemaRegistry switched = new dev.longhaul.schemas.wire.SchemaRegistry() {
            @Override
            public int register(String subject, org.apache.avro.Schema schema) {
                if (down.get()) {
                    throw new dev.longhaul.schemas.wire.RegistryException("registry unreachable (test)", null);
                }
                return up.register(subject, schema);
            }

            @Override
            public org.apache.avro.Schema schemaById(int id) {
                if (down.get()) {
                    throw new dev.longhaul.schemas.wire.RegistryException("registry unreachable (test)", null);
                }
                return up.schemaById(id);
            }
        };
        Topics brokenTopics = namespaceTopics("broken.", 1, switched);
        WorkerConfig config = config("broken-1", "broken.");
        try (Worker broken = new Worker(config, brokenTopics, new LaneAssignment.Pinned(List.of(0)), Faults.NONE, Duration.ofMillis(200))) {
            // an undecodable order must be dead-lettered, which needs the registry: while it is
            // down, nothing starts (no outcome could be written) and the worker goes on beating
            producer.send(new ProducerRecord<>(brokenTopics.work.name(), 0, new byte[] {1}, new byte[] {42})).get();
            Thread.sleep(3 * config.heartbeatInterval().toMillis());
            assertTrue(broken.failure().isEmpty(), () -> "an unreachable registry does not stop the worker: " + broken.failure());
            // once the registry is back, the order's dead letter is committed
            down.set(false);
            long deadline = System.currentTimeMillis() + 60_000;
            List<DeadLetter> dead = List.of();
            while (dead.isEmpty() && System.currentTimeMillis() < deadline) {
                dead = read(brokenTopics.deadLetters);
            }
            assertEquals(1, dead.size(), dead::toString);
            assertEquals("NOT_AVRO", dead.get(0).getReasonCode());
            assertTrue(broken.failure().isEmpty(), () -> String.valueOf(broken.failure()));
        }
    }

    @Test
    void anOrderWhoseSchemaIdTheRegistrySaysItDoesNotKnowIsDeadLetteredAndTheLaneGoesOn() throws Exception {
        // a registry answering as the REST client does: an id it does not know is a refusal
        // (WireFormatException) that carries the registry's 404 as its cause, not an outage
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        dev.longhaul.schemas.wire.SchemaRegistry rest = new dev.longhaul.schemas.wire.SchemaRegistry() {
            @Override
            public int register(String subject, org.apache.avro.Schema schema) {
                return registry.register(subject, schema);
            }

            @Override
            public org.apache.avro.Schema schemaById(int id) {
                try {
                    return registry.schemaById(id);
                } catch (dev.longhaul.schemas.wire.WireFormatException e) {
                    throw new dev.longhaul.schemas.wire.WireFormatException(dev.longhaul.schemas.wire.DeadLetterReason.UNKNOWN_SCHEMA_ID,
                            "schema id " + id + " is not known to the registry (test)",
                            new dev.longhaul.schemas.wire.RegistryException(404, 40403, "Schema " + id + " not found"));
                }
            }
        };
        Topics unknown = namespaceTopics("unknownid.", 1, rest);
        Topics saved = topics;
        topics = unknown;
        try (Worker w = new Worker(config("unknownid-1", "unknownid."), unknown, new LaneAssignment.Pinned(List.of(0)),
                Faults.NONE, Duration.ofMillis(200))) {
            // when an order written under schema id 4711, which the registry does not know, comes before a good one
            producer.send(new ProducerRecord<>(unknown.work.name(), 0, new byte[] {0, 0, 0, 0},
                    new byte[] {0, 0, 0, 0x12, 0x67, 2, 4, 6})).get();
            place(order("after-unknown", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "fine".getBytes(), null));
            // then the unknown one is dead-lettered saying so, and the lane goes on to the next
            one(unknown.summaries, "after-unknown");
            List<DeadLetter> dead = read(unknown.deadLetters);
            assertEquals(1, dead.size(), dead::toString);
            assertEquals("UNKNOWN_SCHEMA_ID", dead.get(0).getReasonCode());
            assertTrue(w.failure().isEmpty(), () -> String.valueOf(w.failure()));
        } finally {
            topics = saved;
        }
    }

    @Test
    void aFinishedSubmissionsOrderSaysItsEndAgainThoughItsJobWasCancelledSince() throws Exception {
        WorkOrder first = ranToItsResult("ended-1", "e1", "an ended text");
        assertEquals(JobState.SUCCEEDED, finalState("ended-1"));
        // when a cancel comes after it ended, and then the dispatcher's extra release of its order
        send(topics.control, "ended-1", Control.newBuilder().setJobId("ended-1").setAction(ControlAction.CANCEL)
                .setRequestedAt(Instant.now()).build(), null);
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!worker.knowsCancelled("ended-1") && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertTrue(worker.knowsCancelled("ended-1"));
        place(first);
        place(order("after-ended", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "a marker".getBytes(), null));
        one(topics.summaries, "after-ended");
        // then the job stays SUCCEEDED: its end is said again, no CANCELLED follows it
        List<JobState> finals = all(topics.status, "ended-1").stream().map(JobStatus::getState)
                .filter(st -> st != JobState.RUNNING).toList();
        assertEquals(List.of(JobState.SUCCEEDED, JobState.SUCCEEDED), finals);
    }

    @Test
    void aRegistryThatRefusesTheResultsSchemaStopsTheWorkerLoudly() throws Exception {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        dev.longhaul.pipeline.FlakyRegistry refusing = new dev.longhaul.pipeline.FlakyRegistry(registry);
        Topics refusedTopics = namespaceTopics("refused.", 1, registry);
        refusing.refuse(refusedTopics.summaries.name() + "-value");
        Topics saved = topics;
        topics = refusedTopics;
        try (Worker w = new Worker(config("refused-1", "refused."), new Topics("refused.", refusing), new LaneAssignment.Pinned(List.of(0)))) {
            // the registry takes the order's schema but refuses the summaries': nothing could be
            // written, so the worker stops before the run, saying why, rather than idling unseen
            place(order("refused-job", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "text".getBytes(), null));
            long deadline = System.currentTimeMillis() + 60_000;
            while (w.failure().isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(w.failure().isPresent(), "the poll loop's failure is kept");
            assertTrue(w.failure().get().getMessage().contains("incompatible"), w.failure().get().toString());
            assertEquals(0, all(topics.status, "refused-job").size(), "nothing of the job was written");
            w.awaitStop();
        } finally {
            topics = saved;
        }
    }

    @Test
    void ordersOnLanesHeldAtDifferentTimesAreDecodedOnceTheRegistryAnswersAgain() throws Exception {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        dev.longhaul.pipeline.FlakyRegistry flaky = new dev.longhaul.pipeline.FlakyRegistry(registry);
        Topics twoLanes = namespaceTopics("regtwo.", 2, registry);
        Topics saved = topics;
        topics = twoLanes;
        try {
            placeOn(0, order("rt-0", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "the text of lane zero".getBytes(), null));
            // lane 0's order fails its lookup when polled, and again on its first retry: it is held
            // for two seconds, and lookups are not tried for as long; lane 1's order arrives
            // half a second into that pause, and is held too, without a lookup. The lookup gate must
            // open again for the held orders' retries: when each hold pushed it (not only a failed
            // lookup), each lane's pause pushed it past the other's retry, and back, so that
            // neither asked the registry ever again
            flaky.failFirst(WorkOrder.class, 2);
            WorkerConfig config = config("regtwo-1", "regtwo.").withEngine("cpu", 2).withConcurrentOrders(2);
            try (Worker w = new Worker(config, new Topics("regtwo.", flaky), new LaneAssignment.Pinned(List.of(0, 1)),
                    Faults.NONE, Duration.ofMillis(1000))) {
                long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (flaky.failuresLeft(WorkOrder.class) > 0 && System.nanoTime() < end) {
                    Thread.sleep(10);
                }
                Thread.sleep(500);
                placeOn(1, order("rt-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "the text of lane one".getBytes(), null));
                assertEquals(JobState.SUCCEEDED, finalState("rt-0"));
                assertEquals(JobState.SUCCEEDED, finalState("rt-1"));
                assertTrue(w.failure().isEmpty(), () -> String.valueOf(w.failure()));
            }
        } finally {
            topics = saved;
        }
    }

    @Test
    void anOrderThatEndsWithoutARunIsNotKeptWaitingBehindAnotherLanesRun() throws Exception {
        Topics slotTopics = namespaceTopics("slot.", 2);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Faults holdLaneZero = heldAtFirstPrefill(slotTopics.work.name() + "-0@", release);
        // one inference slot, taken by lane 0's run until released
        WorkerConfig config = config("slot-1", "slot.").withConcurrentOrders(1);
        Topics saved = topics;
        topics = slotTopics;
        try (Worker w = new Worker(config, slotTopics, new LaneAssignment.Pinned(List.of(0, 1)), holdLaneZero)) {
            placeOn(0, order("slot-held", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "held on lane zero".getBytes(), null));
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (all(topics.status, "slot-held").isEmpty() && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            // a job cancelled before its order reaches lane 1: it ends, unrun, while lane 0 still runs
            send(topics.control, "slot-cancelled", Control.newBuilder().setJobId("slot-cancelled").setAction(ControlAction.CANCEL)
                    .setRequestedAt(Instant.now()).build(), null);
            end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!w.knowsCancelled("slot-cancelled") && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            placeOn(1, order("slot-cancelled", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "cancelled".getBytes(), null));
            assertEquals(JobState.CANCELLED, finalState("slot-cancelled"));
            assertEquals(0, all(topics.summaries, "slot-held").size(), "lane 0's run is still held");
            release.countDown();
            assertEquals(JobState.SUCCEEDED, finalState("slot-held"));
        } finally {
            release.countDown();
            topics = saved;
        }
    }

    @Test
    void aRegistryThatIsDownForAWhileLosesNoOrderNoCancelNoChunkAndAValuelessRecordIsDeadLettered() throws Exception {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        dev.longhaul.pipeline.FlakyRegistry flaky = new dev.longhaul.pipeline.FlakyRegistry(registry);
        Topics written = namespaceTopics("regdown.", 1, registry);
        Topics saved = topics;
        topics = written;
        try {
            // before the worker starts: a job cancelled while its order waits, a record without a
            // value (never the dispatcher's), and an ordinary job behind them on the same lane
            send(topics.control, "rd-cancelled", Control.newBuilder().setJobId("rd-cancelled").setAction(ControlAction.CANCEL)
                    .setRequestedAt(Instant.now()).build(), null);
            place(order("rd-cancelled", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "cancelled text".getBytes(), null));
            long valueless = producer.send(new ProducerRecord<>(topics.work.name(), 0, new byte[] {0, 0, 0, 0}, null)).get().offset();
            place(order("rd-after", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "the text after".getBytes(), null));
            // the worker's registry cannot answer the first lookups of each schema it reads
            flaky.failFirst(Control.class, 6); // about 6 s before the listener has read the cancel
            flaky.failFirst(WorkOrder.class, 2);
            flaky.failFirst(DocumentChunk.class, 1);
            WorkerConfig config = config("regdown-1", "regdown.");
            try (Worker w = new Worker(config, new Topics("regdown.", flaky), new LaneAssignment.Pinned(List.of(0)))) {
                one(topics.summaries, "rd-after");
                assertEquals(JobState.SUCCEEDED, finalState("rd-after"), "its chunks were read once the registry answered");
                assertEquals(JobState.CANCELLED, finalState("rd-cancelled"),
                        "the cancel, read once the registry answered, was known before the order started");
                assertEquals(0, all(topics.summaries, "rd-cancelled").size());
                List<DeadLetter> dead = read(topics.deadLetters);
                assertEquals(1, dead.size(), "only the record without a value: " + dead);
                assertEquals("NOT_AVRO", dead.get(0).getReasonCode());
                assertEquals(valueless, dead.get(0).getOffset());
                assertTrue(w.failure().isEmpty(), () -> "the worker goes on: " + w.failure());
            }
        } finally {
            topics = saved;
        }
    }

    @Test
    void anOutcomeInHandWhenTheLaneIsRevokedIsCommittedNotLeftToBeComputedAgain() throws Exception {
        Topics revoke = namespaceTopics("revoke.", 1);
        WorkerConfig config = config("revoke-1", "revoke.");
        java.util.concurrent.atomic.AtomicInteger commits = new java.util.concurrent.atomic.AtomicInteger();
        Faults faults = (point, order) -> {
            if (point == Faults.Point.BEFORE_COMMIT && commits.incrementAndGet() == 1) {
                throw new org.apache.kafka.common.KafkaException("commit refused (test)");
            }
        };
        Topics saved = topics;
        topics = revoke;
        Worker w = new Worker(config, revoke, LaneAssignment.group(), faults, Duration.ofMinutes(5));
        try {
            // the run finishes, its first commit fails, and the outcome waits out a long pause
            place(order("revoked-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "text of a revoked lane".getBytes(), null));
            long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (w.requeued() < 1 && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            assertEquals(1, commits.get(), "the run finished and its first commit failed");
            assertEquals(1, w.requeued(), "its outcome waits to be committed again");
            // when the worker leaves the group (as on a scale-in, or a rebalance moving the lane)
            w.close();
            // then the outcome in hand was committed while the lane was still its own
            assertEquals(2, commits.get());
            assertEquals(1, all(topics.summaries, "revoked-1").size());
            assertEquals(JobState.SUCCEEDED, last(all(topics.status, "revoked-1")).getState());
        } finally {
            w.close();
            topics = saved;
        }
    }

    @Test
    void runsThatFailForAReasonThatMayPassRunAgainAndCommitsThatDoNotLandAreRetriedNotRerun() throws Exception {
        Topics flaky = namespaceTopics("flaky.", 1);
        WorkerConfig config = config("flaky-1", "flaky.");
        // orders by offset: 0 meets a remote 503 on every try, 1 on its first two, 2 has its first
        // commit fail, 3 meets an error that does not pass, 4 succeeds on its last try and then has
        // its first commit fail, 5's first run fails in a batch step shared with others, 6's every run,
        // 7's first as a bystander of another's Error and its second in a shared step
        Map<String, java.util.concurrent.atomic.AtomicInteger> prefills = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, java.util.concurrent.atomic.AtomicInteger> commits = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, Integer> prefillsAtFirstCommit = new java.util.concurrent.ConcurrentHashMap<>();
        Faults faults = (point, order) -> {
            String offset = order.substring(order.lastIndexOf('@') + 1);
            if (point == Faults.Point.PREFILL) {
                int n = prefills.computeIfAbsent(offset, o -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
                switch (offset) {
                    case "0" -> throw new dev.longhaul.pipeline.remote.OpenAiClient.RemoteFailure(503, "overloaded (test)", null);
                    case "1" -> {
                        if (n <= 2) {
                            throw new dev.longhaul.pipeline.remote.OpenAiClient.RemoteFailure(0, "cannot reach (test)", null);
                        }
                    }
                    case "3" -> throw new IllegalStateException("a bug (test)");
                    case "5" -> {
                        if (n == 1) {
                            throw new dev.longhaul.engine.batch.StepFailedException(3,
                                    new IllegalStateException("out of device memory for the step (test)"));
                        }
                    }
                    case "6" -> throw new dev.longhaul.engine.batch.StepFailedException(2, new IllegalStateException("every step (test)"));
                    case "7" -> {
                        if (n == 1) {
                            throw dev.longhaul.engine.batch.StepFailedException.bystander(4, new OutOfMemoryError("a neighbour's (test)"));
                        } else if (n == 2) {
                            throw new dev.longhaul.engine.batch.StepFailedException(3, new IllegalStateException("the step's (test)"));
                        }
                    }
                    case "4" -> {
                        if (n < Worker.MAX_TRIES) {
                            throw new dev.longhaul.pipeline.remote.OpenAiClient.RemoteFailure(502, "bad gateway (test)", null);
                        }
                    }
                    default -> { }
                }
            } else if (point == Faults.Point.BEFORE_COMMIT && (offset.equals("2") || offset.equals("4"))) {
                if (commits.computeIfAbsent(offset, o -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet() == 1) {
                    prefillsAtFirstCommit.put(offset, prefills.get(offset).get());
                    throw new org.apache.kafka.common.KafkaException("commit refused (test)");
                }
            }
        };
        Topics saved = topics;
        topics = flaky;
        try (Worker w = new Worker(config, flaky, new LaneAssignment.Pinned(List.of(0)), faults, Duration.ofMillis(20))) {
            place(order("never-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "text one".getBytes(), null));
            place(order("twice-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "text two".getBytes(), null));
            place(order("commit-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "text three".getBytes(), null));
            place(order("bug-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "text four".getBytes(), null));
            place(order("last-try-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "text five".getBytes(), null));
            place(order("shared-step-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "text six".getBytes(), null));
            place(order("shared-always-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "text seven".getBytes(), null));
            place(order("bystander-then-shared-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "text eight".getBytes(), null));
            // a failure that may pass is tried MAX_TRIES times, then the job fails saying so
            assertEquals(JobState.FAILED, finalState("never-1"));
            assertEquals(Worker.MAX_TRIES, prefills.get("0").get());
            JobStatus never = last(all(topics.status, "never-1"));
            assertTrue(never.getReason().contains("overloaded (test)") && never.getReason().contains("try " + Worker.MAX_TRIES),
                    never.getReason());
            // one that passes after two tries gives the job its one result
            one(topics.summaries, "twice-1");
            assertEquals(JobState.SUCCEEDED, finalState("twice-1"));
            assertEquals(3, prefills.get("1").get());
            // a commit that did not land is made again with the same outcome: no second run
            one(topics.summaries, "commit-1");
            assertEquals(JobState.SUCCEEDED, finalState("commit-1"));
            assertEquals(2, commits.get("2").get());
            assertEquals(prefillsAtFirstCommit.get("2"), prefills.get("2").get(), "the order ran again");
            // any other failure is final at once
            assertEquals(JobState.FAILED, finalState("bug-1"));
            assertEquals(1, prefills.get("3").get());
            // a run's tries do not use up its commit's: the last try's result, its commit failed once, lands
            one(topics.summaries, "last-try-1");
            assertEquals(JobState.SUCCEEDED, finalState("last-try-1"));
            assertEquals(Worker.MAX_TRIES, prefills.get("4").get());
            assertEquals(2, commits.get("4").get());
            // a failure of a batch step shared with others runs once more: it need not be this order's
            one(topics.summaries, "shared-step-1");
            assertEquals(JobState.SUCCEEDED, finalState("shared-step-1"));
            assertEquals(2, prefills.get("5").get());
            // and fails on the second: one more try, not MAX_TRIES
            assertEquals(JobState.FAILED, finalState("shared-always-1"));
            assertEquals(2, prefills.get("6").get());
            // a run failed as a bystander of another's Error runs again, and a shared step failing
            // it then still gets its one extra run: the bystander's try did not use it up
            one(topics.summaries, "bystander-then-shared-1");
            assertEquals(JobState.SUCCEEDED, finalState("bystander-then-shared-1"));
            assertEquals(3, prefills.get("7").get());
            List<String> dead = new ArrayList<>();
            for (DeadLetter d : read(topics.deadLetters)) {
                dead.add(d.getOffset() + ":" + d.getReasonCode());
            }
            assertEquals(List.of("0:WORKER_ERROR", "3:WORKER_ERROR", "6:WORKER_ERROR"), dead);
            assertTrue(w.failure().isEmpty(), String.valueOf(w.failure()));
        } finally {
            topics = saved;
        }
    }

    @Test
    void aJobWhoseRunStartedBeforeItsDeadlineRunsAgainAfterItInsteadOfExpiring() throws Exception {
        // its first run fails with a remote 503 (a failure that may pass) once the deadline has passed
        runsAgainPastItsDeadline("lateretry", true, w -> { });
    }

    @Test
    void aJobPausedAndResumedWhileItRanPastItsDeadlineRunsAgainInsteadOfExpiring() throws Exception {
        // the job is paused and resumed while its first run is held: the pause stops the run at its next step
        runsAgainPastItsDeadline("lateresume", false, w -> {
            sendControl("lateresume", ControlAction.PAUSE);
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!w.knowsPaused("lateresume") && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertTrue(w.knowsPaused("lateresume"));
            sendControl("lateresume", ControlAction.RESUME);
            while (w.knowsPaused("lateresume") && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertFalse(w.knowsPaused("lateresume"));
        });
    }

    /**
     * A job whose run started in time on a worker that then stopped past the deadline (closed here;
     * a crash, or its lane moving, leaves the order as uncommitted): the lane's next owner finds the
     * start marked in the group, and runs the job rather than expire it.
     */
    @Test
    void aJobStartedInTimeOnAWorkerThatStoppedRunsOnTheLanesNextOwnerPastItsDeadline() throws Exception {
        String name = "latemove";
        Topics late = namespaceTopics(name + ".", 1);
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger prefills = new java.util.concurrent.atomic.AtomicInteger();
        Faults holdFirstRun = (point, order) -> {
            if (point == Faults.Point.PREFILL && prefills.incrementAndGet() == 1) {
                running.countDown();
                try {
                    released.await(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        Topics saved = topics;
        topics = late;
        try {
            Worker first = new Worker(config(name + "-1", name + "."), late, new LaneAssignment.Pinned(List.of(0)), holdFirstRun,
                    Duration.ofMillis(20));
            Instant deadline = Instant.now().plusSeconds(5);
            place(order(name, DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "text".getBytes(), deadline));
            assertTrue(running.await(60, java.util.concurrent.TimeUnit.SECONDS), "the run started");
            // the first worker stops once the deadline has passed, its run asked to stop before it may go on
            Thread.sleep(Math.max(0, Duration.between(Instant.now(), deadline).toMillis() + 200));
            Thread closing = Thread.ofPlatform().start(first::close);
            Thread.sleep(300);
            released.countDown();
            closing.join(60_000);
            assertEquals(1, prefills.get());
            // when the lane's next owner takes the order
            try (Worker second = new Worker(config(name + "-2", name + "."), late, new LaneAssignment.Pinned(List.of(0)), Faults.NONE,
                    Duration.ofMillis(20))) {
                // then it runs: the job had started in time
                assertEquals(JobState.SUCCEEDED, finalState(name));
                one(topics.summaries, name);
                assertTrue(second.failure().isEmpty(), String.valueOf(second.failure()));
            }
        } finally {
            topics = saved;
        }
    }

    /** Something done with a running worker (tests). */
    private interface WorkerAction {
        void run(Worker w) throws Exception;
    }

    /**
     * A job `name` (in a namespace of its own) whose deadline is 10 s away: its first run reaches
     * the prefill in time and is held there while `meanwhile` runs, then until the deadline has
     * passed, then fails with a remote 503 if `failFirstRun` (else it goes on, stopped or not). The
     * run that follows comes past the deadline: the job had started, so it must run, not expire.
     */
    private static void runsAgainPastItsDeadline(String name, boolean failFirstRun, WorkerAction meanwhile) throws Exception {
        Topics late = namespaceTopics(name + ".", 1);
        // set once the worker is up, so that its start does not eat into the time the run has to begin
        java.util.concurrent.atomic.AtomicReference<Instant> deadline = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger prefills = new java.util.concurrent.atomic.AtomicInteger();
        Faults faults = (point, order) -> {
            if (point == Faults.Point.PREFILL && prefills.incrementAndGet() == 1) {
                running.countDown();
                try {
                    released.await(60, java.util.concurrent.TimeUnit.SECONDS);
                    Thread.sleep(Math.max(0, Duration.between(Instant.now(), deadline.get()).toMillis() + 200));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (failFirstRun) {
                    throw new dev.longhaul.pipeline.remote.OpenAiClient.RemoteFailure(503, "overloaded (test)", null);
                }
            }
        };
        Topics saved = topics;
        topics = late;
        try (Worker w = new Worker(config(name + "-1", name + "."), late, new LaneAssignment.Pinned(List.of(0)), faults,
                Duration.ofMillis(20))) {
            deadline.set(Instant.now().plusSeconds(10));
            place(order(name, DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "text".getBytes(), deadline.get()));
            assertTrue(running.await(60, java.util.concurrent.TimeUnit.SECONDS), "the run started");
            meanwhile.run(w);
            released.countDown();
            assertEquals(JobState.SUCCEEDED, finalState(name));
            assertTrue(prefills.get() >= 2, "ran again: " + prefills);
            one(topics.summaries, name);
        } finally {
            topics = saved;
        }
    }

    @Test
    void aServersRetryAfterHoldsTheNextTryButACancelEndsTheWaitingJobAtOnce() throws Exception {
        Topics paused = namespaceTopics("paused.", 1);
        WorkerConfig config = config("paused-1", "paused.");
        java.util.concurrent.atomic.AtomicInteger prefills = new java.util.concurrent.atomic.AtomicInteger();
        // every try meets a 429 whose server asks to be left alone for ten minutes
        Faults faults = (point, order) -> {
            if (point == Faults.Point.PREFILL) {
                prefills.incrementAndGet();
                throw new dev.longhaul.pipeline.remote.OpenAiClient.RemoteFailure(429, "slow down (test)", null, Duration.ofMinutes(10));
            }
        };
        Topics saved = topics;
        topics = paused;
        try (Worker w = new Worker(config, paused, new LaneAssignment.Pinned(List.of(0)), faults, Duration.ofMillis(20))) {
            place(order("patient-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "text".getBytes(), null));
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (prefills.get() == 0 && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            // the next try waits for the server's ten minutes, not the worker's 20 ms...
            Thread.sleep(1_000);
            assertEquals(1, prefills.get(), "tried again before the server's Retry-After");
            // ...but a cancel of the job ends it now, unrun
            send(topics.control, "patient-1", Control.newBuilder().setJobId("patient-1").setAction(ControlAction.CANCEL)
                    .setRequestedAt(Instant.now()).build(), null);
            assertEquals(JobState.CANCELLED, finalState("patient-1"));
            assertEquals(1, prefills.get());
            assertTrue(w.failure().isEmpty(), String.valueOf(w.failure()));
        } finally {
            topics = saved;
        }
    }

    @Test
    void aReaderAwaitingAChunkThatIsNotThereStopsWhenAsked() throws Exception {
        WorkOrder o = order("stalled-1", DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), "some text".getBytes(), null);
        var first = o.getChunks().getPositions().get(0);
        first.setOffset(first.getOffset() + 1_000_000); // past the end: it would be waited for, then found gone
        WorkerConfig config = WorkerConfig.defaults("reader-test", kafka.bootstrapServers(), MODEL);
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        try (DocumentReader reader = new DocumentReader(config.assignedConsumer("reader-test"), topics.documents)) {
            assertFalse(reader.read(o, chunk -> true, () -> asked.incrementAndGet() > 5), "stopped, not read");
        }
        assertEquals(6, asked.get());
    }

    private static JobStatus last(List<JobStatus> statuses) {
        return statuses.get(statuses.size() - 1);
    }

    // --- helpers

    /** The digest is non-empty and each of its sentences (one a line, or blank-line separated) is in the document. */
    private static void assertDigestIsExtractive(Summary summary, String document) {
        String digest = summary.getDigest();
        assertTrue(!digest.isBlank(), "a summary carries a digest");
        for (String sentence : digest.split(digest.contains("\n\n") ? "\n\n" : "\n")) {
            assertTrue(!sentence.isEmpty() && document.contains(sentence), "digest sentence not in the document: " + sentence);
        }
    }

    private static Task task(TaskType type) {
        return Task.newBuilder().setType(type).build();
    }

    private static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** A summary order of the job under the submission, placed and run to its one result; returns the order. */
    private static WorkOrder ranToItsResult(String jobId, String submissionId, String text) throws Exception {
        WorkOrder order = order(jobId, DocumentKind.TEXT, List.of(task(TaskType.SUMMARIZE)), text.getBytes(), null);
        order.getRequest().setSubmissionId(submissionId);
        place(order);
        one(topics.summaries, jobId);
        return order;
    }

    /** Writes the document's chunks and returns the order that locates them. */
    private static WorkOrder order(String jobId, DocumentKind kind, List<Task> tasks, byte[] doc, Instant deadline) throws Exception {
        return order(jobId, kind, tasks, doc, deadline, CHUNK);
    }

    private static WorkOrder order(String jobId, DocumentKind kind, List<Task> tasks, byte[] doc, Instant deadline, int chunk)
            throws Exception {
        List<ChunkPosition> positions = new ArrayList<>();
        int count = Math.max(1, (doc.length + chunk - 1) / chunk);
        for (int i = 0; i < count; i++) {
            int from = i * chunk;
            int to = Math.min(doc.length, from + chunk);
            DocumentChunk c = DocumentChunk.newBuilder().setJobId(jobId).setIndex(i)
                    .setData(ByteBuffer.wrap(java.util.Arrays.copyOfRange(doc, from, to))).setIsLast(i == count - 1).build();
            RecordMetadata m = send(topics.documents, jobId, c, null);
            positions.add(ChunkPosition.newBuilder().setPartition(m.partition()).setOffset(m.offset()).build());
        }
        JobRequest request = JobRequest.newBuilder().setJobId(jobId).setTenant("t").setKind(kind).setTasks(tasks)
                .setDeadline(deadline)
                .setDocument(DocumentDescriptor.newBuilder().setChunkCount(count).setBytes(doc.length)
                        .setSha256(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(doc)))
                        .setMediaType("text/plain").build())
                .setSubmittedAt(Instant.now()).build();
        return WorkOrder.newBuilder().setRequest(request).setLane(0)
                .setChunks(ChunkLocations.newBuilder().setTopic(topics.documents.name()).setPartition(positions.get(0).getPartition())
                        .setFirstOffset(positions.get(0).getOffset()).setLastOffset(positions.get(count - 1).getOffset())
                        .setPositions(positions).build())
                .setEstimatedCostTokens(doc.length / 4).setPlannedAt(Instant.now()).build();
    }

    /** Faults that stop the first run to reach a prefill chunk there, `reached` counted down, until `release` (two minutes at most). */
    private static Faults holdingFirstRun(java.util.concurrent.CountDownLatch reached, java.util.concurrent.CountDownLatch release) {
        return (point, order) -> {
            if (point == Faults.Point.PREFILL && reached.getCount() > 0) {
                reached.countDown();
                try {
                    release.await(120, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    /** Faults that stop the runs of orders named `prefix`... at their prefill chunks until `release` (two minutes at most). */
    private static Faults heldAtFirstPrefill(String prefix, java.util.concurrent.CountDownLatch release) {
        return (point, order) -> {
            if (point == Faults.Point.PREFILL && order.startsWith(prefix)) {
                try {
                    release.await(120, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    /** The topics under a namespace of their own (one per test), `work` with this many lanes, the rest one partition. */
    private static Topics namespaceTopics(String namespace, int lanes) {
        return namespaceTopics(namespace, lanes, new InMemorySchemaRegistry());
    }

    /** The same, its records written through `registry`. */
    private static Topics namespaceTopics(String namespace, int lanes, dev.longhaul.schemas.wire.SchemaRegistry registry) {
        Topics t = new Topics(namespace, registry);
        for (var topic : t.all()) {
            kafka.createTopic(topic.getKey().name(), topic.getKey() == t.work ? lanes : 1, topic.getValue());
        }
        return t;
    }

    /** A worker's config in a namespace of its own: the test model, budget and output, one CPU thread. */
    private static WorkerConfig config(String workerId, String namespace) {
        return WorkerConfig.defaults(workerId, kafka.bootstrapServers(), MODEL).withNamespace(namespace)
                .withContext(BUDGET, Duration.ofMinutes(10)).withOutput(OUTPUT).withEngine("cpu", 1);
    }

    private static void place(WorkOrder order) throws Exception {
        producer.send(new ProducerRecord<>(topics.work.name(), 0, topics.work.keys().serializer().serialize(topics.work.name(), 0),
                topics.work.values().serializer().serialize(topics.work.name(), order))).get();
    }

    private static void placeOn(int lane, WorkOrder order) throws Exception {
        producer.send(new ProducerRecord<>(topics.work.name(), lane, topics.work.keys().serializer().serialize(topics.work.name(), lane),
                topics.work.values().serializer().serialize(topics.work.name(), order))).get();
    }

    private static <V> RecordMetadata send(Topic<String, V> topic, String key, V value, Integer partition) throws Exception {
        Future<RecordMetadata> f = producer.send(new ProducerRecord<>(topic.name(), partition,
                key.getBytes(StandardCharsets.UTF_8), topic.values().serializer().serialize(topic.name(), value)));
        return f.get();
    }

    private static JobState finalState(String jobId) {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end) {
            List<JobStatus> statuses = all(topics.status, jobId);
            if (!statuses.isEmpty()) {
                JobState last = statuses.get(statuses.size() - 1).getState();
                if (last != JobState.RUNNING) {
                    return last;
                }
            }
        }
        throw new AssertionError("no final status for " + jobId);
    }

    /** Waits for exactly one record for the job and checks no second one follows. */
    private static <V> V one(Topic<String, V> topic, String jobId) {
        long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        List<V> found = List.of();
        while (found.isEmpty() && System.nanoTime() < end) {
            found = all(topic, jobId);
        }
        assertEquals(1, found.size(), "records for " + jobId + " on " + topic.name());
        return found.get(0);
    }

    private static <V> List<V> all(Topic<String, V> topic, String jobId) {
        List<V> out = new ArrayList<>();
        for (ConsumerRecord<String, V> r : records(topic)) {
            if (r.key() != null && r.key().equals(jobId)) {
                out.add(r.value());
            }
        }
        return out;
    }

    private static List<DeadLetter> read(Topic<byte[], DeadLetter> topic) {
        List<DeadLetter> out = new ArrayList<>();
        for (var r : records(topic)) {
            out.add(r.value());
        }
        return out;
    }

    /** Everything committed on the topic so far. */
    private static <K, V> List<ConsumerRecord<K, V>> records(Topic<K, V> topic) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<K, V>> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(props, topic.keys().deserializer(), topic.values().deserializer())) {
            var partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<K, V> r : consumer.poll(Duration.ofMillis(100))) {
                    out.add(r);
                }
            }
            if (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                // a check of what the topic holds (often: that it holds nothing) must not pass on part of it
                throw new AssertionError("could not read " + topic.name() + " to its end within 10 s; ends " + ends);
            }
        }
        return out;
    }
}
