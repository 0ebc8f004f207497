/*
 * Test helpers: the pipeline's records (statuses, results' usage and timings, heartbeats, dead
 * letters) built with only the fields the dashboard reads set to chosen values, and a clock the
 * tests move by hand.
 */
package dev.longhaul.ops.dashboard;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import dev.longhaul.schemas.DeadLetter;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStates;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Timings;
import dev.longhaul.schemas.Usage;
import dev.longhaul.schemas.WorkerHeartbeat;

final class DashboardRecords {
    private DashboardRecords() {
    }

    /** A clock that stays where the test puts it. */
    static final class ManualClock extends Clock {
        private long millis;

        ManualClock(long millis) {
            this.millis = millis;
        }

        void set(long value) {
            millis = value;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    static JobStatus status(String jobId, String tenant, JobState state, double progress, long tokens, long at) {
        return JobStatus.newBuilder().setJobId(jobId).setTenant(tenant).setState(state).setProgress(progress)
                .setTokensProcessed(tokens).setReason(state == JobState.FAILED ? "boom" : null)
                .setUpdatedAt(Instant.ofEpochMilli(at)).build();
    }

    static Usage usage(long prompt, long output) {
        return Usage.newBuilder().setPromptTokens(prompt).setOutputTokens(output).setDocumentTokens(prompt / 2)
                .setDocumentShareRead(1.0).build();
    }

    static Timings timings(long queued, long running) {
        return Timings.newBuilder().setQueuedMs(queued).setRunningMs(running).setEndToEndMs(queued + running + 1).build();
    }

    static WorkerHeartbeat heartbeat(String workerId, List<Integer> lanes, long outstanding, long at) {
        return WorkerHeartbeat.newBuilder().setWorkerId(workerId).setBackend("cpu").setLanes(lanes)
                .setCapacityTokensPerSecond(1234.5).setOutstandingCostTokens(outstanding)
                .setAt(Instant.ofEpochMilli(at)).build();
    }

    /** A heartbeat whose interval had `steps` engine steps of the given mean sequences and tokens. */
    static WorkerHeartbeat heartbeat(String workerId, long at, long steps, double sequencesPerStep, int slots,
                                     double tokensPerStep, int budget) {
        return WorkerHeartbeat.newBuilder(heartbeat(workerId, List.of(0), 0, at)).setBatchSteps(steps)
                .setBatchSequencesPerStep(sequencesPerStep).setBatchMaxSequences(slots)
                .setBatchTokensPerStep(tokensPerStep).setBatchTokenBudget(budget).build();
    }

    static DeadLetter deadLetter(String reason) {
        return deadLetter(reason, 0);
    }

    static DeadLetter deadLetter(String reason, long at) {
        return DeadLetter.newBuilder().setOriginalTopic("longhaul.jobs").setPartition(0).setOffset(1)
                .setKey(null).setValue(ByteBuffer.wrap(new byte[] {1, 2})).setReasonCode(reason).setDetail("")
                .setAt(Instant.ofEpochMilli(at)).build();
    }

    /** A status of a named submission (a life of the job id). */
    static JobStatus status(String jobId, String submission, JobState state, long tokens, long at) {
        JobStatus s = status(jobId, "t1", state, JobStates.isFinal(state) ? 1 : 0.5, tokens, at);
        s.setSubmissionId(submission);
        return s;
    }
}
