/*
 * Reads what the pipeline says about given jobs: their status (the compacted `status` topic) and
 * their results (`summaries`, `extractions`), read_committed, without a consumer group (nothing is
 * committed; every call reads from the beginning). Only the partitions the job ids hash to are
 * read: records are keyed by job id and placed by Kafka's default partitioner (murmur2 of the key
 * bytes), which the ingest producer and Kafka Streams both use.
 *
 * follow() ends when every job has reached a final state (SUCCEEDED, FAILED, CANCELLED, EXPIRED)
 * and the result partitions have been read up to their stable end, with one result per task of
 * every SUCCEEDED job (results commit in the same transaction as the SUCCEEDED status; see
 * RESULT_GRACE for the moment between the two becoming readable). The job's request is read
 * from `jobs` for its task count. Not
 * thread-safe (one KafkaConsumer); use one follower per thread.
 */
package dev.longhaul.ingest;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import dev.longhaul.schemas.Extraction;
import dev.longhaul.schemas.JobRequest;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStates;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Summary;
import dev.longhaul.schemas.Topic;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.SchemaRegistry;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

public final class JobFollower implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(200);
    /**
     * A SUCCEEDED status and its results commit together, but the broker writes the commit markers
     * partition by partition after the commit returns, so results may become readable a moment
     * after the status. A SUCCEEDED job's results are awaited until there is one per task of its
     * JobRequest; where the request is gone (retention) at least one, for at most this long.
     */
    private static final Duration RESULT_GRACE = Duration.ofSeconds(5);

    private final Topics topics;
    private final Consumer<byte[], byte[]> consumer;

    /** What a follower reports as it reads; every method may be left as is. */
    public interface Listener {
        default void onStatus(JobStatus status) {}

        default void onSummary(Summary summary) {}

        default void onExtraction(Extraction extraction) {}
    }

    /** One job's outcome: its latest status (null if none seen) and its results by task index. */
    public record JobOutcome(JobStatus status, Map<Integer, Summary> summaries, Map<Integer, Extraction> extractions) {
        public boolean isFinal() {
            return status != null && JobStates.isFinal(status.getState());
        }
    }

    /** @param complete true when every job reached a final state before the timeout */
    public record Outcome(boolean complete, Map<String, JobOutcome> jobs) {}

    public JobFollower(IngestConfig config, SchemaRegistry registry) {
        this(new Topics(config.namespace(), registry),
                new KafkaConsumer<>(config.kafkaProperties(IngestConfig.Client.READER), new ByteArrayDeserializer(), new ByteArrayDeserializer()));
    }

    JobFollower(Topics topics, Consumer<byte[], byte[]> consumer) {
        this.topics = topics;
        this.consumer = consumer;
    }

    public static boolean isFinal(JobState state) {
        return JobStates.isFinal(state);
    }

    /** The latest status of {@code jobId}, reading its status partition up to its end; empty when none. */
    public Optional<JobStatus> latestStatus(String jobId, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        TopicPartition tp = partitionOf(topics.status, jobId);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        // For a read_committed consumer the end offset is the last stable offset.
        long end = consumer.endOffsets(List.of(tp)).get(tp);
        JobStatus latest = null;
        while (consumer.position(tp) < end) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("timed out reading " + tp + " for job " + jobId);
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                JobStatus s = jobId.equals(key(topics.status, r)) ? readable(topics.status, r) : null;
                if (s != null && !JobStates.staleAfter(latest, s)) {
                    latest = s;
                }
            }
        }
        return Optional.ofNullable(latest);
    }

    /**
     * Reads status and results of {@code jobIds} from the beginning, reporting each record to
     * {@code listener}, until every job is final and its results are read, or {@code timeout}
     * passes (null: no limit).
     */
    public Outcome follow(Collection<String> jobIds, Listener listener, Duration timeout) {
        Set<String> wanted = new HashSet<>(jobIds);
        if (wanted.isEmpty()) {
            throw new IllegalArgumentException("no job ids to follow");
        }
        Instant deadline = timeout == null ? Instant.MAX : Instant.now().plus(timeout);
        Map<String, JobStatus> statuses = new HashMap<>();
        Map<String, Map<Integer, Summary>> summaries = new HashMap<>();
        Map<String, Map<Integer, Extraction>> extractions = new HashMap<>();
        Set<TopicPartition> statusParts = partitionsOf(topics.status, wanted);
        // Read to their stable end once all jobs are final: results, and the requests, which say
        // how many results a SUCCEEDED job has (one per task).
        Set<TopicPartition> resultParts = new HashSet<>(partitionsOf(topics.summaries, wanted));
        resultParts.addAll(partitionsOf(topics.extractions, wanted));
        resultParts.addAll(partitionsOf(topics.jobs, wanted));
        Map<String, Integer> taskCounts = new HashMap<>();
        List<TopicPartition> all = new ArrayList<>(statusParts);
        all.addAll(resultParts);
        consumer.assign(all);
        consumer.seekToBeginning(all);

        Map<TopicPartition, Long> resultEnds = null;
        Instant allFinalAt = null;
        while (!Instant.now().isAfter(deadline)) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                String key = key(topics.status, r);
                if (!wanted.contains(key) || r.value() == null) {
                    continue;
                }
                if (r.topic().equals(topics.jobs.name())) {
                    JobRequest request = readable(topics.jobs, r);
                    if (request != null) {
                        // The first committed request of an id is the one the planner decided on: a
                        // later one under the same id is a no-op or a DUPLICATE_JOB_ID, whatever its tasks.
                        taskCounts.putIfAbsent(key, request.getTasks().size());
                    }
                } else if (r.topic().equals(topics.status.name())) {
                    JobStatus s = readable(topics.status, r);
                    if (s != null && !JobStates.staleAfter(statuses.get(key), s)) {
                        statuses.put(key, s);
                        listener.onStatus(s);
                    }
                } else if (r.topic().equals(topics.summaries.name())) {
                    Summary s = readable(topics.summaries, r);
                    if (s != null) {
                        summaries.computeIfAbsent(key, k -> new TreeMap<>()).put(s.getTaskIndex(), s);
                        listener.onSummary(s);
                    }
                } else {
                    Extraction e = readable(topics.extractions, r);
                    if (e != null) {
                        extractions.computeIfAbsent(key, k -> new TreeMap<>()).put(e.getTaskIndex(), e);
                        listener.onExtraction(e);
                    }
                }
            }
            boolean allFinal = wanted.stream().allMatch(id -> statuses.containsKey(id) && isFinal(statuses.get(id).getState()));
            if (allFinal && allFinalAt == null) {
                allFinalAt = Instant.now();
            }
            if (allFinal && (resultEnds == null || caughtUp(resultEnds))) {
                boolean resultsSeen = wanted.stream()
                        .filter(id -> statuses.get(id).getState() == JobState.SUCCEEDED)
                        .allMatch(id -> resultCount(id, summaries, extractions) >= taskCounts.getOrDefault(id, 1));
                // The grace is for a job whose request (so its task count) was not read: with the
                // count known, a result is waited for until the timeout, not given up on after 5 s
                // (a commit marker can lag that long while a partition changes leader).
                boolean countsKnown = wanted.stream()
                        .filter(id -> statuses.get(id).getState() == JobState.SUCCEEDED)
                        .allMatch(taskCounts::containsKey);
                boolean graceOver = !countsKnown && Instant.now().isAfter(allFinalAt.plus(RESULT_GRACE));
                if (resultEnds != null && (resultsSeen || graceOver)) {
                    return new Outcome(true, outcomes(jobIds, statuses, summaries, extractions));
                }
                // The stable offset moves once the commit markers reach the result partitions.
                resultEnds = consumer.endOffsets(resultParts);
            }
        }
        return new Outcome(false, outcomes(jobIds, statuses, summaries, extractions));
    }

    private static int resultCount(String id, Map<String, Map<Integer, Summary>> summaries, Map<String, Map<Integer, Extraction>> extractions) {
        return summaries.getOrDefault(id, Map.of()).size() + extractions.getOrDefault(id, Map.of()).size();
    }

    private boolean caughtUp(Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, JobOutcome> outcomes(Collection<String> ids, Map<String, JobStatus> statuses,
            Map<String, Map<Integer, Summary>> summaries, Map<String, Map<Integer, Extraction>> extractions) {
        Map<String, JobOutcome> out = new LinkedHashMap<>();
        for (String id : ids) {
            out.put(id, new JobOutcome(statuses.get(id),
                    Map.copyOf(summaries.getOrDefault(id, Map.of())),
                    Map.copyOf(extractions.getOrDefault(id, Map.of()))));
        }
        return out;
    }

    /** All three result and status topics key by job id as UTF-8 strings. */
    private static String key(Topic<String, ?> topic, ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : topic.keys().deserializer().deserialize(r.topic(), r.key());
    }

    private Set<TopicPartition> partitionsOf(Topic<String, ?> topic, Collection<String> jobIds) {
        Set<TopicPartition> parts = new HashSet<>();
        for (String id : jobIds) {
            parts.add(partitionOf(topic, id));
        }
        return parts;
    }

    /** The partition Kafka's default partitioner puts {@code jobId} in. */
    private TopicPartition partitionOf(Topic<String, ?> topic, String jobId) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic.name());
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic.name() + " does not exist (is the namespace right?)");
        }
        byte[] key = topic.keys().serializer().serialize(topic.name(), jobId);
        return new TopicPartition(topic.name(), Utils.toPositive(Utils.murmur2(key)) % infos.size());
    }

    @Override
    public void close() {
        consumer.close();
    }

    /**
     * The record's value, or null when it is a tombstone or not readable: anyone who may write to
     * these topics can put garbage under a job's key, and that must not stop a follower (the
     * pipeline dead-letters such records; here they are skipped).
     */
    private static <V> V readable(Topic<String, V> topic, ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return null;
        }
        try {
            return topic.values().deserializer().deserialize(r.topic(), r.value());
        } catch (org.apache.kafka.common.errors.SerializationException e) {
            return null;
        }
    }
}
