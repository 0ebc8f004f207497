/*
 * Tenant admission and delivery on the production topology (PipelineTopology with tenants "a" and
 * "b"), record by record: the tenant is stamped from the topic a request came in on; a job id
 * belongs to the tenant that wrote it first, and a tenant claims only ids with its own prefix
 * ("a:..."); a tenant's cancel of another's job and a submission under another's job id are
 * dead-lettered as NOT_TENANTS_JOB; statuses and results go back to
 * the owning tenant's topics only; without tenants the topology has no tenant part at all. A job
 * id's owner is forgotten after the settled-job retention without news of the job (its statuses
 * are news), and an owner written before that time was kept is stamped, then forgotten likewise.
 */
package dev.longhaul.pipeline;

import static dev.longhaul.pipeline.PipelineDriver.T0;
import static dev.longhaul.pipeline.PipelineDriver.submission;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import dev.longhaul.pipeline.tenant.TenantOwners;
import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.ControlAction;
import dev.longhaul.schemas.DeadLetter;
import dev.longhaul.schemas.DocumentChunk;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.ModelIdentity;
import dev.longhaul.schemas.Summary;
import dev.longhaul.schemas.Timings;
import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.Usage;
import dev.longhaul.schemas.WorkOrder;
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

class TenantTopologyTest {

    @Test
    void theTenantIsStampedFromTheTopicAndStatusesGoBackToItsOwnTopic() {
        try (Tenants t = new Tenants()) {
            // when tenant a submits a job whose request claims tenant b
            t.submit("a", submission("a:job-a", "b", 120));
            // then the shared statuses carry tenant a, and only a's status topic sees the job
            List<JobStatus> shared = t.p.status.readValuesToList();
            assertTrue(!shared.isEmpty() && shared.stream().allMatch(s -> s.getTenant().equals("a")), shared.toString());
            List<JobStatus> ownA = t.status("a").readValuesToList();
            assertEquals(shared, ownA);
            assertTrue(t.status("b").isEmpty(), "b sees nothing of a's job");
            assertTrue(t.p.deadLetters.isEmpty());
        }
    }

    /** Priority orders all tenants' held jobs before the fair share: a tenant may lower its own, never raise it. */
    @Test
    void aTenantsRequestKeepsAtMostTheDefaultPriority() {
        try (Tenants t = new Tenants()) {
            TestOutputTopic<String, dev.longhaul.schemas.JobRequest> sharedJobs = t.out(t.topics.jobs);
            PipelineDriver.Submission high = submission("a:urgent", "a", 120);
            high.request().setPriority(Integer.MAX_VALUE);
            PipelineDriver.Submission low = submission("a:later", "a", 120);
            low.request().setPriority(-3);
            t.submit("a", high);
            t.submit("a", low);
            assertEquals(List.of("a:urgent 0", "a:later -3"), sharedJobs.readValuesToList().stream()
                    .map(r -> r.getJobId() + " " + r.getPriority()).toList());
        }
    }

    /** ...and a SET_PRIORITY cannot raise it either; a control record the gate cannot read stops there. */
    @Test
    void aTenantsPriorityChangeKeepsAtMostTheDefaultPriority() {
        try (Tenants t = new Tenants()) {
            TestOutputTopic<String, Control> sharedControl = t.out(t.topics.control);
            t.submit("a", submission("a:job-a", "a", 120));
            var control = t.in(t.topics.forTenant("a").control);
            for (int priority : new int[] {Integer.MAX_VALUE, 1, -2}) {
                control.pipeInput("a:job-a", Control.newBuilder().setJobId("a:job-a").setAction(ControlAction.SET_PRIORITY)
                        .setPriority(priority).setRequestedAt(T0).build());
            }
            control.pipeInput("a:job-a", Control.newBuilder().setJobId("a:job-a").setAction(ControlAction.PAUSE).setRequestedAt(T0).build());
            assertEquals(List.of("SET_PRIORITY 0", "SET_PRIORITY 0", "SET_PRIORITY -2", "PAUSE null"), sharedControl.readValuesToList()
                    .stream().map(c -> c.getAction() + " " + c.getPriority()).toList());
            t.raw(t.topics.forTenant("a").control).pipeInput("a:job-a", "not avro".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertTrue(sharedControl.isEmpty());
            List<DeadLetter> letters = t.p.deadLetters.readValuesToList();
            assertEquals(1, letters.size());
            assertEquals(t.topics.forTenant("a").control.name(), letters.get(0).getOriginalTopic());
        }
    }

    @Test
    void aTenantCannotCancelAnothersJobNorReuseItsId() {
        try (Tenants t = new Tenants()) {
            t.submit("a", submission("a:job-a", "a", 120));
            t.p.status.readValuesToList();
            t.status("a").readValuesToList();
            // when b cancels a's job through its own control topic, and submits under a's job id
            t.in(t.topics.forTenant("b").control).pipeInput("a:job-a",
                    Control.newBuilder().setJobId("a:job-a").setAction(ControlAction.CANCEL).setRequestedAt(T0).build());
            t.submit("b", submission("a:job-a", "b", 80));
            // then both are dead-lettered, a's job is untouched, and b alone learns its request failed
            List<DeadLetter> letters = t.p.deadLetters.readValuesToList();
            assertEquals(List.of("NOT_TENANTS_JOB", "NOT_TENANTS_JOB", "NOT_TENANTS_JOB"),
                    letters.stream().map(DeadLetter::getReasonCode).toList(), "the cancel, b's chunk and b's request");
            assertEquals(t.topics.forTenant("b").control.name(), letters.get(0).getOriginalTopic());
            assertTrue(t.p.status.isEmpty(), "nothing about job-a changes on the shared status topic");
            assertTrue(t.status("a").isEmpty());
            List<JobStatus> ownB = t.status("b").readValuesToList();
            assertEquals(1, ownB.size());
            assertEquals(JobState.FAILED, ownB.get(0).getState());
        }
    }

    /**
     * A tenant claims only ids that begin with its name and a colon: not one the operator is still
     * uploading under (which no tenant owns yet), not another tenant's, not one without a prefix.
     */
    @Test
    void aTenantClaimsOnlyIdsWithItsOwnPrefix() {
        try (Tenants t = new Tenants()) {
            // given the operator's upload in progress on the shared topics: chunks, no request yet
            PipelineDriver.Submission operators = submission("contract-7", "default", 120);
            operators.chunks().forEach(chunk -> t.p.documents.pipeInput(chunk.getJobId(), chunk));
            // when tenant a submits under that id, under b's prefix, and under its own
            t.submit("a", submission("contract-7", "a", 80));
            t.submit("a", submission("b:job-1", "a", 80));
            t.submit("a", submission("a:job-1", "a", 80));
            // then the first two are refused at the gate, chunk and request each, and a hears why
            List<DeadLetter> letters = t.p.deadLetters.readValuesToList();
            assertEquals(4, letters.size(), letters.toString());
            assertTrue(letters.stream().allMatch(l -> l.getReasonCode().equals("NOT_TENANTS_JOB")
                    && l.getOriginalTopic().startsWith("longhaul.tenant.a.") && l.getDetail().contains("must begin with 'a:'")),
                    letters.toString());
            assertEquals(null, t.owner("contract-7"));
            assertEquals(null, t.owner("b:job-1"));
            assertEquals("a", t.owner("a:job-1"));
            List<JobStatus> toA = t.status("a").readValuesToList();
            assertEquals(List.of("contract-7 FAILED", "b:job-1 FAILED"), toA.stream().filter(s -> s.getState() == JobState.FAILED)
                    .map(s -> s.getJobId() + " " + s.getState()).toList());
            assertTrue(toA.stream().anyMatch(s -> s.getJobId().equals("a:job-1") && s.getState() == JobState.QUEUED), toA.toString());
            // and the operator's job completes its upload as its own
            t.p.jobs.pipeInput(operators.request().getJobId(), operators.request());
            assertTrue(t.p.statuses().contains("contract-7 QUEUED"), t.p.statuses().toString());
        }
    }

    @Test
    void aTenantSeesTheDeadLettersOfItsOwnRecordsAndNoOthers() {
        try (Tenants t = new Tenants()) {
            t.submit("a", submission("a:job-a", "a", 120));
            // when b claims a's job id (refused at the gate), and a submits another document under
            // its own id (refused by the planner, on the shared topic: a duplicate job id)
            t.submit("b", submission("a:job-a", "b", 80));
            t.submit("a", PipelineDriver.submission("a:job-a", "a", PipelineDriver.text("something else", 90), 100, "a:job-a-s2"));
            // then b sees the letters of its own refused records, a the planner's letter of its job,
            // each only in its own dead-letters topic, copied byte for byte from the shared one
            List<DeadLetter> shared = t.p.deadLetters.readValuesToList();
            List<DeadLetter> ofA = t.deadLetters("a").readValuesToList();
            List<DeadLetter> ofB = t.deadLetters("b").readValuesToList();
            assertEquals(List.of("NOT_TENANTS_JOB", "NOT_TENANTS_JOB"), ofB.stream().map(DeadLetter::getReasonCode).toList(),
                    "b's chunk and request");
            assertTrue(ofB.stream().allMatch(l -> l.getOriginalTopic().startsWith("longhaul.tenant.b.")), ofB.toString());
            assertEquals(List.of("DUPLICATE_JOB_ID"), ofA.stream().map(DeadLetter::getReasonCode).toList(), shared.toString());
            assertEquals(shared.stream().filter(l -> l.getReasonCode().equals("DUPLICATE_JOB_ID")).toList(), ofA);
            assertEquals(3, shared.size(), shared.toString());
        }
    }

    @Test
    void aWorkersLetterKeyedByLaneNeverReachesATenantThatClaimedThatKey() {
        try (Tenants t = new Tenants()) {
            // given tenant a owning the "job id" made of lane 0's key bytes: not one a can claim itself
            // (no prefix), but one the operator's status can give it, as for a job submitted on its behalf
            byte[] laneZero = {0, 0, 0, 0};
            String claimed = new String(laneZero, java.nio.charset.StandardCharsets.UTF_8);
            t.in(t.topics.forTenant("a").documents).pipeInput(claimed, DocumentChunk.newBuilder().setJobId(claimed).setIndex(0)
                    .setData(java.nio.ByteBuffer.wrap(new byte[] {'x'})).setIsLast(true).setSubmissionId("s").build());
            assertEquals(null, t.owner(claimed), "a chunk under an id without a's prefix claims nothing");
            assertEquals(List.of("NOT_TENANTS_JOB"), t.deadLetters("a").readValuesToList().stream().map(DeadLetter::getReasonCode).toList());
            t.p.statusIn.pipeInput(claimed, JobStatus.newBuilder().setJobId(claimed).setTenant("a")
                    .setState(JobState.QUEUED).setUpdatedAt(t.p.now()).build());
            assertEquals("a", t.owner(claimed));
            // when a worker dead-letters another job's work order, keyed (as work is) by its lane
            DeadLetter letter = DeadLetter.newBuilder().setOriginalTopic(t.topics.work.name()).setPartition(0).setOffset(7)
                    .setKey(java.nio.ByteBuffer.wrap(laneZero)).setValue(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}))
                    .setReasonCode("WORKER_ERROR").setDetail("someone else's job failed").setAt(T0).build();
            t.p.driver.createInputTopic(t.topics.deadLetters.name(), new org.apache.kafka.common.serialization.ByteArraySerializer(),
                    t.topics.deadLetters.values().serializer(), T0, Duration.ZERO).pipeInput(laneZero, letter);
            // then no tenant gets it
            assertTrue(t.deadLetters("a").isEmpty(), "a worker's letter went to the tenant owning its key");
            assertTrue(t.deadLetters("b").isEmpty());
        }
    }

    @Test
    void aRequestTheGateCannotReadForAnUnreachableRegistryIsNotPassedOnUnstamped() {
        try (Tenants t = new Tenants()) {
            // given a registry that is down when the gate first meets a request's schema id, and back at once
            t.p.registry.failFirst(dev.longhaul.schemas.JobRequest.class, 1);
            // when tenant a submits a request that claims tenant b
            PipelineDriver.Submission s = submission("a:job-a", "b", 120);
            TestInputTopic<String, DocumentChunk> documents = t.in(t.topics.forTenant("a").documents);
            s.chunks().forEach(chunk -> documents.pipeInput(chunk.getJobId(), chunk));
            TestInputTopic<String, dev.longhaul.schemas.JobRequest> jobs = t.in(t.topics.forTenant("a").jobs);
            // then the gate fails (the task retries once the registry is back) instead of failing open
            org.apache.kafka.streams.errors.StreamsException e = org.junit.jupiter.api.Assertions.assertThrows(
                    org.apache.kafka.streams.errors.StreamsException.class, () -> jobs.pipeInput("a:job-a", s.request()));
            assertTrue(e.getCause() instanceof dev.longhaul.schemas.wire.RegistryException, e.toString());
            assertTrue(t.p.status.isEmpty(), "nothing planned under tenant b");
        }
    }

    @Test
    void aRequestTheGateCannotDecodeIsRefusedAtTheGateNotPassedOn() {
        try (Tenants t = new Tenants()) {
            // a request framed with a schema id nobody registered (yet): passed on, the planner could
            // decode it later, once its sender registered a schema claiming another tenant
            var raw = t.raw(t.topics.forTenant("a").jobs);
            raw.pipeInput("a:job-x", new byte[] {0, 0, 0, 0x7f, 0x7f, 2, 4, 6});
            List<DeadLetter> letters = t.p.deadLetters.readValuesToList();
            assertEquals(1, letters.size(), letters.toString());
            assertEquals(t.topics.forTenant("a").jobs.name(), letters.get(0).getOriginalTopic(), "refused at the gate");
            assertEquals("UNKNOWN_SCHEMA_ID", letters.get(0).getReasonCode());
            List<JobStatus> ownA = t.status("a").readValuesToList();
            assertEquals(1, ownA.size(), ownA.toString());
            assertEquals(JobState.FAILED, ownA.get(0).getState());
            assertTrue(t.p.status.isEmpty(), "nothing reached the planner");
        }
    }

    @Test
    void aTenantRecordLargerThanItsSharedTopicTakesIsRefusedAtTheGate() {
        try (Tenants t = new Tenants()) {
            var raw = t.raw(t.topics.forTenant("a").documents);
            raw.pipeInput("a:job-big", new byte[600 * 1024]); // compresses to nothing, so a broker takes it
            List<DeadLetter> letters = t.p.deadLetters.readValuesToList();
            assertEquals(1, letters.size(), letters.toString());
            assertEquals(t.topics.forTenant("a").documents.name(), letters.get(0).getOriginalTopic(), "refused at the gate");
            assertEquals("OVERSIZE_RECORD", letters.get(0).getReasonCode());
        }
    }

    @Test
    void aTenantsRecordHeadersAndTimestampsStayOnItsOwnTopics() {
        try (Tenants t = new Tenants()) {
            var raw = t.raw(t.topics.forTenant("a").documents);
            var sharedDocuments = t.p.driver.createOutputTopic(t.topics.documents.name(),
                    new org.apache.kafka.common.serialization.StringDeserializer(),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer());
            var headers = new org.apache.kafka.common.header.internals.RecordHeaders()
                    .add("pad", new byte[64 * 1024]);
            // given a chunk the gate admits and one it refuses, both with headers of the tenant's making
            // and dated by the tenant centuries ahead and behind
            raw.pipeInput(new org.apache.kafka.streams.test.TestRecord<>("a:job-a", new byte[] {1, 2, 3}, headers,
                    java.time.Instant.parse("2999-01-01T00:00:00Z")));
            raw.pipeInput(new org.apache.kafka.streams.test.TestRecord<>("a:job-big", new byte[600 * 1024], headers,
                    java.time.Instant.parse("1971-01-01T00:00:00Z")));
            // then the copy on the shared topic and the dead letter carry key and value, not the
            // headers, and the gate's time, not the tenant's
            var copied = sharedDocuments.readRecordsToList();
            assertEquals(1, copied.size());
            assertEquals(0, copied.get(0).headers().toArray().length, "no tenant header on the shared topic");
            assertEquals(t.p.now(), copied.get(0).getRecordTime());
            var letters = t.p.driver.createOutputTopic(t.topics.deadLetters.name(),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                    t.topics.deadLetters.values().deserializer()).readRecordsToList();
            // (the admitted chunk is no Avro, so the planner dead-letters it in turn)
            assertEquals(java.util.Set.of("OVERSIZE_RECORD", "NOT_AVRO"),
                    letters.stream().map(r -> r.value().getReasonCode()).collect(java.util.stream.Collectors.toSet()));
            letters.forEach(r -> assertEquals(0, r.headers().toArray().length, "none on a dead letter either: " + r));
            letters.forEach(r -> assertEquals(t.p.now(), r.getRecordTime(), "nor the tenant's time: " + r));
        }
    }

    @Test
    void aTenantWhoseStatusSubjectRefusesOurSchemaLosesItsCopiesAndStopsNoOne() {
        try (Tenants t = new Tenants()) {
            // given tenant a's status subject holding a schema of a's own making, incompatible with ours
            t.p.registry.refuse(t.topics.forTenant("a").status.name() + "-value");
            // when a submits a job, and a request the gate cannot read, then b submits one
            t.submit("a", PipelineDriver.submission("a:job-a", "a", 300));
            var raw = t.raw(t.topics.forTenant("a").jobs);
            raw.pipeInput("a:job-a2", new byte[] {0, 0, 0, 0, 1});
            t.submit("b", PipelineDriver.submission("b:job-b", "b", 300));
            // then a's copies are dropped (its shared statuses stand), its refusal is dead-lettered,
            // and b is served: nothing failed the task
            assertTrue(t.status("a").isEmpty(), "nothing could be written to a's status topic");
            List<String> shared = t.p.statuses();
            assertTrue(shared.stream().anyMatch(s -> s.startsWith("a:job-a QUEUED")), shared.toString());
            assertTrue(t.p.deadLetters.readValuesToList().stream().anyMatch(l -> l.getOriginalTopic().equals(
                    t.topics.forTenant("a").jobs.name())), "the unreadable request is dead-lettered");
            assertTrue(t.status("b").readValuesToList().stream().anyMatch(s -> s.getJobId().equals("b:job-b")), "b still hears of its job");
        }
    }

    @Test
    void aJobThatFailsBeforeItsRequestIsReadStillReportsToItsTenant() {
        try (Tenants t = new Tenants()) {
            // given tenant a's job whose first chunk is not Avro: the planner fails the job before
            // any request names its tenant
            var raw = t.raw(t.topics.forTenant("a").documents);
            raw.pipeInput("a:job-bad", new byte[] {7, 7, 7});
            // then the FAILED status reaches a's status topic, stamped with a, and b's sees nothing
            List<JobStatus> ownA = t.status("a").readValuesToList();
            assertEquals(1, ownA.size(), ownA.toString());
            assertEquals(JobState.FAILED, ownA.get(0).getState());
            assertEquals("a", ownA.get(0).getTenant());
            assertTrue(t.status("b").isEmpty());
            // and a cancel during an upload (chunks only) reaches it too
            PipelineDriver.Submission s = submission("a:job-up", "a", 120);
            TestInputTopic<String, DocumentChunk> documents = t.in(t.topics.forTenant("a").documents);
            s.chunks().forEach(chunk -> documents.pipeInput(chunk.getJobId(), chunk));
            t.in(t.topics.forTenant("a").control).pipeInput("a:job-up",
                    Control.newBuilder().setJobId("a:job-up").setAction(ControlAction.CANCEL).setRequestedAt(T0).build());
            List<JobStatus> cancelled = t.status("a").readValuesToList();
            assertEquals(List.of(JobState.CANCELLED), cancelled.stream().map(JobStatus::getState).toList());
        }
    }

    @Test
    void resultsAreDeliveredToTheOwningTenantOnly() {
        try (Tenants t = new Tenants()) {
            t.submit("a", submission("a:job-a", "a", 120));
            t.p.submit(submission("job-operator", "a", 90)); // the operator's own topics: trusted as it says
            TestInputTopic<String, Summary> summaries = t.in(t.topics.summaries);
            summaries.pipeInput("a:job-a", summary("a:job-a"));
            summaries.pipeInput("job-unknown", summary("job-unknown"));
            TestOutputTopic<String, Summary> ownA = t.out(t.topics.forTenant("a").summaries);
            assertEquals(List.of("a:job-a"), ownA.readKeyValuesToList().stream().map(kv -> kv.key).toList(),
                    "a's result reaches a; a result of a job no tenant owns goes nowhere");
            assertTrue(t.out(t.topics.forTenant("b").summaries).isEmpty());
        }
    }

    @Test
    void anOwnerNotHeardOfForTheRetentionIsForgottenAndTheIdMayThenBeClaimed() {
        try (Tenants t = new Tenants(Duration.ofHours(1))) {
            t.submit("a", submission("a:job-a", "a", 120));
            assertEquals("a", t.owner("a:job-a"));
            t.p.finished("a:job-a", "a", JobState.SUCCEEDED, "a:job-a-s1"); // only an ended job's owner is forgotten
            // within the retention b's records about a's job id are refused, and do not refresh it
            t.p.advance(Duration.ofMinutes(59));
            t.submit("b", submission("a:job-a", "b", 80));
            assertEquals("a", t.owner("a:job-a"), "59 minutes after a's last record the id is a's");
            assertEquals(2, t.p.deadLetters.readValuesToList().size(), "b's chunk and request refused");
            t.p.advance(Duration.ofMinutes(2));
            assertEquals(null, t.owner("a:job-a"), "61 minutes after a's last record the owner is forgotten");
            // then a result of the job goes nowhere, a cancel is refused as for an unknown job,
            // b still may not claim the id (it is not b's prefix), and a may claim it again
            t.in(t.topics.summaries).pipeInput("a:job-a", summary("a:job-a"));
            assertTrue(t.out(t.topics.forTenant("a").summaries).isEmpty());
            t.in(t.topics.forTenant("a").control).pipeInput("a:job-a",
                    Control.newBuilder().setJobId("a:job-a").setAction(ControlAction.CANCEL).setRequestedAt(T0).build());
            List<DeadLetter> letters = t.p.deadLetters.readValuesToList();
            assertEquals(1, letters.size());
            assertTrue(letters.get(0).getDetail().contains("has no job"), letters.get(0).toString());
            t.submit("b", submission("a:job-a", "b", 80));
            assertEquals(null, t.owner("a:job-a"));
            assertEquals(List.of("NOT_TENANTS_JOB", "NOT_TENANTS_JOB"),
                    t.p.deadLetters.readValuesToList().stream().map(DeadLetter::getReasonCode).toList(), "b's chunk and request");
            t.submit("a", submission("a:job-a", "a", 80));
            assertEquals("a", t.owner("a:job-a"));
            assertTrue(t.p.deadLetters.isEmpty(), "a's new job under the id is admitted");
        }
    }

    @Test
    void aJobPausedLongerThanTheRetentionKeepsItsOwnerSoItsTenantMayResumeItAndIsForgottenOnceEnded() {
        try (Tenants t = new Tenants(Duration.ofHours(1))) {
            t.submit("a", submission("a:job-a", "a", 120));
            WorkOrder order = t.p.work.readValuesToList().getFirst();
            TestInputTopic<String, Control> control = t.in(t.topics.forTenant("a").control);
            control.pipeInput("a:job-a", Control.newBuilder().setJobId("a:job-a").setAction(ControlAction.PAUSE)
                    .setRequestedAt(t.p.now()).build());
            t.p.handedBack(order); // its worker stopped it: it is held, paused, and nothing is heard of it
            // a duplicate of the id refused at once, and a late tick of the run that was stopped, end nothing
            t.p.statusIn.pipeInput("a:job-a", JobStatus.newBuilder().setJobId("a:job-a").setTenant("a")
                    .setState(JobState.FAILED).setReason("DUPLICATE_JOB_ID").setUpdatedAt(t.p.now())
                    .setSubmissionId("a:job-a-s2").build());
            t.p.tick(order, 0.5);
            t.p.advance(Duration.ofHours(3));
            assertEquals("a", t.owner("a:job-a"), "three retentions later the paused job is still a's");
            t.p.deadLetters.readValuesToList();
            t.p.heartbeat("w1", List.of(0, 1), 0, t.p.now());
            control.pipeInput("a:job-a", Control.newBuilder().setJobId("a:job-a").setAction(ControlAction.RESUME)
                    .setRequestedAt(t.p.now()).build());
            assertTrue(t.p.deadLetters.isEmpty(), "a's RESUME is admitted");
            assertEquals(List.of("a:job-a-s1"), t.p.work.readValuesToList().stream()
                    .map(o -> o.getRequest().getSubmissionId()).toList(), "released again");
            t.p.finished("a:job-a", "a", JobState.SUCCEEDED, "a:job-a-s1");
            t.p.advance(Duration.ofMinutes(59));
            assertEquals("a", t.owner("a:job-a"));
            t.p.advance(Duration.ofMinutes(2));
            assertEquals(null, t.owner("a:job-a"), "61 minutes after it ended");
        }
    }

    @Test
    void aJobsStatusesKeepItsOwnerAndNeverChangeIt() {
        try (Tenants t = new Tenants(Duration.ofHours(1))) {
            t.submit("a", submission("a:job-a", "a", 120));
            // a RUNNING status every 50 minutes keeps the id a's for 150 minutes
            for (int i = 0; i < 3; i++) {
                t.p.advance(Duration.ofMinutes(50));
                t.running("a:job-a");
            }
            // a status naming another tenant (the operator submitting under a's id) does not move the
            // job, and goes to the owner, never to the tenant it names
            t.status("a").readValuesToList();
            t.status("b").readValuesToList();
            t.p.statusIn.pipeInput("a:job-a", JobStatus.newBuilder().setJobId("a:job-a").setTenant("b")
                    .setState(JobState.FAILED).setReason("DUPLICATE_JOB_ID").setUpdatedAt(t.p.now()).build());
            assertTrue(t.status("b").isEmpty(), "b learns nothing of a's job");
            List<JobStatus> toA = t.status("a").readValuesToList();
            assertEquals(1, toA.size(), toA.toString());
            assertEquals("a", toA.get(0).getTenant());
            t.p.advance(Duration.ofMinutes(50));
            assertEquals("a", t.owner("a:job-a"));
            t.in(t.topics.summaries).pipeInput("a:job-a", summary("a:job-a"));
            assertEquals(1, t.out(t.topics.forTenant("a").summaries).readValuesToList().size());
            assertTrue(t.out(t.topics.forTenant("b").summaries).isEmpty());
            t.p.advance(Duration.ofMinutes(11));
            assertEquals(null, t.owner("a:job-a"), "61 minutes after its last status");
        }
    }

    @Test
    void aStatusOfAJobWhoseOwnerIsNoLongerATenantGoesNowhereAndStopsNothing() {
        try (Tenants t = new Tenants()) {
            KeyValueStore<String, String> owners = t.p.driver.getKeyValueStore(TenantOwners.STORE);
            owners.put("job-gone", "c\0" + T0.toEpochMilli()); // tenant c was configured once, and removed since
            t.p.statusIn.pipeInput("job-gone", JobStatus.newBuilder().setJobId("job-gone").setTenant("c")
                    .setState(JobState.RUNNING).setProgress(0.5).setUpdatedAt(t.p.now()).build());
            assertTrue(t.status("a").isEmpty() && t.status("b").isEmpty());
            // and the pipeline goes on: a's next job is admitted and answered
            t.submit("a", submission("a:job-a", "a", 120));
            assertTrue(!t.status("a").readValuesToList().isEmpty());
        }
    }

    @Test
    void anOwnerWrittenWithoutItsTimeIsKeptAFullRetentionFromTheFirstSweep() {
        try (Tenants t = new Tenants(Duration.ofHours(1))) {
            KeyValueStore<String, String> owners = t.p.driver.getKeyValueStore(TenantOwners.STORE);
            owners.put("job-old", "a"); // as the store held it before the time was kept
            t.in(t.topics.summaries).pipeInput("job-old", summary("job-old"));
            assertEquals(1, t.out(t.topics.forTenant("a").summaries).readValuesToList().size(), "the old value still routes");
            t.p.advance(Duration.ofMinutes(1)); // the first sweep stamps it
            assertEquals("a", t.owner("job-old"));
            t.p.advance(Duration.ofMinutes(59));
            assertEquals("a", t.owner("job-old"));
            t.p.advance(Duration.ofMinutes(1));
            assertEquals(null, t.owner("job-old"));
        }
    }

    @Test
    void anEntryIsRewrittenAtMostOncePerRefreshInterval() {
        try (Tenants t = new Tenants(Duration.ofHours(1))) { // refresh interval: 3600 s / 64 = 56.25 s
            t.submit("a", submission("a:job-a", "a", 120));
            long first = t.lastSeen("a:job-a");
            assertEquals(T0.toEpochMilli(), first);
            t.p.advance(Duration.ofSeconds(30));
            t.running("a:job-a");
            assertEquals(first, t.lastSeen("a:job-a"), "30 s later the entry is left as it is");
            t.p.advance(Duration.ofSeconds(30));
            t.running("a:job-a");
            assertEquals(first + 60_000, t.lastSeen("a:job-a"), "60 s later it is refreshed");
        }
    }

    @Test
    void withoutTenantsTheTopologyHasNoTenantPart() {
        String described = PipelineTopology.build(PipelineDriver.CONFIG, Topics.of(new InMemorySchemaRegistry())).describe().toString();
        assertTrue(!described.contains("tenant"), described);
        String withTenants = PipelineTopology.build(PipelineDriver.CONFIG.withTenants(Set.of("a")),
                Topics.of(new InMemorySchemaRegistry())).describe().toString();
        assertTrue(withTenants.contains("tenant-gate") && withTenants.contains("longhaul.tenant.a.jobs"), withTenants);
    }

    private static Summary summary(String jobId) {
        return Summary.newBuilder().setJobId(jobId).setTaskIndex(0).setText("done")
                .setUsage(Usage.newBuilder().setPromptTokens(1).setOutputTokens(1).setDocumentTokens(1).build())
                .setTimings(Timings.newBuilder().setQueuedMs(1).setRunningMs(1).setEndToEndMs(2).build())
                .setModel(ModelIdentity.newBuilder().setName("xs").setBackend("cpu").setWeightsDtype("f32").build()).build();
    }

    /** The production topology with tenants a and b, and pipes for their topics. */
    private static final class Tenants implements AutoCloseable {
        final PipelineDriver p;
        final Topics topics;

        Tenants() {
            this(PipelineDriver.CONFIG.limits().settledJobRetention());
        }

        /** With job ids (plans, owners) forgotten after `retention`. */
        Tenants(Duration retention) {
            p = new PipelineDriver(PipelineDriver.withRetention(retention).withTenants(Set.of("a", "b")));
            topics = p.topics;
            p.heartbeat("w1", List.of(0, 1), 0, T0);
        }

        /** When the store last heard of the job id. */
        long lastSeen(String jobId) {
            KeyValueStore<String, String> owners = p.driver.getKeyValueStore(TenantOwners.STORE);
            return Long.parseLong(owners.get(jobId).split("\0")[1]);
        }

        /** A RUNNING status of tenant a's job, as a worker writes progress. */
        void running(String jobId) {
            p.statusIn.pipeInput(jobId, JobStatus.newBuilder().setJobId(jobId).setTenant("a")
                    .setState(JobState.RUNNING).setProgress(0.5).setUpdatedAt(p.now()).build());
        }

        /** The tenant owning the job id, as the store says. */
        String owner(String jobId) {
            KeyValueStore<String, String> owners = p.driver.getKeyValueStore(TenantOwners.STORE);
            String value = owners.get(jobId);
            return value == null ? null : value.split("\0")[0];
        }

        void submit(String tenant, PipelineDriver.Submission s) {
            Topics own = topics.forTenant(tenant);
            TestInputTopic<String, DocumentChunk> documents = in(own.documents);
            for (DocumentChunk chunk : s.chunks()) {
                documents.pipeInput(chunk.getJobId(), chunk);
            }
            in(own.jobs).pipeInput(s.request().getJobId(), s.request());
        }

        /** Bytes of the test's choosing, keyed by job id, on one of a tenant's topics. */
        TestInputTopic<String, byte[]> raw(Topic<String, ?> topic) {
            return p.driver.createInputTopic(topic.name(), new StringSerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer());
        }

        TestOutputTopic<String, JobStatus> status(String tenant) {
            return out(topics.forTenant(tenant).status);
        }

        TestOutputTopic<byte[], DeadLetter> deadLetters(String tenant) {
            Topic<byte[], DeadLetter> own = topics.forTenant(tenant).deadLetters;
            return p.driver.createOutputTopic(own.name(), new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                    own.values().deserializer());
        }

        <V> TestInputTopic<String, V> in(Topic<String, V> topic) {
            return p.driver.createInputTopic(topic.name(), new StringSerializer(), topic.values().serializer(), T0, Duration.ZERO);
        }

        <V> TestOutputTopic<String, V> out(Topic<String, V> topic) {
            return p.driver.createOutputTopic(topic.name(), topic.keys().deserializer(), topic.values().deserializer());
        }

        @Override
        public void close() {
            p.close();
        }
    }
}
