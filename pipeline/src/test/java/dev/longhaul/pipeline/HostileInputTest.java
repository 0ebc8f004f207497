/*
 * The planner's limits against a client that bypasses the ingest library, on the production
 * topology: each hostile record ends in `dead-letters` with its reason (and a FAILED status where
 * it names a job), the dead letter always fits a Kafka record, and a good job next to it is planned.
 */
package dev.longhaul.pipeline;

import static dev.longhaul.pipeline.PipelineDriver.T0;
import static dev.longhaul.pipeline.PipelineDriver.submission;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.ControlAction;
import dev.longhaul.schemas.DeadLetter;
import dev.longhaul.schemas.DocumentChunk;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import org.junit.jupiter.api.Test;

class HostileInputTest {

    @Test
    void aKeyLongerThanAJobIdIsAnOversizeRecordWithoutAStatus() {
        try (PipelineDriver p = new PipelineDriver()) {
            byte[] key = "k".repeat(300).getBytes(StandardCharsets.UTF_8);
            p.rawJobs.pipeInput(key, new byte[] {0, 0, 0, 0, 1});
            assertEquals("OVERSIZE_RECORD", p.deadLetters.readValue().getReasonCode());
            assertTrue(p.status.isEmpty());
        }
    }

    @Test
    void aRecordWithoutATimestampOnAFreshPartitionIsProcessedAndThePartitionGoesOn() {
        try (PipelineDriver p = new PipelineDriver()) {
            // given a record stamped -1 (no time; a non-Java client can write one) first on its partition
            p.rawJobs.pipeInput(new org.apache.kafka.streams.test.TestRecord<>("job-untimed".getBytes(StandardCharsets.UTF_8),
                    new byte[] {0, 0, 0, 0, 1}, null, java.time.Instant.ofEpochMilli(-1)));
            // then it is dead-lettered like any undecodable record, and a good job after it is planned
            assertEquals("UNKNOWN_SCHEMA_ID", p.deadLetters.readValue().getReasonCode());
            p.submit(submission("job-ok", "acme", 10));
            assertTrue(p.statuses().getLast().startsWith("job-ok QUEUED"), p.statuses().toString());
        }
    }

    @Test
    void aRequestLargerThanTheLimitFailsItsJobBeforeItIsDecoded() {
        try (PipelineDriver p = new PipelineDriver()) {
            var s = submission("job-big", "acme", 10);
            JobRequest big = JobRequest.newBuilder(s.request()).setMetadata(Map.of("pad", "x".repeat(300 * 1024))).build();
            p.submit(s.withRequest(big));
            assertEquals("OVERSIZE_RECORD", p.deadLetters.readValue().getReasonCode());
            assertTrue(p.statuses().getLast().startsWith("job-big FAILED OVERSIZE_RECORD"), "FAILED with the reason");
        }
    }

    @Test
    void aValueOverTheDeadLetterLimitIsKeptCutWithItsLengthInTheDetail() {
        try (PipelineDriver p = new PipelineDriver()) {
            byte[] value = new byte[900 * 1024];
            p.rawDocuments.pipeInput("job-huge".getBytes(StandardCharsets.UTF_8), value);
            DeadLetter letter = p.deadLetters.readValue();
            assertEquals("OVERSIZE_RECORD", letter.getReasonCode());
            assertEquals(DeadLetters.MAX_KEPT_VALUE_BYTES, letter.getValue().remaining());
            assertTrue(letter.getDetail().contains("of " + value.length + " bytes"), letter.getDetail());
        }
    }

    @Test
    void schemasTooDeepTooLargeOrForcingTooMuchOutputAreInvalidSchema() {
        String deep = "{\"type\":\"array\",\"items\":".repeat(40) + "{\"type\":\"string\"}" + "}".repeat(40);
        String forcing = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"minLength\":100000}},\"required\":[\"a\"]}";
        String large = "{\"type\":\"object\",\"description\":\"" + "d".repeat(20_000) + "\"}";
        try (PipelineDriver p = new PipelineDriver()) {
            int n = 0;
            for (String schema : List.of(deep, forcing, large, "{not json")) {
                var s = submission("job-schema-" + n++, "acme", 10);
                Task task = Task.newBuilder().setType(TaskType.EXTRACT).setJsonSchema(schema).build();
                p.submit(s.withRequest(JobRequest.newBuilder(s.request()).setTasks(List.of(task)).build()));
                assertEquals("INVALID_SCHEMA", p.deadLetters.readValue().getReasonCode(), schema.substring(0, Math.min(30, schema.length())));
            }
        }
    }

    @Test
    void aContentCodingIsRefusedSinceThePipelineNeverInflates() {
        try (PipelineDriver p = new PipelineDriver()) {
            var s = submission("job-gz", "acme", 10);
            s.request().getDocument().setEncoding("gzip");
            p.submit(s);
            DeadLetter letter = p.deadLetters.readValue();
            assertEquals("INVALID_REQUEST", letter.getReasonCode());
            assertTrue(letter.getDetail().contains("content coding gzip"), letter.getDetail());
        }
    }

    @Test
    void aChunkPathLeavingTheRootBreaksItsSubmission() {
        try (PipelineDriver p = new PipelineDriver()) {
            for (String path : List.of("../etc/passwd", "/etc/passwd", "a/./b", "a\u0000b")) {
                var s = submission("job-path-" + path.length(), "acme", 10);
                s.chunks().getFirst().setPath(path);
                p.submit(s);
                DeadLetter letter = p.deadLetters.readValue();
                assertEquals("INVALID_REQUEST", letter.getReasonCode(), path);
                assertTrue(letter.getDetail().contains("path"), letter.getDetail());
            }
        }
    }

    @Test
    void aNinthSubmissionInProgressOfOneJobIdIsDeadLetteredOnItsOwn() {
        try (PipelineDriver p = new PipelineDriver()) {
            for (int i = 0; i < 12; i++) {
                p.documents.pipeInput("job-many", DocumentChunk.newBuilder().setJobId("job-many").setIndex(0)
                        .setData(ByteBuffer.wrap(new byte[] {1})).setIsLast(false).setSubmissionId("s" + i).build());
            }
            List<DeadLetter> letters = new ArrayList<>(p.deadLetters.readValuesToList());
            assertEquals(4, letters.size(), "submissions 9 to 12 are refused");
            assertTrue(letters.stream().allMatch(d -> d.getReasonCode().equals("INVALID_REQUEST")));
            assertEquals(List.of(9L, 10L, 11L), letters.subList(1, 4).stream().map(DeadLetter::getOffset).toList());
            assertTrue(p.status.isEmpty(), "the job id itself is not failed by them");
            p.submit(submission("job-fine", "acme", 10));
            assertTrue(p.statuses().contains("job-fine ACCEPTED"));
        }
    }

    @Test
    void aSubmissionIdTooLongForThePlanIsDeadLetteredAndThePartitionGoesOn() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.documents.pipeInput("job-long-id", DocumentChunk.newBuilder().setJobId("job-long-id").setIndex(0)
                    .setData(ByteBuffer.wrap(new byte[] {1})).setIsLast(true).setSubmissionId("s".repeat(70_000)).build());
            DeadLetter letter = p.deadLetters.readValue();
            assertEquals("INVALID_REQUEST", letter.getReasonCode());
            assertTrue(letter.getDetail().contains("submission id of 70000 characters"), letter.getDetail());
            assertEquals(List.of("job-long-id FAILED INVALID_REQUEST: a submission id of 70000 characters, more than 128"), p.statuses());
            p.submit(submission("job-fine", "acme", 10));
            assertTrue(p.statuses().contains("job-fine QUEUED"), "the next job on the partition is planned");
        }
    }

    @Test
    void aTenantTooLongIsRefusedWithoutReachingThePlan() {
        try (PipelineDriver p = new PipelineDriver()) {
            var s = submission("job-long-tenant", "acme", 10);
            p.submit(s.withRequest(JobRequest.newBuilder(s.request()).setTenant("t".repeat(70_000)).build()));
            assertEquals("INVALID_REQUEST", p.deadLetters.readValue().getReasonCode());
            assertTrue(p.statuses().getLast().startsWith("job-long-tenant FAILED INVALID_REQUEST: tenant"), p.statuses().toString());
            p.submit(submission("job-fine", "acme", 10));
            assertTrue(p.statuses().contains("job-fine QUEUED"), "the next job on the partition is planned");
        }
    }

    @Test
    void requestsOfOneJobIdAreKeptOnlyUpToAByteBudgetSoThePlanFitsARecord() {
        try (PipelineDriver p = new PipelineDriver()) {
            // five requests of ~120 KiB for one job id, under different submission ids, without chunks:
            // each is under the request limit, together they would pass what a changelog record holds
            for (int i = 0; i < 5; i++) {
                var s = submission("job-fat", "acme", 10);
                p.jobs.pipeInput("job-fat", JobRequest.newBuilder(s.request()).setSubmissionId("fat-" + i)
                        .setMetadata(Map.of("pad", "x".repeat(120 * 1024))).build());
            }
            List<DeadLetter> letters = p.deadLetters.readValuesToList();
            assertEquals(2, letters.size(), "three fit in 384 KiB, the fourth and fifth do not");
            assertTrue(letters.getFirst().getDetail().contains("bytes of requests"), letters.getFirst().getDetail());
            p.submit(submission("job-fine", "acme", 10));
            assertTrue(p.statuses().contains("job-fine QUEUED"), "the next job on the partition is planned");
        }
    }

    @Test
    void aControlRecordNamingAnotherJobThanItsKeyIsDeadLettered() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.control.pipeInput("job-a", Control.newBuilder().setJobId("job-b").setAction(ControlAction.CANCEL).setRequestedAt(T0).build());
            assertEquals("INVALID_REQUEST", p.deadLetters.readValue().getReasonCode());
            assertTrue(p.status.isEmpty(), "neither job is cancelled");
        }
    }

    @Test
    void aChunkBeyondTheDeclaredCountFailsTheSubmission() {
        try (PipelineDriver p = new PipelineDriver()) {
            var s = submission("job-extra", "acme", PipelineDriver.text("job-extra", 300), 100, "s1");
            for (DocumentChunk c : s.chunks()) {
                p.documents.pipeInput("job-extra", c);
            }
            p.documents.pipeInput("job-extra", DocumentChunk.newBuilder(s.chunks().getLast()).setIndex(3).build());
            p.jobs.pipeInput("job-extra", s.request());
            DeadLetter letter = p.deadLetters.readValue();
            assertEquals("INVALID_REQUEST", letter.getReasonCode(), letter.getDetail());
        }
    }
}
