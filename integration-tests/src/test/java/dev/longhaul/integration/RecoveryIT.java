/*
 * Two recoveries on a real broker (issue 6, Faults). A worker whose inference stalls for longer
 * than its poll interval and its session timeout stays in the group: its poll loop keeps polling
 * while the order runs, so the group's members and their lanes never change, and the job ends
 * with exactly one result. And the pipeline, stopped with jobs in flight and restarted with its
 * state folder deleted, restores its stores from the changelogs and loses no job: every job,
 * submitted before, during and after the outage, SUCCEEDED with exactly one result per task.
 */
package dev.longhaul.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.longhaul.ingest.DocumentSource;
import dev.longhaul.ingest.JobSpec;
import dev.longhaul.ops.stack.DevStack;
import dev.longhaul.ops.stack.PipelineRunner;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.pipeline.worker.Faults;
import dev.longhaul.pipeline.worker.Worker;
import dev.longhaul.pipeline.worker.WorkerConfig;
import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.Summary;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoveryIT {
    /** The stalled worker's max.poll.interval.ms; its session timeout is the fixture's 6 s. */
    private static final Duration POLL_INTERVAL = Duration.ofSeconds(8);
    /** Longer than the poll interval and the session timeout together. */
    private static final Duration STALL = Duration.ofSeconds(20);

    @Test
    void aWorkerStallingLongerThanEveryPollTimeoutCausesNoRebalanceAndNoDuplicate() throws Exception {
        try (Cluster cluster = new Cluster(config("recovery-stall"), 512, 4);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.stack.bootstrapServers()))) {
            AtomicBoolean stalled = new AtomicBoolean();
            Faults stall = Faults.stalling(Faults.Point.PREFILL, STALL);
            WorkerConfig slow = cluster.workerConfig("staller").withClientOverrides(Map.of("max.poll.interval.ms",
                    Long.toString(POLL_INTERVAL.toMillis())));
            Worker staller = cluster.addWorker(slow, (point, order) -> {
                if (point == Faults.Point.PREFILL) {
                    stalled.set(true);
                }
                stall.at(point, order);
            });
            cluster.addWorker("steady");
            String before = awaitStableMembers(admin, 2);
            List<String> jobs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                jobs.add(submitText(cluster, "stall-" + i));
            }
            Set<String> seen = new LinkedHashSet<>();
            long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
            while (System.nanoTime() < deadline && !allFinal(lastStates(cluster), jobs)) {
                seen.add(members(admin));
                Thread.sleep(500);
            }
            assertTrue(stalled.get(), "the staller took an order and stalled in its prefill");
            assertTrue(staller.ordersDone() >= 1, "the stalled order was committed by the staller itself");
            assertEquals(Set.of(before), seen, "group members and their lanes, sampled during the run");
            Map<String, JobState> finals = lastStates(cluster);
            for (String id : jobs) {
                assertEquals(JobState.SUCCEEDED, finals.get(id), "final state of " + id);
            }
            Map<String, Integer> results = summariesPerJob(cluster);
            assertEquals(jobs.stream().collect(java.util.stream.Collectors.toMap(id -> id, id -> 1)), results,
                    "exactly one summary per job");
            assertTrue(longestRunningMs(cluster) >= STALL.toMillis(), "premise: an order ran longer than the stall");
        }
    }

    @Test
    void thePipelineRestartedWithItsStateWipedResumesFromTheChangelogWithNoLostJob(@TempDir Path tmp) throws Exception {
        PipelineConfig config = config("recovery-wipe");
        Path root = tmp.resolve("stack");
        try (Cluster cluster = new Cluster(DevStack.start(new DevStack.Options(root, 0, 0, config)), 512, 4)) {
            cluster.addWorker("only");
            List<String> jobs = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                jobs.add(submitText(cluster, "before-" + i));
            }
            awaitSomeFinal(cluster, jobs, 3);
            cluster.stack.pipeline().close();
            Path state = root.resolve("streams");
            deleteTree(state);
            for (int i = 0; i < 6; i++) {
                jobs.add(submitText(cluster, "during-" + i));
            }
            PipelineRunner restarted = PipelineRunner.start(config, cluster.topics, cluster.stack.bootstrapServers(),
                    Files.createDirectories(state));
            try {
                for (int i = 0; i < 6; i++) {
                    jobs.add(submitText(cluster, "after-" + i));
                }
                Map<String, JobState> finals = MixedJobs.awaitFinal(cluster, jobs, Duration.ofMinutes(5));
                for (String id : jobs) {
                    assertEquals(JobState.SUCCEEDED, finals.get(id), "final state of " + id);
                }
                assertEquals(jobs.stream().collect(java.util.stream.Collectors.toMap(id -> id, id -> 1)), summariesPerJob(cluster),
                        "exactly one summary per job");
            } finally {
                restarted.close();
            }
        }
    }

    private static PipelineConfig config(String app) {
        return PipelineConfig.DEFAULTS.withKafka(new PipelineConfig.Kafka(app, "longhaul.", 1, Duration.ofMillis(100)));
    }

    private static String submitText(Cluster cluster, String id) throws Exception {
        byte[] text = ("Job " + id + ". " + "The supplier shall deliver the goods on time. ".repeat(20)).getBytes(StandardCharsets.UTF_8);
        MixedJobs.submit(cluster, JobSpec.of(DocumentKind.TEXT, List.of(MixedJobs.summarize())).withJobId(id),
                DocumentSource.stream(new ByteArrayInputStream(text), id));
        return id;
    }

    /** Members of the worker group with their lanes, once `n` members are in a stable group. */
    private static String awaitStableMembers(Admin admin, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(WorkerConfig.GROUP_ID)).all().get().get(WorkerConfig.GROUP_ID);
            if (g.groupState() == org.apache.kafka.common.GroupState.STABLE && g.members().size() == n
                    && g.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
                return members(admin);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the worker group did not settle with " + n + " members");
    }

    /** "state: member=lanes; ..." of the worker group, sorted. */
    private static String members(Admin admin) throws Exception {
        ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(WorkerConfig.GROUP_ID)).all().get().get(WorkerConfig.GROUP_ID);
        Set<String> members = new TreeSet<>();
        g.members().forEach(m -> members.add(m.consumerId() + "=" + new TreeSet<>(m.assignment().topicPartitions().stream()
                .map(tp -> tp.partition()).toList())));
        return g.groupState() + ": " + String.join("; ", members);
    }

    private static Map<String, JobState> lastStates(Cluster cluster) {
        Map<String, JobState> last = new HashMap<>();
        for (var r : cluster.committed(cluster.topics.status)) {
            last.put(r.key(), r.value().getState());
        }
        return last;
    }

    private static boolean allFinal(Map<String, JobState> states, List<String> jobs) {
        return jobs.stream().allMatch(id -> MixedJobs.isFinal(states.get(id)));
    }

    private static Map<String, Integer> summariesPerJob(Cluster cluster) {
        Map<String, Integer> n = new TreeMap<>();
        for (ConsumerRecord<String, Summary> r : cluster.committed(cluster.topics.summaries)) {
            n.merge(r.key(), 1, Integer::sum);
        }
        return n;
    }

    private static long longestRunningMs(Cluster cluster) {
        long max = 0;
        for (ConsumerRecord<String, Summary> r : cluster.committed(cluster.topics.summaries)) {
            max = Math.max(max, r.value().getTimings().getRunningMs());
        }
        return max;
    }

    private static void awaitSomeFinal(Cluster cluster, List<String> jobs, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, JobState> last = lastStates(cluster);
            if (jobs.stream().filter(id -> MixedJobs.isFinal(last.get(id))).count() >= n) {
                return;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("fewer than " + n + " jobs final before the pipeline restart");
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        assertTrue(!Files.exists(dir), "state folder deleted: " + dir);
    }
}
