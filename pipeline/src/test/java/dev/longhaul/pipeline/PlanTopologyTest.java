/*
 * The Plan stage on the production topology: what a valid, an unreadable, an invalid, an
 * incomplete, a duplicate and a cancelled submission each produce on `status`, `dead-letters` and
 * `work`, record by record; and how long the planner remembers a job id.
 */
package dev.longhaul.pipeline;

import static dev.longhaul.pipeline.PipelineDriver.T0;
import static dev.longhaul.pipeline.PipelineDriver.expectedStatus;
import static dev.longhaul.pipeline.PipelineDriver.submission;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;

import dev.longhaul.pipeline.plan.JobPlanner;
import dev.longhaul.pipeline.status.JobStatusQuery;
import dev.longhaul.pipeline.state.StoreSweep;
import dev.longhaul.pipeline.plan.WorkCost;
import dev.longhaul.schemas.ChunkLocations;
import dev.longhaul.schemas.ChunkPosition;
import dev.longhaul.schemas.DeadLetter;
import dev.longhaul.schemas.DocumentDescriptor;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.WorkOrder;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class PlanTopologyTest {

    @Test
    void validJobIsAcceptedQueuedAndOrderedWithItsChunkPositions() {
        try (PipelineDriver p = new PipelineDriver()) {
            // given a live lane 1 and an unrelated record ahead of the job's chunks on `documents`
            p.heartbeat("w1", List.of(1), 0, T0);
            p.submit(submission("other", "t9", 50));
            p.status.readValuesToList();
            p.work.readRecordsToList();
            // when a 250-byte job arrives in three chunks (offsets 1, 2, 3 of documents) and its request
            p.submit(submission("job-1", "acme", 250));
            // then ACCEPTED, QUEUED, QUEUED on lane 1, and one order on lane 1 with the chunk positions
            assertEquals(List.of(
                    expectedStatus("job-1", "acme", JobState.ACCEPTED, null, T0),
                    expectedStatus("job-1", "acme", JobState.QUEUED, null, T0),
                    expectedStatus("job-1", "acme", JobState.QUEUED, "lane=1", T0)), p.status.readValuesToList());
            List<KeyValue<Integer, WorkOrder>> orders = p.work.readKeyValuesToList();
            assertEquals(1, orders.size());
            assertEquals(1, orders.getFirst().key);
            WorkOrder order = orders.getFirst().value;
            WorkCost cost = WorkCost.estimate(PipelineDriver.CONFIG.cost(), 250, 1);
            WorkOrder expected = WorkOrder.newBuilder()
                    .setRequest(submission("job-1", "acme", 250).request())
                    .setLane(1)
                    .setChunks(ChunkLocations.newBuilder().setTopic("longhaul.documents").setPartition(0)
                            .setFirstOffset(1).setLastOffset(3)
                            .setPositions(List.of(new ChunkPosition(0, 1L), new ChunkPosition(0, 2L), new ChunkPosition(0, 3L)))
                            .build())
                    .setEstimatedCostTokens(cost.costTokens())
                    .setSoftmaxCostShare(cost.softmaxShare())
                    .setPlannedAt(T0)
                    .setReleasedAt(T0) // released at once: a heartbeat named the lane
                    .build();
            assertEquals(expected, order);
            assertEquals(63, order.getEstimatedCostTokens(), "250 bytes * 0.25 = 62.5 -> 63 tokens; the softmax term is 63^2 / (2 * 32768 * 8), under a token");
            assertTrue(p.deadLetters.isEmpty());
        }
    }

    @Test
    void bytesThatAreNotAvroAreDeadLetteredAndFailTheJob() {
        try (PipelineDriver p = new PipelineDriver()) {
            byte[] key = "job-x".getBytes(StandardCharsets.UTF_8);
            byte[] value = {0};
            p.rawDocuments.pipeInput(key, value);
            assertDeadLetter(p.deadLetters.readRecord(), "longhaul.documents", 0, key, value, "NOT_AVRO");
            assertEquals(List.of("job-x FAILED NOT_AVRO: a 1-byte value is shorter than the 5-byte Confluent header"), p.statuses());
        }
    }

    @Test
    void wrongMagicByteIsDeadLetteredWithItsOffset() {
        try (PipelineDriver p = new PipelineDriver()) {
            byte[] key = "job-m".getBytes(StandardCharsets.UTF_8);
            byte[] valid = p.topics.jobs.values().serializer().serialize(p.topics.jobs.name(), submission("job-m", "acme", 10).request());
            byte[] bad = valid.clone();
            bad[0] = 7;
            p.submit(submission("job-ok", "acme", 10));
            p.status.readValuesToList();
            p.rawJobs.pipeInput(key, bad);
            assertDeadLetter(p.deadLetters.readRecord(), "longhaul.jobs", 1, key, bad, "BAD_MAGIC");
            assertEquals(List.of("job-m FAILED BAD_MAGIC: magic byte is 7, expected 0 (Confluent wire format)"), p.statuses());
        }
    }

    @Test
    void unknownSchemaIdIsDeadLettered() {
        try (PipelineDriver p = new PipelineDriver()) {
            byte[] key = "job-u".getBytes(StandardCharsets.UTF_8);
            byte[] value = {0, 0, 0, 0x30, 0x39, 2, 4};
            p.rawJobs.pipeInput(key, value);
            assertDeadLetter(p.deadLetters.readRecord(), "longhaul.jobs", 0, key, value, "UNKNOWN_SCHEMA_ID");
            assertEquals(List.of("job-u FAILED UNKNOWN_SCHEMA_ID: unknown schema id 12345"), p.statuses());
        }
    }

    @Test
    void aKeyThatIsNoJobIdGetsOnlyADeadLetter() {
        try (PipelineDriver p = new PipelineDriver()) {
            byte[] key = {(byte) 0xff, (byte) 0xfe};
            p.rawJobs.pipeInput(key, new byte[] {1, 2, 3});
            assertDeadLetter(p.deadLetters.readRecord(), "longhaul.jobs", 0, key, new byte[] {1, 2, 3}, "INVALID_REQUEST");
            assertTrue(p.status.isEmpty());
        }
    }

    @Test
    void digestMismatchFailsTheJobAndNoOrderIsMade() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.heartbeat("w1", List.of(0), 0, T0);
            var s = submission("job-d", "acme", 120);
            String sha = s.request().getDocument().getSha256();
            String wrong = (sha.charAt(0) == '0' ? "1" : "0") + sha.substring(1);
            var tampered = s.withRequest(withDescriptor(s.request(), d -> d.setSha256(wrong)));
            p.submit(tampered);
            DeadLetter letter = p.deadLetters.readValue();
            assertEquals("DIGEST_MISMATCH", letter.getReasonCode());
            assertEquals("longhaul.jobs", letter.getOriginalTopic());
            assertEquals(0, letter.getOffset());
            assertEquals(ByteBuffer.wrap(p.topics.jobs.values().serializer().serialize(p.topics.jobs.name(), tampered.request())), letter.getValue());
            List<String> statuses = p.statuses();
            assertEquals(1, statuses.size());
            assertTrue(statuses.getFirst().startsWith("job-d FAILED DIGEST_MISMATCH: "), statuses.getFirst());
            assertTrue(p.work.isEmpty());
        }
    }

    @Test
    void chunksHeldBehindAnotherClientsOpenTransactionStillCompleteTheirJob() {
        // job-k committed whole, but its chunks wait on their documents partition behind a
        // transaction another client left open, which the broker aborts at its longest timeout
        // (transaction.max.timeout.ms, 15 minutes by default) and its next check (10 s)
        try (PipelineDriver p = new PipelineDriver()) {
            var s = submission("job-k", "acme", 250);
            p.jobs.pipeInput("job-k", s.request());
            p.advance(Duration.ofMinutes(15).plusSeconds(10));
            assertTrue(p.deadLetters.isEmpty(), "not failed while its chunks could still be held back");
            s.chunks().forEach(c -> p.documents.pipeInput("job-k", c));
            assertTrue(p.deadLetters.isEmpty());
            assertEquals(List.of("job-k ACCEPTED", "job-k QUEUED"), p.statuses(), "planned and queued");
        }
    }

    @Test
    void aBurstOfIncompleteJobsFailsASliceAtATime() {
        int jobs = 2 * dev.longhaul.pipeline.state.StoreSweep.SLICE + 10;
        try (PipelineDriver p = new PipelineDriver()) {
            for (int i = 0; i < jobs; i++) {
                String id = "lone-" + i;
                p.documents.pipeInput(id, submission(id, "acme", 250).chunks().get(0));
            }
            p.advance(PipelineDriver.CONFIG.limits().incompleteJobTimeout());
            assertEquals(dev.longhaul.pipeline.state.StoreSweep.SLICE, p.deadLetters.readValuesToList().size(), "one slice a punctuation");
            p.advance(Duration.ofSeconds(1));
            p.advance(Duration.ofSeconds(1));
            assertEquals(jobs - dev.longhaul.pipeline.state.StoreSweep.SLICE, p.deadLetters.readValuesToList().size(), "the rest at the next");
            assertEquals(jobs, p.statuses().size(), "every one failed in the end");
        }
    }

    @Test
    void chunksMissingPastTheTimeoutFailTheJob() {
        try (PipelineDriver p = new PipelineDriver()) {
            var s = submission("job-t", "acme", 250);
            p.documents.pipeInput("job-t", s.chunks().get(0));
            p.documents.pipeInput("job-t", s.chunks().get(1));
            p.jobs.pipeInput("job-t", s.request());
            // before the timeout the job waits
            p.advance(PipelineDriver.CONFIG.limits().incompleteJobTimeout().minusSeconds(2));
            assertTrue(p.status.isEmpty());
            assertTrue(p.deadLetters.isEmpty());
            // after it, MISSING_CHUNKS
            p.advance(Duration.ofSeconds(2));
            DeadLetter letter = p.deadLetters.readValue();
            assertEquals("MISSING_CHUNKS", letter.getReasonCode());
            assertEquals("longhaul.jobs", letter.getOriginalTopic());
            assertEquals(List.of("job-t FAILED MISSING_CHUNKS: 2 chunks after "
                    + PipelineDriver.CONFIG.limits().incompleteJobTimeout().toMillis() + " ms"), p.statuses());
            // and the late last chunk changes nothing
            p.documents.pipeInput("job-t", s.chunks().get(2));
            assertTrue(p.status.isEmpty());
            assertTrue(p.work.isEmpty());
        }
    }

    @Test
    void aKindTheConfigurationDisallowsIsUnknownKind() {
        var limits = PipelineDriver.CONFIG.limits();
        var config = PipelineDriver.CONFIG.withLimits(new PipelineConfig.Limits(limits.maxDocumentBytes(), limits.maxChunks(),
                EnumSet.of(DocumentKind.TEXT, DocumentKind.LOG), limits.tenants(), limits.incompleteJobTimeout()));
        try (PipelineDriver p = new PipelineDriver(config)) {
            var s = submission("job-k", "acme", 10);
            p.submit(s.withRequest(JobRequest.newBuilder(s.request()).setKind(DocumentKind.REPO).build()));
            assertEquals("UNKNOWN_KIND", p.deadLetters.readValue().getReasonCode());
            assertEquals(List.of("job-k FAILED UNKNOWN_KIND: kind REPO is not one of " + config.limits().allowedKinds()), p.statuses());
        }
    }

    @Test
    void aDocumentOverTheSizeLimitIsOversize() {
        var limits = PipelineDriver.CONFIG.limits();
        var config = PipelineDriver.CONFIG.withLimits(new PipelineConfig.Limits(200, limits.maxChunks(),
                limits.allowedKinds(), limits.tenants(), limits.incompleteJobTimeout()));
        try (PipelineDriver p = new PipelineDriver(config)) {
            p.submit(submission("job-o", "acme", 250));
            List<DeadLetter> letters = p.deadLetters.readValuesToList();
            assertEquals(1, letters.size());
            assertEquals("OVERSIZE_DOCUMENT", letters.getFirst().getReasonCode());
            assertEquals("longhaul.jobs", letters.getFirst().getOriginalTopic());
            assertEquals(List.of("job-o FAILED OVERSIZE_DOCUMENT: 250 bytes in 3 chunks exceeds the limit of 200 bytes in 4096 chunks"), p.statuses());
        }
    }

    @Test
    void extractWithoutFieldsOrSchemaIsAnInvalidRequestAndOtherJobsGoOn() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.heartbeat("w1", List.of(0), 0, T0);
            var s = submission("job-e", "acme", 10);
            p.submit(s.withRequest(JobRequest.newBuilder(s.request())
                    .setTasks(List.of(Task.newBuilder().setType(TaskType.EXTRACT).build())).build()));
            p.submit(submission("job-ok", "acme", 10));
            assertEquals("INVALID_REQUEST", p.deadLetters.readValue().getReasonCode());
            assertTrue(p.deadLetters.isEmpty());
            assertEquals(List.of("job-e FAILED INVALID_REQUEST: task 0: EXTRACT needs either fields or a jsonSchema",
                    "job-ok ACCEPTED", "job-ok QUEUED", "job-ok QUEUED lane=0"), p.statuses());
            assertEquals(List.of("job-ok"), p.work.readValuesToList().stream().map(o -> o.getRequest().getJobId()).toList());
        }
    }

    @Test
    void aJobCostingMoreThanItsTenantsQuotaIsRefused() {
        var limits = PipelineDriver.CONFIG.limits();
        var config = PipelineDriver.CONFIG.withLimits(new PipelineConfig.Limits(limits.maxDocumentBytes(), limits.maxChunks(),
                limits.allowedKinds(), new PipelineConfig.TenantQuotas(java.util.Map.of("small", 50L), 1_000_000), limits.incompleteJobTimeout()));
        try (PipelineDriver p = new PipelineDriver(config)) {
            p.submit(submission("job-q", "small", 250));
            assertEquals("TENANT_QUOTA", p.deadLetters.readValue().getReasonCode());
            assertEquals(List.of("job-q FAILED TENANT_QUOTA: estimated cost 63 tokens exceeds tenant small's quota of 50"), p.statuses());
        }
    }

    @Test
    void resubmittingTheSameDocumentUnderAPlannedJobIdIsANoOp() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.heartbeat("w1", List.of(0), 0, T0);
            p.submit(submission("job-1", "acme", 250));
            assertEquals(3, p.statuses().size());
            assertEquals(1, p.work.readValuesToList().size());
            // the same document again, in a new submission
            p.submit(submission("job-1", "acme", PipelineDriver.text("job-1", 250), 100, "job-1-s2"));
            assertTrue(p.status.isEmpty());
            assertTrue(p.work.isEmpty());
            assertTrue(p.deadLetters.isEmpty());
        }
    }

    @Test
    void aDifferentDocumentUnderAPlannedJobIdIsADuplicateAndTheJobsStatusStays() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.heartbeat("w1", List.of(0), 0, T0);
            p.submit(submission("job-1", "acme", 250));
            p.statuses();
            p.work.readValuesToList();
            var other = submission("job-1", "acme", PipelineDriver.text("something else", 250), 100, "job-1-s2");
            p.submit(other);
            DeadLetter letter = p.deadLetters.readValue();
            assertEquals("DUPLICATE_JOB_ID", letter.getReasonCode());
            assertEquals(ByteBuffer.wrap(p.topics.jobs.values().serializer().serialize(p.topics.jobs.name(), other.request())), letter.getValue());
            assertTrue(p.status.isEmpty());
            assertTrue(p.work.isEmpty());
        }
    }

    @Test
    void cancelBeforePlanningCancelsAndTheJobNeverReachesWork() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.heartbeat("w1", List.of(0), 0, T0);
            var s = submission("job-c", "acme", 250);
            p.documents.pipeInput("job-c", s.chunks().get(0));
            p.cancel("job-c");
            p.documents.pipeInput("job-c", s.chunks().get(1));
            p.documents.pipeInput("job-c", s.chunks().get(2));
            p.jobs.pipeInput("job-c", s.request());
            assertEquals(List.of("job-c CANCELLED cancelled before planning"), p.statuses());
            assertTrue(p.work.isEmpty());
            assertTrue(p.deadLetters.isEmpty());
        }
    }

    @Test
    void aCancelWhileTwoSubmissionsArriveSaysSoAndIsNotTakenForACancelOfAnUnknownId() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.heartbeat("w1", List.of(0), 0, T0);
            var first = submission("job-2s", "acme", PipelineDriver.text("job-2s", 250), 100, "job-2s-a");
            var second = submission("job-2s", "acme", PipelineDriver.text("job-2s", 250), 100, "job-2s-b");
            p.documents.pipeInput("job-2s", first.chunks().get(0));
            p.documents.pipeInput("job-2s", second.chunks().get(0));
            p.cancel("job-2s");
            // the status names no submission (it ends both), so its reason tells it apart from the
            // cancel of an id known of nothing, which a final status of an earlier life outranks
            JobStatus cancelled = p.status.readValue();
            assertEquals(JobState.CANCELLED, cancelled.getState());
            assertEquals("", cancelled.getSubmissionId());
            assertEquals("cancelled before planning, while 2 submissions of it were arriving", cancelled.getReason());
            assertFalse(dev.longhaul.schemas.JobStates.cancelOfUnknownId(cancelled));
            // yet, naming no submission, it frees nothing at the dispatcher: an order of the id held
            // there (its plan forgotten) is cancelled on the planner's own word instead
            assertTrue(dev.longhaul.schemas.JobStates.plannersUnnamedCancel(cancelled));
            assertTrue(p.work.isEmpty());
        }
    }

    @Test
    void aJobIdThatFailedOrWasCancelledIsNeverPlannedAfterwards() {
        var limits = PipelineDriver.CONFIG.limits();
        var config = PipelineDriver.CONFIG.withLimits(new PipelineConfig.Limits(limits.maxDocumentBytes(), limits.maxChunks(),
                limits.allowedKinds(), new PipelineConfig.TenantQuotas(java.util.Map.of("small", 50L), 1_000_000), limits.incompleteJobTimeout()));
        try (PipelineDriver p = new PipelineDriver(config)) {
            p.heartbeat("w1", List.of(0), 0, T0);
            p.submit(submission("job-f", "small", 250));
            assertEquals(List.of("job-f FAILED TENANT_QUOTA: estimated cost 63 tokens exceeds tenant small's quota of 50"), p.statuses());
            p.deadLetters.readValue();
            // a valid resubmission under the failed id: refused, and the FAILED status stays final
            p.submit(submission("job-f", "acme", PipelineDriver.text("job-f", 250), 100, "job-f-s2"));
            DeadLetter again = p.deadLetters.readValue();
            assertEquals("DUPLICATE_JOB_ID", again.getReasonCode());
            assertTrue(again.getDetail().contains("already FAILED"), again.getDetail());
            // an invalid one does not fail it a second time (with another reason)
            var broken = submission("job-f", "acme", PipelineDriver.text("job-f", 250), 100, "job-f-s3");
            p.submit(broken.withRequest(JobRequest.newBuilder(broken.request()).setTenant(" ").build()));
            assertEquals("INVALID_REQUEST", p.deadLetters.readValue().getReasonCode());
            assertTrue(p.status.isEmpty(), "no status after the final one");
            // nor does a cancel while another submission's chunks are arriving turn FAILED into CANCELLED
            var arriving = submission("job-f", "acme", PipelineDriver.text("job-f", 250), 100, "job-f-s4");
            arriving.chunks().forEach(chunk -> p.documents.pipeInput("job-f", chunk));
            p.cancel("job-f");
            p.jobs.pipeInput("job-f", arriving.request());
            assertTrue(p.status.isEmpty(), "still FAILED: " + p.statuses());
            assertTrue(p.work.isEmpty());

            p.cancel("job-c");
            assertEquals(List.of("job-c CANCELLED cancelled before planning"), p.statuses());
            p.submit(submission("job-c", "acme", 250));
            assertEquals("DUPLICATE_JOB_ID", p.deadLetters.readValue().getReasonCode(), "a submission after the cancel is not silently lost");
            assertTrue(p.status.isEmpty());
            assertTrue(p.work.isEmpty(), "neither job reaches work");
        }
    }

    private static dev.longhaul.schemas.JobRequest withDescriptor(dev.longhaul.schemas.JobRequest request,
                                                                 java.util.function.UnaryOperator<DocumentDescriptor.Builder> change) {
        return JobRequest.newBuilder(request).setDocument(change.apply(DocumentDescriptor.newBuilder(request.getDocument())).build()).build();
    }

    @Test
    void aSettledJobIdIsForgottenAfterTheRetentionAndMayThenBeUsedAgain() {
        var config = PipelineDriver.withRetention(Duration.ofHours(1));
        try (PipelineDriver p = new PipelineDriver(config)) {
            KeyValueStore<String, Object> plans = p.driver.getKeyValueStore(JobPlanner.STORE);
            KeyValueStore<String, Long> open = p.driver.getKeyValueStore(JobPlanner.OPEN_STORE);
            p.heartbeat("w1", List.of(0), 0, T0);
            var first = submission("job-1", "acme", 250);
            // while its request is missing the job is open
            for (var chunk : first.chunks()) {
                p.documents.pipeInput("job-1", chunk);
            }
            assertEquals(T0.toEpochMilli(), open.get("job-1"));
            p.jobs.pipeInput("job-1", first.request());
            assertEquals(1, p.work.readValuesToList().size());
            assertEquals(null, open.get("job-1"), "a planned job is no longer open");
            p.finished("job-1", "acme", JobState.SUCCEEDED);
            p.statuses();
            // within the retention the same document is still a no-op, and that record restarts it
            p.advance(Duration.ofMinutes(59));
            assertTrue(plans.get("job-1") != null);
            p.submit(submission("job-1", "acme", PipelineDriver.text("job-1", 250), 100, "job-1-s2"));
            assertTrue(p.status.isEmpty());
            assertTrue(p.work.isEmpty());
            p.advance(Duration.ofMinutes(59));
            assertTrue(plans.get("job-1") != null, "59 minutes after its last record the job id is remembered");
            p.advance(Duration.ofMinutes(2));
            assertEquals(null, plans.get("job-1"), "61 minutes after its last record the job id is forgotten");
            // and the job id can be planned again
            p.submit(submission("job-1", "acme", PipelineDriver.text("job-1", 250), 100, "job-1-s3"));
            assertEquals("job-1 ACCEPTED", p.statuses().getFirst());
            assertTrue(p.deadLetters.isEmpty());
        }
    }

    @Test
    void aJobIdUsedAgainWhileTheStatusTableStillHoldsItsOldEndStartsANewLife() {
        var config = PipelineDriver.withRetention(Duration.ofHours(1));
        try (PipelineDriver p = new PipelineDriver(config)) {
            KeyValueStore<String, Object> plans = p.driver.getKeyValueStore(JobPlanner.STORE);
            KeyValueStore<String, JobStatus> table = p.driver.getKeyValueStore(JobStatusQuery.STATUS_STORE);
            p.heartbeat("w1", List.of(0), 0, T0);
            // given a job planned at T0 that finished 50 minutes later: the planner forgets its id an
            // hour after planning, the status table an hour after the end
            p.submit(submission("job-r", "acme", PipelineDriver.text("job-r", 250), 100, "job-r-s1"));
            assertEquals(1, p.work.readValuesToList().size());
            p.advance(Duration.ofMinutes(50));
            p.finished("job-r", "acme", JobState.SUCCEEDED, "job-r-s1");
            p.advance(Duration.ofMinutes(11));
            p.statuses();
            assertEquals(null, plans.get("job-r"), "the planner forgot the id");
            assertEquals(JobState.SUCCEEDED, table.get("job-r").getState(), "the status table still holds its end");
            // when the id is submitted again (to a worker beating)
            p.heartbeat("w1", List.of(0), 0, p.now());
            p.submit(submission("job-r", "acme", PipelineDriver.text("job-r", 300), 100, "job-r-s2"));
            // then the new life is accepted, queued and released, and the old end is not written back over it
            assertEquals(List.of("job-r ACCEPTED", "job-r QUEUED", "job-r QUEUED lane=0"), p.statuses());
            List<WorkOrder> released = p.work.readValuesToList();
            assertEquals(1, released.size(), "the new submission reaches a lane");
            assertEquals("job-r-s2", released.get(0).getRequest().getSubmissionId());
            assertEquals(JobState.QUEUED, table.get("job-r").getState());
            assertEquals("job-r-s2", table.get("job-r").getSubmissionId());
            // and a progress tick of the old life, landing late, changes nothing
            p.statusIn.pipeInput("job-r", JobStatus.newBuilder().setJobId("job-r").setTenant("acme").setState(JobState.RUNNING)
                    .setProgress(0.5).setUpdatedAt(p.now()).setSubmissionId("job-r-s1").build());
            assertEquals("job-r-s2", table.get("job-r").getSubmissionId());
            assertEquals(JobState.QUEUED, table.get("job-r").getState());
        }
    }

    @Test
    void anIncompleteJobIsNeverForgottenOnlyTimedOut() {
        // a retention shorter than the incomplete-job timeout: the open job still fails at the timeout
        var limits = PipelineDriver.CONFIG.limits();
        var config = PipelineDriver.withRetention(Duration.ofSeconds(1));
        try (PipelineDriver p = new PipelineDriver(config)) {
            KeyValueStore<String, Object> plans = p.driver.getKeyValueStore(JobPlanner.STORE);
            var s = submission("job-t", "acme", 250);
            p.documents.pipeInput("job-t", s.chunks().get(0));
            p.advance(limits.incompleteJobTimeout().minusSeconds(2));
            assertTrue(plans.get("job-t") != null);
            p.advance(Duration.ofSeconds(2));
            assertEquals(List.of("job-t FAILED MISSING_CHUNKS: 1 chunks and no request after "
                    + limits.incompleteJobTimeout().toMillis() + " ms"), p.statuses());
            // failed and settled, it goes at the next sweep after the (one-second) retention
            p.advance(Duration.ofSeconds(2));
            assertEquals(null, plans.get("job-t"));
        }
    }

    @Test
    void theRetentionSweepReadsASliceAtATimeAndResumesWhereItStopped() {
        int slice = StoreSweep.SLICE;
        var config = PipelineDriver.withRetention(Duration.ofMinutes(5));
        try (PipelineDriver p = new PipelineDriver(config)) {
            KeyValueStore<String, Object> plans = p.driver.getKeyValueStore(JobPlanner.STORE);
            // cancelled before planning: settled at once. The old ones sort after a full slice of young ones.
            for (int i = 0; i < 100; i++) {
                p.cancel("b-" + i);
            }
            p.advance(Duration.ofMinutes(4));
            for (int i = 0; i < slice; i++) {
                p.cancel("a-" + i);
            }
            p.advance(Duration.ofMinutes(2));
            assertEquals(slice + 100, count(plans), "the first slice held only young plans");
            p.advance(config.dispatch().punctuationInterval());
            assertEquals(slice, count(plans), "the next slice resumed past them and forgot the old ones");
        }
    }

    private static int count(KeyValueStore<String, Object> store) {
        int n = 0;
        try (KeyValueIterator<String, Object> all = store.all()) {
            while (all.hasNext()) {
                all.next();
                n++;
            }
        }
        return n;
    }

    private static void assertDeadLetter(TestRecord<byte[], DeadLetter> record, String topic, long offset, byte[] key, byte[] value, String reason) {
        assertArrayEquals(key, record.key());
        DeadLetter letter = record.value();
        assertEquals(topic, letter.getOriginalTopic());
        assertEquals(0, letter.getPartition());
        assertEquals(offset, letter.getOffset());
        assertEquals(ByteBuffer.wrap(key), letter.getKey());
        assertEquals(ByteBuffer.wrap(value), letter.getValue());
        assertEquals(reason, letter.getReasonCode());
        assertEquals(T0, letter.getAt());
    }
}
