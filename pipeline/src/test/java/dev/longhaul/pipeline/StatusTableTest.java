/*
 * The status table: the latest JobStatus per job, materialized from `status` in the named store
 * that JobStatusQuery reads, garbled status records dead-lettered instead of stopping it, a late
 * tick followed on the topic by the final status again (once: the status written back is not
 * written again when read back), and final statuses forgotten after the retention.
 */
package dev.longhaul.pipeline;

import static dev.longhaul.pipeline.PipelineDriver.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import dev.longhaul.pipeline.status.JobStatusQuery;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

class StatusTableTest {

    @Test
    void theTableHoldsTheLatestStatusOfEachJob() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.submit(PipelineDriver.submission("job-1", "acme", 250));
            p.finished("job-1", "acme", JobState.SUCCEEDED);
            p.submit(PipelineDriver.submission("job-2", "acme", 250));
            KeyValueStore<String, JobStatus> table = p.driver.getKeyValueStore(JobStatusQuery.STATUS_STORE);
            assertEquals(JobStatus.newBuilder().setJobId("job-1").setTenant("acme").setState(JobState.SUCCEEDED)
                    .setProgress(1.0).setUpdatedAt(T0).build(), table.get("job-1"));
            assertEquals(PipelineDriver.expectedStatus("job-2", "acme", JobState.QUEUED, null, T0), table.get("job-2"));
            assertNull(table.get("job-3"));
        }
    }

    @Test
    void aLateProgressTickDoesNotReplaceAFinalStatus() {
        try (PipelineDriver p = new PipelineDriver()) {
            p.submit(PipelineDriver.submission("job-1", "acme", 250));
            p.finished("job-1", "acme", JobState.SUCCEEDED);
            p.statusIn.pipeInput("job-1", JobStatus.newBuilder().setJobId("job-1").setTenant("acme").setState(JobState.RUNNING)
                    .setProgress(0.5).setUpdatedAt(T0).build());
            KeyValueStore<String, JobStatus> table = p.driver.getKeyValueStore(JobStatusQuery.STATUS_STORE);
            assertEquals(JobState.SUCCEEDED, table.get("job-1").getState());
            // and the final status is written again after the tick, so that compaction keeps it, not the tick
            List<JobStatus> written = p.status.readKeyValuesToList().stream()
                    .filter(kv -> kv.key.equals("job-1")).map(kv -> kv.value).toList();
            assertEquals(JobState.SUCCEEDED, written.getLast().getState(), "last status of job-1 on the topic: " + written);
            assertEquals(table.get("job-1"), written.getLast());
        }
    }

    @Test
    void anUnreadableStatusRecordIsDeadLettered() {
        try (PipelineDriver p = new PipelineDriver()) {
            var raw = p.driver.createInputTopic(p.topics.status.name(), new ByteArraySerializer(), new ByteArraySerializer());
            raw.pipeInput("job-9".getBytes(StandardCharsets.UTF_8), new byte[] {0, 0, 0, 0, 99, 1});
            var letter = p.deadLetters.readValue();
            assertEquals("UNKNOWN_SCHEMA_ID", letter.getReasonCode());
            assertEquals("longhaul.status", letter.getOriginalTopic());
            KeyValueStore<String, JobStatus> table = p.driver.getKeyValueStore(JobStatusQuery.STATUS_STORE);
            assertNull(table.get("job-9"));
        }
    }

    @Test
    void aFinalStatusIsForgottenAfterTheRetentionAndAnOpenOneIsKept() {
        var config = PipelineDriver.withRetention(Duration.ofHours(1));
        try (PipelineDriver p = new PipelineDriver(config)) {
            p.submit(PipelineDriver.submission("job-1", "acme", 250));
            p.submit(PipelineDriver.submission("job-2", "acme", 250));
            p.finished("job-1", "acme", JobState.SUCCEEDED); // updatedAt T0
            KeyValueStore<String, JobStatus> table = p.driver.getKeyValueStore(JobStatusQuery.STATUS_STORE);
            p.advance(Duration.ofMinutes(59));
            assertEquals(JobState.SUCCEEDED, table.get("job-1").getState());
            p.advance(Duration.ofMinutes(2));
            assertNull(table.get("job-1"), "final an hour ago: forgotten");
            assertEquals(JobState.QUEUED, table.get("job-2").getState(), "a job still waiting is kept");
        }
    }

    @Test
    void aTickAfterTheCancelOfAForgottenRunningJobIsAnsweredOnceNotForEver() throws Exception {
        try (PipelineDriver p = new PipelineDriver(PipelineDriver.withRetention(Duration.ofHours(1)))) {
            p.heartbeat("w0", List.of(0), 10, T0);
            p.submit(PipelineDriver.submission("job-r", "acme", 250));
            var order = p.work.readValuesToList().getFirst();
            p.advance(Duration.ofMinutes(61)); // the planner forgets the plan; the table keeps the job QUEUED
            p.cancel("job-r"); // the planner's CANCELLED "cancelled before planning", naming no submission
            p.statuses();
            // when the worker's tick, sent before it read the cancel, lands (on a thread of its own:
            // the table writing its latest status back and reading it again for ever never returns)
            Thread tick = new Thread(() -> p.tick(order, 0.5));
            tick.setDaemon(true);
            tick.start();
            tick.join(10_000);
            assertFalse(tick.isAlive(), "the status table keeps writing the cancel back to `status` and reading it again");
            // then the cancel is written once after it, and stays the job's latest status
            assertEquals(List.of("job-r CANCELLED cancelled before planning"), p.statuses());
            KeyValueStore<String, JobStatus> table = p.driver.getKeyValueStore(JobStatusQuery.STATUS_STORE);
            assertEquals(JobState.CANCELLED, table.get("job-r").getState());
        }
    }
}
