/*
 * Following jobs on a real broker: the test plays the pipeline, writing JobStatus, Summary and
 * Extraction records itself (results in one transaction with the SUCCEEDED status, as workers
 * do), and checks the follower reports them: progress in order, final states, results of the
 * followed jobs only, nothing from an aborted transaction; the latest status of one job; the
 * commands JobControl writes to `control`.
 */
package dev.longhaul.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.DeadLetter;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.Extraction;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.ModelIdentity;
import dev.longhaul.schemas.Summary;
import dev.longhaul.schemas.Timings;
import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.Usage;
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class JobFollowerTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    private record Fixture(IngestConfig config, InMemorySchemaRegistry registry, Topics topics) {}

    private static Fixture fixture(TestInfo test) {
        String namespace = test.getTestMethod().orElseThrow().getName() + ".";
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        Topics topics = new Topics(namespace, registry);
        Topics4Test.createAll(kafka, topics);
        return new Fixture(IngestConfig.defaults(kafka.bootstrapServers()).withNamespace(namespace), registry, topics);
    }

    /** The pipeline's side: a transactional producer writing typed records. */
    private static final class Pipeline implements AutoCloseable {
        final KafkaProducer<byte[], byte[]> producer;

        Pipeline() {
            Map<String, Object> config = new HashMap<>(kafka.clientConfig());
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "pipeline-" + System.nanoTime());
            producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
            producer.initTransactions();
        }

        <V> void send(Topic<String, V> topic, String key, V value) {
            producer.send(new ProducerRecord<>(topic.name(), topic.keys().serializer().serialize(topic.name(), key),
                    topic.values().serializer().serialize(topic.name(), value)));
        }

        void inTransaction(Runnable writes, boolean commit) {
            producer.beginTransaction();
            writes.run();
            if (commit) {
                producer.commitTransaction();
            } else {
                producer.abortTransaction();
            }
        }

        @Override
        public void close() {
            producer.close();
        }
    }

    private static JobStatus status(String job, JobState state, double progress, String reason) {
        return JobStatus.newBuilder().setJobId(job).setTenant("default").setState(state).setProgress(progress)
                .setTokensProcessed((long) (progress * 1000)).setReason(reason).setUpdatedAt(T0).build();
    }

    private static Usage usage() {
        return Usage.newBuilder().setPromptTokens(100).setOutputTokens(10).setDocumentTokens(90).setDocumentShareRead(1.0).build();
    }

    private static Timings timings() {
        return Timings.newBuilder().setQueuedMs(1).setRunningMs(2).setEndToEndMs(3).build();
    }

    private static ModelIdentity model() {
        return ModelIdentity.newBuilder().setName("minimax-tiny").setBackend("cpu").setWeightsDtype("f32").build();
    }

    private static Summary summary(String job, int task, String text) {
        return Summary.newBuilder().setJobId(job).setTaskIndex(task).setText(text)
                .setUsage(usage())
                .setTimings(timings())
                .setModel(model())
                .build();
    }

    private static Extraction extraction(String job, int task, String json) {
        return Extraction.newBuilder().setJobId(job).setTaskIndex(task).setJson(json)
                .setUsage(usage())
                .setTimings(timings())
                .setModel(model())
                .build();
    }

    @Test
    void followReportsProgressFinalStatesAndCommittedResultsOfTheFollowedJobs(TestInfo test) throws IOException {
        Fixture f = fixture(test);
        // A real submission first, so the follower can learn the task count from the request.
        try (Submitter submitter = new Submitter(f.config(), f.registry())) {
            submitter.submit(JobSpec.of(DocumentKind.TEXT, List.of(JobSpec.parseTask("summarize"), JobSpec.parseTask("extract:party")))
                    .withJobId("ok"), DocumentSource.stream(new ByteArrayInputStream("text".getBytes(StandardCharsets.UTF_8)), "stdin"));
        }
        try (Pipeline pipeline = new Pipeline()) {
            pipeline.inTransaction(() -> {
                pipeline.send(f.topics().status, "ok", status("ok", JobState.QUEUED, 0, null));
                pipeline.send(f.topics().status, "bad", status("bad", JobState.RUNNING, 0.5, null));
                pipeline.send(f.topics().status, "other", status("other", JobState.SUCCEEDED, 1, null));
                pipeline.send(f.topics().summaries, "other", summary("other", 0, "not followed"));
            }, true);
            pipeline.inTransaction(() -> pipeline.send(f.topics().summaries, "ok", summary("ok", 0, "aborted, never seen")), false);
            pipeline.inTransaction(() -> {
                pipeline.send(f.topics().status, "ok", status("ok", JobState.RUNNING, 0.5, null));
                pipeline.send(f.topics().status, "bad", status("bad", JobState.FAILED, 0.5, "out of memory"));
            }, true);
            pipeline.inTransaction(() -> {
                pipeline.send(f.topics().summaries, "ok", summary("ok", 0, "A two-line text."));
                pipeline.send(f.topics().extractions, "ok", extraction("ok", 1, "{\"party\":\"Acme\"}"));
                pipeline.send(f.topics().status, "ok", status("ok", JobState.SUCCEEDED, 1, null));
            }, true);
        }

        List<String> events = new ArrayList<>();
        JobFollower.Outcome outcome;
        try (JobFollower follower = new JobFollower(f.config(), f.registry())) {
            outcome = follower.follow(List.of("ok", "bad"), new JobFollower.Listener() {
                @Override
                public void onStatus(JobStatus s) {
                    events.add(s.getJobId() + " " + s.getState());
                }

                @Override
                public void onSummary(Summary s) {
                    events.add(s.getJobId() + " summary " + s.getText());
                }
            }, Duration.ofSeconds(60));
        }

        assertTrue(outcome.complete());
        JobFollower.JobOutcome ok = outcome.jobs().get("ok");
        assertEquals(JobState.SUCCEEDED, ok.status().getState());
        assertEquals("A two-line text.", ok.summaries().get(0).getText());
        assertEquals("{\"party\":\"Acme\"}", ok.extractions().get(1).getJson());
        JobFollower.JobOutcome bad = outcome.jobs().get("bad");
        assertEquals(JobState.FAILED, bad.status().getState());
        assertEquals("out of memory", bad.status().getReason());
        assertEquals(Map.of(), bad.summaries());
        assertEquals(List.of("ok QUEUED", "ok RUNNING", "ok SUCCEEDED"), events.stream().filter(e -> e.startsWith("ok ") && !e.contains("summary")).toList());
        assertEquals(List.of("bad RUNNING", "bad FAILED"), events.stream().filter(e -> e.startsWith("bad ")).toList());
        assertEquals(List.of("ok summary A two-line text."), events.stream().filter(e -> e.contains("summary")).toList());
        assertFalse(events.stream().anyMatch(e -> e.startsWith("other")));
    }

    @Test
    void aLaterRequestUnderTheSameIdDoesNotChangeHowManyResultsAreAwaited(TestInfo test) throws IOException {
        Fixture f = fixture(test);
        // given a job of one task, then the same id submitted again with two (the planner ignores the second)
        try (Submitter submitter = new Submitter(f.config(), f.registry())) {
            submitter.submit(JobSpec.of(DocumentKind.TEXT, List.of(JobSpec.parseTask("summarize"))).withJobId("again"),
                    DocumentSource.stream(new ByteArrayInputStream("text".getBytes(StandardCharsets.UTF_8)), "stdin"));
            submitter.submit(JobSpec.of(DocumentKind.TEXT, List.of(JobSpec.parseTask("summarize"), JobSpec.parseTask("extract:party")))
                    .withJobId("again"), DocumentSource.stream(new ByteArrayInputStream("text".getBytes(StandardCharsets.UTF_8)), "stdin"));
        }
        // and the first request's one result and its SUCCEEDED
        try (Pipeline pipeline = new Pipeline()) {
            pipeline.inTransaction(() -> {
                pipeline.send(f.topics().summaries, "again", summary("again", 0, "One task."));
                pipeline.send(f.topics().status, "again", status("again", JobState.SUCCEEDED, 1, null));
            }, true);
        }
        // then following it ends with that result, instead of waiting for a second one that never comes
        try (JobFollower follower = new JobFollower(f.config(), f.registry())) {
            JobFollower.Outcome outcome = follower.follow(List.of("again"), new JobFollower.Listener() {}, Duration.ofSeconds(30));
            assertTrue(outcome.complete(), "complete with the first request's task count");
            assertEquals("One task.", outcome.jobs().get("again").summaries().get(0).getText());
        }
    }

    @Test
    void aSubmissionIsAnsweredByItsOwnLifeByItsRefusalOrByTheSameDocumentNeverByAnotherDocument(TestInfo test) throws IOException {
        Fixture f = fixture(test);
        JobSpec spec = JobSpec.of(DocumentKind.TEXT, List.of(JobSpec.parseTask("summarize")));
        Submission first;
        Submission refused;
        Submission again;
        Submission reused;
        try (Submitter submitter = new Submitter(f.config(), f.registry())) {
            first = submitter.submit(spec.withJobId("life"), text("the first document"));
            refused = submitter.submit(spec.withJobId("life"), text("another document, refused"));
            again = submitter.submit(spec.withJobId("life"), text("the first document"));
            reused = submitter.submit(spec.withJobId("life"), text("a third document, a new life"));
        }
        // given the first life's end and result, and the planner's refusal of the second request
        try (Pipeline pipeline = new Pipeline()) {
            pipeline.inTransaction(() -> {
                pipeline.send(f.topics().summaries, "life", withSubmission(summary("life", 0, "first life"), first));
                pipeline.send(f.topics().status, "life", withSubmission(status("life", JobState.SUCCEEDED, 1, null), first));
                refuse(pipeline, f, refused, "DUPLICATE_JOB_ID", "job id already planned with another document", 1);
            }, true);
        }
        try (JobFollower follower = new JobFollower(f.config(), f.registry())) {
            // then the first submission gets its result, the refused one its refusal and no result,
            // and a resubmission of the same document (a no-op for the planner) the first life's
            JobFollower.JobOutcome own = follow(follower, first, Duration.ofSeconds(30));
            assertEquals("first life", own.summaries().get(0).getText());
            List<JobStatus> heard = new ArrayList<>();
            JobFollower.Outcome refusedOutcome = follower.followSubmissions(Map.of(refused.jobId(), refused.submissionId()),
                    new JobFollower.Listener() {
                        @Override
                        public void onStatus(JobStatus status) {
                            heard.add(status);
                        }
                    }, Duration.ofSeconds(30));
            assertTrue(refusedOutcome.complete(), refusedOutcome.jobs().toString());
            JobFollower.JobOutcome no = refusedOutcome.jobs().get(refused.jobId());
            assertEquals(JobState.FAILED, no.status().getState());
            assertTrue(no.status().getReason().startsWith("DUPLICATE_JOB_ID"), no.status().getReason());
            // and the listener hears the refusal as the submission's end, so a follower can say why it failed
            assertEquals(List.of(no.status()), heard);
            assertTrue(no.summaries().isEmpty(), "never another document's result");
            assertEquals("first life", follow(follower, again, Duration.ofSeconds(30)).summaries().get(0).getText());
            // and a new life of the id is not answered by the first life's end: it is waited for
            JobFollower.Outcome waiting = follower.followSubmissions(Map.of("life", reused.submissionId()),
                    new JobFollower.Listener() {}, Duration.ofSeconds(3));
            assertFalse(waiting.complete(), "the new life has not ended: " + waiting.jobs());
        }
        try (Pipeline pipeline = new Pipeline()) {
            pipeline.inTransaction(() -> {
                pipeline.send(f.topics().status, "life", withSubmission(status("life", JobState.ACCEPTED, 0, null), reused));
                pipeline.send(f.topics().summaries, "life", withSubmission(summary("life", 0, "new life"), reused));
                pipeline.send(f.topics().status, "life", withSubmission(status("life", JobState.SUCCEEDED, 1, null), reused));
            }, true);
        }
        try (JobFollower follower = new JobFollower(f.config(), f.registry())) {
            assertEquals("new life", follow(follower, reused, Duration.ofSeconds(30)).summaries().get(0).getText());
        }
    }

    @Test
    void aRefusalTheSubmissionsOwnFailedStatusAlsoSaysIsHeardOnce(TestInfo test) throws IOException {
        Fixture f = fixture(test);
        Submission bad = submitted(f, "twice", "a document the planner refuses");
        // given the planner's refusal as it writes it: the request's dead letter and the submission's FAILED
        try (Pipeline pipeline = new Pipeline()) {
            pipeline.inTransaction(() -> {
                refuse(pipeline, f, bad, "INVALID_REQUEST", "refused (test)", 0);
                pipeline.send(f.topics().status, "twice", withSubmission(status("twice", JobState.FAILED, 0, "INVALID_REQUEST: refused (test)"), bad));
            }, true);
        }
        // when it is followed, then the listener hears its end once
        List<JobStatus> heard = new ArrayList<>();
        try (JobFollower follower = new JobFollower(f.config(), f.registry())) {
            JobFollower.Outcome outcome = follower.followSubmissions(Map.of(bad.jobId(), bad.submissionId()), new JobFollower.Listener() {
                @Override
                public void onStatus(JobStatus status) {
                    heard.add(status);
                }
            }, Duration.ofSeconds(30));
            assertTrue(outcome.complete(), outcome.jobs().toString());
            assertEquals(JobState.FAILED, outcome.jobs().get("twice").status().getState());
        }
        assertEquals(1, heard.size(), heard.toString());
        assertEquals(JobState.FAILED, heard.getFirst().getState());
    }

    @Test
    void aJobIdsEndedEarlierLifeFarUpItsStatusPartitionDoesNotAnswerForItsLifeNow(TestInfo test) {
        Fixture f = fixture(test);
        // given an id's first life, ended with its result, then several fetches' worth of other
        // jobs' ticks on the same status partition, then the id's second life, not yet ended
        List<String> others = idsBeside(f.topics().status, "again", "other-", 8);
        try (Pipeline pipeline = new Pipeline()) {
            pipeline.inTransaction(() -> {
                JobStatus ended = status("again", JobState.SUCCEEDED, 1, null);
                ended.setSubmissionId("life-1");
                Summary old = summary("again", 0, "the first life");
                old.setSubmissionId("life-1");
                pipeline.send(f.topics().summaries, "again", old);
                pipeline.send(f.topics().status, "again", ended);
                for (int i = 0; i < 6000; i++) {
                    pipeline.send(f.topics().status, others.get(i % others.size()), status(others.get(i % others.size()), JobState.RUNNING, 0.5, null));
                }
                JobStatus accepted = status("again", JobState.ACCEPTED, 0, null);
                accepted.setSubmissionId("life-2");
                pipeline.send(f.topics().status, "again", accepted);
            }, true);
        }
        // then following the id waits for the life it has now, and never ends on the first one's end
        try (JobFollower follower = new JobFollower(f.config(), f.registry())) {
            List<String> reported = new ArrayList<>();
            JobFollower.Outcome outcome = follower.follow(List.of("again"), new JobFollower.Listener() {
                @Override
                public void onSummary(Summary summary) {
                    reported.add(summary.getText());
                }
            }, Duration.ofSeconds(3));
            assertFalse(outcome.complete(), "the second life has not ended: " + outcome.jobs());
            assertEquals("life-2", outcome.jobs().get("again").status().getSubmissionId());
            assertEquals(List.of(), reported, "the first life's result is not printed as the job's");
        }
    }

    @Test
    void aJobWhoseResultsRetentionDeletedIsReportedSoNotAwaitedForEver(TestInfo test) throws Exception {
        Fixture f = fixture(test);
        Submission old = submitted(f, "long-ago", "a document of long ago");
        // given a job that SUCCEEDED long ago (its status says when), whose summary retention has since deleted
        try (Pipeline pipeline = new Pipeline()) {
            pipeline.inTransaction(() -> {
                pipeline.send(f.topics().summaries, "long-ago", withSubmission(summary("long-ago", 0, "gone"), old));
                pipeline.send(f.topics().status, "long-ago", withSubmission(status("long-ago", JobState.SUCCEEDED, 1, null), old));
            }, true);
        }
        TopicPartition summaries = partitionOf(f.topics().summaries, "long-ago");
        try (var admin = org.apache.kafka.clients.admin.Admin.create(kafka.clientConfig())) {
            long end = admin.listOffsets(Map.of(summaries, org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get()
                    .get(summaries).offset();
            admin.deleteRecords(Map.of(summaries, org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(end))).all().get();
        }
        // then following it ends at once, saying its results are gone, rather than waiting for them for ever
        try (JobFollower follower = new JobFollower(f.config(), f.registry())) {
            JobFollower.JobOutcome outcome = follow(follower, old, Duration.ofSeconds(30));
            assertEquals(JobState.SUCCEEDED, outcome.status().getState());
            assertTrue(outcome.resultsExpired(), outcome.toString());
            assertTrue(outcome.summaries().isEmpty());
        }
    }

    @Test
    void aJobJustEndedIsWaitedForWhereRetentionTrimmedItsPartitionLongBefore(TestInfo test) throws Exception {
        Fixture f = fixture(test);
        JobSpec spec = JobSpec.of(DocumentKind.TEXT, List.of(JobSpec.parseTask("summarize")));
        Submission fresh;
        try (Submitter submitter = new Submitter(f.config(), f.registry())) {
            fresh = submitter.submit(spec.withJobId("fresh"), text("a document of today"));
        }
        // given a summaries partition whose oldest records retention deleted, other jobs' older ones left
        List<String> others = idsBeside(f.topics().summaries, "fresh", "older-", 2);
        TopicPartition summaries = partitionOf(f.topics().summaries, "fresh");
        try (Pipeline pipeline = new Pipeline()) {
            for (String other : others) {
                pipeline.inTransaction(() -> pipeline.send(f.topics().summaries, other, summary(other, 0, "older")), true);
            }
        }
        try (var admin = org.apache.kafka.clients.admin.Admin.create(kafka.clientConfig())) {
            admin.deleteRecords(Map.of(summaries, org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(1))).all().get();
        }
        // and the job SUCCEEDED now, its result not yet readable (a commit marker late on its partition)
        Thread.sleep(20);
        try (Pipeline pipeline = new Pipeline()) {
            pipeline.inTransaction(() -> pipeline.send(f.topics().status, "fresh", JobStatus.newBuilder(
                    withSubmission(status("fresh", JobState.SUCCEEDED, 1, null), fresh)).setUpdatedAt(Instant.now()).build()), true);
        }
        // then it is waited for, not taken for a result retention deleted
        try (JobFollower follower = new JobFollower(f.config(), f.registry())) {
            JobFollower.Outcome outcome = follower.followSubmissions(Map.of("fresh", fresh.submissionId()),
                    new JobFollower.Listener() {}, Duration.ofSeconds(3));
            assertFalse(outcome.complete(), outcome.jobs().toString());
            assertFalse(outcome.jobs().get("fresh").resultsExpired());
        }
    }

    /** The partition of `topic` that records keyed `jobId` go to (Kafka's default partitioner). */
    private static TopicPartition partitionOf(Topic<String, ?> topic, String jobId) {
        return partitionOf(topic, jobId, partitions(topic));
    }

    private static TopicPartition partitionOf(Topic<String, ?> topic, String jobId, int partitions) {
        return new TopicPartition(topic.name(), Utils.toPositive(Utils.murmur2(jobId.getBytes(StandardCharsets.UTF_8))) % partitions);
    }

    /** `count` job ids `prefix`0, `prefix`1, ... whose records share jobId's partition of `topic`. */
    private static List<String> idsBeside(Topic<String, ?> topic, String jobId, String prefix, int count) {
        int partitions = partitions(topic);
        TopicPartition partition = partitionOf(topic, jobId, partitions);
        List<String> ids = new ArrayList<>();
        for (int i = 0; ids.size() < count; i++) {
            if (partitionOf(topic, prefix + i, partitions).equals(partition)) {
                ids.add(prefix + i);
            }
        }
        return ids;
    }

    private static int partitions(Topic<String, ?> topic) {
        try (var admin = org.apache.kafka.clients.admin.Admin.create(kafka.clientConfig())) {
            return admin.describeTopics(List.of(topic.name())).allTopicNames().get().get(topic.name()).partitions().size();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aResubmissionOfTheSameDocumentIsReportedEvenWhenItsRequestIsFarDownTheJobsPartition(TestInfo test) throws IOException {
        Fixture f = fixture(test);
        // given a jobs partition holding several fetches' worth of other jobs' requests before ours
        try (Pipeline pipeline = new Pipeline()) {
            pipeline.inTransaction(() -> {
                byte[] other = new byte[1024];
                for (int i = 0; i < 3_000; i++) {
                    pipeline.producer.send(new ProducerRecord<>(f.topics().jobs.name(), ("other-" + i).getBytes(StandardCharsets.UTF_8), other));
                }
            }, true);
        }
        JobSpec spec = JobSpec.of(DocumentKind.TEXT, List.of(JobSpec.parseTask("summarize")));
        Submission first;
        Submission again;
        try (Submitter submitter = new Submitter(f.config(), f.registry())) {
            first = submitter.submit(spec.withJobId("again"), text("one document"));
            again = submitter.submit(spec.withJobId("again"), text("one document"));
        }
        // and the first submission's life, ended (the planner took the second for a no-op)
        try (Pipeline pipeline = new Pipeline()) {
            pipeline.inTransaction(() -> {
                pipeline.send(f.topics().summaries, "again", withSubmission(summary("again", 0, "the first life's"), first));
                pipeline.send(f.topics().status, "again", withSubmission(status("again", JobState.SUCCEEDED, 1, null), first));
            }, true);
        }
        // when the second submission is followed
        List<String> heard = new java.util.ArrayList<>();
        try (JobFollower follower = new JobFollower(f.config(), f.registry())) {
            JobFollower.Outcome o = follower.followSubmissions(Map.of("again", again.submissionId()), new JobFollower.Listener() {
                @Override
                public void onStatus(JobStatus status) {
                    heard.add(status.getState().name());
                }

                @Override
                public void onSummary(Summary summary) {
                    heard.add(summary.getText());
                }
            }, Duration.ofSeconds(60));
            assertTrue(o.complete(), o.jobs().toString());
        }
        // then the first life's result and end are reported as they are read, not only in the outcome
        assertEquals(List.of("the first life's", "SUCCEEDED"), heard.stream().sorted(java.util.Comparator.reverseOrder()).toList());
    }

    private static JobFollower.JobOutcome follow(JobFollower follower, Submission s, Duration timeout) {
        JobFollower.Outcome outcome = follower.followSubmissions(Map.of(s.jobId(), s.submissionId()), new JobFollower.Listener() {}, timeout);
        assertTrue(outcome.complete(), "submission " + s.submissionId() + ": " + outcome.jobs());
        return outcome.jobs().get(s.jobId());
    }

    /** One summary job submitted under `jobId` with `text` as its document. */
    private static Submission submitted(Fixture f, String jobId, String text) throws IOException {
        JobSpec spec = JobSpec.of(DocumentKind.TEXT, List.of(JobSpec.parseTask("summarize")));
        try (Submitter submitter = new Submitter(f.config(), f.registry())) {
            return submitter.submit(spec.withJobId(jobId), text(text));
        }
    }

    /** The planner's dead letter refusing the submission's request (in the caller's transaction). */
    private static void refuse(Pipeline pipeline, Fixture f, Submission s, String reasonCode, String detail, long offset) {
        byte[] request = f.topics().jobs.values().serializer().serialize(f.topics().jobs.name(), s.request());
        DeadLetter letter = DeadLetter.newBuilder().setOriginalTopic(f.topics().jobs.name()).setPartition(0).setOffset(offset)
                .setKey(ByteBuffer.wrap(s.jobId().getBytes(StandardCharsets.UTF_8))).setValue(ByteBuffer.wrap(request))
                .setReasonCode(reasonCode).setDetail(detail).setAt(T0).build();
        pipeline.producer.send(new ProducerRecord<>(f.topics().deadLetters.name(), s.jobId().getBytes(StandardCharsets.UTF_8),
                f.topics().deadLetters.values().serializer().serialize(f.topics().deadLetters.name(), letter)));
    }

    private static DocumentSource text(String text) {
        return DocumentSource.stream(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "stdin");
    }

    private static JobStatus withSubmission(JobStatus status, Submission s) {
        return JobStatus.newBuilder(status).setSubmissionId(s.submissionId()).build();
    }

    private static Summary withSubmission(Summary summary, Submission s) {
        return Summary.newBuilder(summary).setSubmissionId(s.submissionId()).build();
    }

    @Test
    void aWakeupEndsAFollowWithoutATimeoutIncomplete(TestInfo test) throws Exception {
        Fixture f = fixture(test);
        try (JobFollower follower = new JobFollower(f.config(), f.registry())) {
            var following = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> follower.follow(List.of("never"), new JobFollower.Listener() {}, null));
            Thread.sleep(1000);
            assertFalse(following.isDone(), "no status: it waits");
            follower.wakeup();
            JobFollower.Outcome outcome = following.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertFalse(outcome.complete());
            assertNull(outcome.jobs().get("never").status());
        }
    }

    @Test
    void aControlClientOfANamespaceWithoutTopicsIsRefusedRatherThanWritingWhereNobodyReads() {
        IngestConfig mistyped = IngestConfig.defaults(kafka.bootstrapServers()).withNamespace("no-such-namespace.");
        try (JobControl control = new JobControl(mistyped, new InMemorySchemaRegistry())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> control.cancel("job-1"));
            assertTrue(e.getMessage().contains("no-such-namespace.control"), e.getMessage());
        }
    }

    @Test
    void followGivesUpAtTheTimeoutWithWhatItSaw(TestInfo test) {
        Fixture f = fixture(test);
        try (Pipeline pipeline = new Pipeline()) {
            pipeline.inTransaction(() -> pipeline.send(f.topics().status, "slow", status("slow", JobState.RUNNING, 0.25, null)), true);
        }
        try (JobFollower follower = new JobFollower(f.config(), f.registry())) {
            JobFollower.Outcome outcome = follower.follow(List.of("slow"), new JobFollower.Listener() {}, Duration.ofSeconds(2));
            assertFalse(outcome.complete());
            assertEquals(JobState.RUNNING, outcome.jobs().get("slow").status().getState());
            assertFalse(outcome.jobs().get("slow").isFinal());
        }
    }

    @Test
    void latestStatusReadsTheCompactedTopicToItsEnd(TestInfo test) {
        Fixture f = fixture(test);
        try (Pipeline pipeline = new Pipeline()) {
            pipeline.inTransaction(() -> {
                pipeline.send(f.topics().status, "j1", status("j1", JobState.ACCEPTED, 0, null));
                pipeline.send(f.topics().status, "j2", status("j2", JobState.QUEUED, 0, null));
                pipeline.send(f.topics().status, "j1", status("j1", JobState.CANCELLED, 0.1, "cancelled by user"));
            }, true);
        }
        // Only once the commit markers are down is the status readable; the helper waits for that.
        Topics4Test.readCommitted(kafka, f.topics().status);
        try (JobFollower follower = new JobFollower(f.config(), f.registry())) {
            assertEquals(JobState.CANCELLED, follower.latestStatus("j1", Duration.ofSeconds(30)).orElseThrow().getState());
            assertEquals(JobState.QUEUED, follower.latestStatus("j2", Duration.ofSeconds(30)).orElseThrow().getState());
            assertTrue(follower.latestStatus("never-submitted", Duration.ofSeconds(30)).isEmpty());
        }
    }

    @Test
    void eachCommandWritesOneControlRecordKeyedByTheJob(TestInfo test) {
        Fixture f = fixture(test);
        try (JobControl control = new JobControl(f.config(), f.registry())) {
            control.cancel("job-7");
            control.setPriority("job-8", -4);
            control.pause("job-9");
            control.resume("job-9");
        }
        List<ConsumerRecord<String, Control>> records = Topics4Test.readCommitted(kafka, f.topics().control);
        assertEquals(List.of("job-7 CANCEL null", "job-8 SET_PRIORITY -4", "job-9 PAUSE null", "job-9 RESUME null"), records.stream()
                .map(r -> r.key() + " " + r.value().getAction() + " " + r.value().getPriority()).toList());
        records.forEach(r -> assertEquals(r.key(), r.value().getJobId()));
    }

    @Test
    void aTenantsClientRefusesAPriorityAboveTheDefault(TestInfo test) {
        Fixture f = fixture(test);
        try (JobControl control = new JobControl(f.config().withTenant("acme"), f.registry())) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> control.setPriority("acme:job-1", 1));
            assertTrue(refused.getMessage().contains("at most priority 0"), refused.getMessage());
        }
    }
}
