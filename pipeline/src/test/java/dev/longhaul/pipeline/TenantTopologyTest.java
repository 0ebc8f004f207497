/*
 * Tenant admission and delivery on the production topology (PipelineTopology with tenants "a" and
 * "b"), record by record: the tenant is stamped from the topic a request came in on; a job id
 * belongs to the tenant that wrote it first; a tenant's cancel of another's job and a submission
 * under another's job id are dead-lettered as NOT_TENANTS_JOB; statuses and results go back to
 * the owning tenant's topics only; without tenants the topology has no tenant part at all.
 */
package dev.longhaul.pipeline;

import static dev.longhaul.pipeline.PipelineDriver.T0;
import static dev.longhaul.pipeline.PipelineDriver.submission;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;

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
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.Test;

class TenantTopologyTest {

    @Test
    void theTenantIsStampedFromTheTopicAndStatusesGoBackToItsOwnTopic() {
        try (Tenants t = new Tenants()) {
            // when tenant a submits a job whose request claims tenant b
            t.submit("a", submission("job-a", "b", 120));
            // then the shared statuses carry tenant a, and only a's status topic sees the job
            List<JobStatus> shared = t.p.status.readValuesToList();
            assertTrue(!shared.isEmpty() && shared.stream().allMatch(s -> s.getTenant().equals("a")), shared.toString());
            List<JobStatus> ownA = t.status("a").readValuesToList();
            assertEquals(shared, ownA);
            assertTrue(t.status("b").isEmpty(), "b sees nothing of a's job");
            assertTrue(t.p.deadLetters.isEmpty());
        }
    }

    @Test
    void aTenantCannotCancelAnothersJobNorReuseItsId() {
        try (Tenants t = new Tenants()) {
            t.submit("a", submission("job-a", "a", 120));
            t.p.status.readValuesToList();
            t.status("a").readValuesToList();
            // when b cancels a's job through its own control topic, and submits under a's job id
            t.in(t.topics.forTenant("b").control).pipeInput("job-a",
                    Control.newBuilder().setJobId("job-a").setAction(ControlAction.CANCEL).setRequestedAt(T0).build());
            t.submit("b", submission("job-a", "b", 80));
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

    @Test
    void resultsAreDeliveredToTheOwningTenantOnly() {
        try (Tenants t = new Tenants()) {
            t.submit("a", submission("job-a", "a", 120));
            t.p.submit(submission("job-operator", "a", 90)); // the operator's own topics: trusted as it says
            TestInputTopic<String, Summary> summaries = t.in(t.topics.summaries);
            summaries.pipeInput("job-a", summary("job-a"));
            summaries.pipeInput("job-unknown", summary("job-unknown"));
            TestOutputTopic<String, Summary> ownA = t.out(t.topics.forTenant("a").summaries);
            assertEquals(List.of("job-a"), ownA.readKeyValuesToList().stream().map(kv -> kv.key).toList(),
                    "a's result reaches a; a result of a job no tenant owns goes nowhere");
            assertTrue(t.out(t.topics.forTenant("b").summaries).isEmpty());
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
        final PipelineDriver p = new PipelineDriver(PipelineDriver.CONFIG.withTenants(Set.of("a", "b")));
        final Topics topics = p.topics;

        Tenants() {
            p.heartbeat("w1", List.of(0, 1), 0, T0);
        }

        void submit(String tenant, PipelineDriver.Submission s) {
            Topics own = topics.forTenant(tenant);
            TestInputTopic<String, DocumentChunk> documents = in(own.documents);
            for (DocumentChunk chunk : s.chunks()) {
                documents.pipeInput(chunk.getJobId(), chunk);
            }
            in(own.jobs).pipeInput(s.request().getJobId(), s.request());
        }

        TestOutputTopic<String, JobStatus> status(String tenant) {
            return out(topics.forTenant(tenant).status);
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
