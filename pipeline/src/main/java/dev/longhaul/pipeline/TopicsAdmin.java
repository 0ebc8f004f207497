/*
 * Creates the catalog's topics with the partitioning the pipeline relies on: `work` gets one
 * partition per lane; jobs, documents and control share one partition count so that a job's
 * records are co-partitioned for the planner; status and workers are compacted (the catalog's
 * cleanup policies); each is made, with three replicas or more, with min.insync.replicas one
 * fewer. Existing topics are left as they are (their partition counts are checked:
 * work against the lanes, jobs, documents and control against each other).
 */
package dev.longhaul.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;

public final class TopicsAdmin {
    private TopicsAdmin() {}

    /** Layout: partitions of the job-keyed topics and the replication factor of every topic. */
    public record Layout(int lanes, int jobPartitions, short replicationFactor) {
        public Layout {
            if (lanes < 1 || jobPartitions < 1 || replicationFactor < 1) {
                throw new IllegalArgumentException("lanes, partitions and replication factor must be at least 1");
            }
        }
    }

    /**
     * A topic just created may not be in every broker's metadata yet ("does not host this
     * topic-partition"); ask again for a while before giving up.
     */
    public static TopicDescription describe(Admin admin, String name, java.time.Duration timeout)
            throws InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return admin.describeTopics(List.of(name)).allTopicNames().get().get(name);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * The planner reads a job's request, chunks and cancels as one stream, keyed by job id: they
     * meet in one task only if the topics have one partition count (Kafka Streams does not check
     * this for a merge). Topics altered apart would fail every job as MISSING_CHUNKS after the
     * incomplete-job timeout; the pipeline refuses to start instead.
     */
    static void checkCoPartitioned(Admin admin, List<String> names) throws InterruptedException, ExecutionException {
        Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        for (String name : names) {
            counts.put(name, describe(admin, name, java.time.Duration.ofSeconds(30)).partitions().size());
        }
        if (counts.values().stream().distinct().count() > 1) {
            throw new IllegalStateException("the job-keyed topics must have one partition count, so that a job's records"
                    + " meet in one planner task; they have " + counts);
        }
    }

    /**
     * A topic's catalog settings plus, with three replicas or more, min.insync.replicas of one fewer
     * (minInsyncReplicas): with the broker's default of one, an acks=all write (every transactional
     * commit) is taken by a leader whose followers have all fallen behind, and lost with that
     * broker's disk. With fewer replicas the broker's default stands (one fewer would be one, no
     * stronger than the default, and weaker than a broker set to two).
     */
    static Map<String, String> creationConfigs(Map<String, String> catalog, short replicationFactor) {
        Map<String, String> configs = new java.util.HashMap<>(catalog);
        minInsyncReplicas(replicationFactor).ifPresent(n -> configs.putIfAbsent("min.insync.replicas", Integer.toString(n)));
        return configs;
    }

    /**
     * One fewer than the replicas, for three replicas or more: a write survives one broker lost, and
     * one broker down does not stop writes. Empty below three: the broker's default stands.
     */
    public static java.util.OptionalInt minInsyncReplicas(int replicationFactor) {
        return replicationFactor >= 3 ? java.util.OptionalInt.of(replicationFactor - 1) : java.util.OptionalInt.empty();
    }

    /**
     * Creates the missing topics; fails if `work` exists with a partition count other than lanes,
     * or if jobs, documents and control do not share one partition count.
     */
    public static void ensure(Admin admin, Topics topics, Layout layout) {
        ensure(admin, topics, Set.of(), layout);
    }

    /**
     * The same, plus each tenant's own topics (Topics.forTenant, tenantFacing), with the job-keyed
     * partition count: the tenant gate and the result delivery rely on it being the shared one.
     */
    public static void ensure(Admin admin, Topics topics, Set<String> tenants, Layout layout) {
        try {
            Set<String> existing = admin.listTopics().names().get();
            // a tenant's topics made now get the count the shared job topics already have: shared
            // topics grown past the layout (to scale out) must not leave a tenant added later with
            // topics of the layout's count, refused by the check below. Shared topics themselves
            // are made at the layout's count, so that a jobs topic a client's first write made
            // (one partition, by broker default) is refused below rather than copied.
            int tenantPartitions = existing.contains(topics.jobs.name())
                    ? describe(admin, topics.jobs.name(), java.time.Duration.ofSeconds(30)).partitions().size()
                    : layout.jobPartitions();
            Set<String> tenantFacing = new java.util.HashSet<>();
            tenants.forEach(t -> topics.forTenant(t).tenantFacing().forEach(e -> tenantFacing.add(e.getKey().name())));
            List<NewTopic> missing = new ArrayList<>();
            List<Map.Entry<Topic<?, ?>, Map<String, String>>> wanted = new ArrayList<>(topics.all());
            tenants.stream().sorted().forEach(t -> wanted.addAll(topics.forTenant(t).tenantFacing()));
            for (Map.Entry<Topic<?, ?>, Map<String, String>> entry : wanted) {
                String name = entry.getKey().name();
                int partitions = name.equals(topics.work.name()) ? layout.lanes()
                        : tenantFacing.contains(name) ? tenantPartitions : layout.jobPartitions();
                if (!existing.contains(name)) {
                    missing.add(new NewTopic(name, partitions, layout.replicationFactor())
                            .configs(creationConfigs(entry.getValue(), layout.replicationFactor())));
                }
            }
            if (!missing.isEmpty()) {
                for (var created : admin.createTopics(missing).values().entrySet()) {
                    try {
                        created.getValue().get();
                    } catch (ExecutionException e) {
                        // another instance starting beside this one created it first: the checks below still hold
                        if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                            throw e;
                        }
                    }
                }
            }
            TopicDescription work = describe(admin, topics.work.name(), java.time.Duration.ofSeconds(30));
            if (work.partitions().size() != layout.lanes()) {
                throw new IllegalStateException(topics.work.name() + " has " + work.partitions().size()
                        + " partitions but the pipeline is configured for " + layout.lanes() + " lanes");
            }
            List<String> jobKeyed = new ArrayList<>(List.of(topics.jobs.name(), topics.documents.name(), topics.control.name()));
            if (!tenants.isEmpty()) {
                // tenant admission and delivery read these beside one store of job owners: a topic of
                // another count (one a client created by producing to it before the pipeline made it)
                // would look owners up in the wrong task and lose statuses, results and letters
                for (Topic<?, ?> t : List.of(topics.status, topics.summaries, topics.extractions, topics.deadLetters)) {
                    jobKeyed.add(t.name());
                }
                tenants.stream().sorted().forEach(t -> topics.forTenant(t).tenantFacing().forEach(e -> jobKeyed.add(e.getKey().name())));
            }
            checkCoPartitioned(admin, jobKeyed);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create the pipeline's topics: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }
}
