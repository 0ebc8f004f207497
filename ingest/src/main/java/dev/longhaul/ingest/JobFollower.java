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
 * RESULT_GRACE for the moment between the two becoming readable). The job's requests are read
 * from `jobs` for their task counts and documents, and its dead letters for a refused request:
 * followSubmissions() follows one submission of a job id, which may have had other lives before.
 * Not thread-safe (one KafkaConsumer); use one follower per thread.
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

import dev.longhaul.schemas.DeadLetter;
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
import org.apache.kafka.common.errors.WakeupException;
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

    /**
     * One job's outcome: its latest status (null if none seen) and its results by task index;
     * resultsExpired when it SUCCEEDED so long ago that its results are no longer retained (the
     * result topics' retention deleted them), so the results are missing for good.
     */
    public record JobOutcome(JobStatus status, Map<Integer, Summary> summaries, Map<Integer, Extraction> extractions,
                             boolean resultsExpired) {
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

    /**
     * The latest status of {@code jobId}, reading its status partition up to its end; empty when
     * none. An IllegalStateException when that takes longer than timeout.
     */
    public Optional<JobStatus> latestStatus(String jobId, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        TopicPartition tp = partitionOf(topics.status, jobId);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        JobStatus latest = null;
        try {
            // For a read_committed consumer the end offset is the last stable offset.
            long end = consumer.endOffsets(List.of(tp), left(deadline)).get(tp);
            while (consumer.position(tp, left(deadline)) < end) {
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
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IllegalStateException("timed out reading " + tp + " for job " + jobId + ": " + e.getMessage(), e);
        }
        return Optional.ofNullable(latest);
    }

    /** What is left until deadline, at least a millisecond (a timed Kafka call takes no zero). */
    private static Duration left(Instant deadline) {
        return Duration.ofMillis(Math.max(1, Duration.between(Instant.now(), deadline).toMillis()));
    }

    /**
     * Reads status and results of {@code jobIds} from the beginning, reporting each record to
     * {@code listener}, until every job is final and its results are read, or {@code timeout}
     * passes (null: no limit). Which submission of a job id is meant is not known: the latest life
     * of each id is followed.
     */
    public Outcome follow(Collection<String> jobIds, Listener listener, Duration timeout) {
        Map<String, String> unknown = new LinkedHashMap<>();
        jobIds.forEach(id -> unknown.put(id, ""));
        return followSubmissions(unknown, listener, timeout);
    }

    /**
     * As follow(), for given submissions: job id to the submission id its submitter got ("" when not
     * known). A job id can have several lives (the planner plans an id again once it has forgotten
     * it), so a submission's outcome is, in this order: its own final status; a dead letter refusing
     * its request (a different document under an id still remembered: FAILED with the letter's
     * reason); a final status of another submission of the same document (a resubmission the planner
     * took for a no-op); a final status naming no submission, written after this one was submitted
     * (a job failed or cancelled before its request was read). Never another document's result.
     */
    public Outcome followSubmissions(Map<String, String> submissions, Listener listener, Duration timeout) {
        Set<String> wanted = new HashSet<>(submissions.keySet());
        if (wanted.isEmpty()) {
            throw new IllegalArgumentException("no job ids to follow");
        }
        Instant deadline = timeout == null ? Instant.MAX : Instant.now().plus(timeout);
        Lives lives = new Lives(submissions);
        Set<TopicPartition> statusParts = partitionsOf(topics.status, wanted);
        // Read to their stable end once all jobs are final: results, the requests, which say how
        // many results a SUCCEEDED job has (one per task) and which document each submission is,
        // and the dead letters, which say when a request was refused.
        Set<TopicPartition> resultParts = new HashSet<>(partitionsOf(topics.summaries, wanted));
        resultParts.addAll(partitionsOf(topics.extractions, wanted));
        Set<TopicPartition> jobParts = partitionsOf(topics.jobs, wanted);
        resultParts.addAll(jobParts);
        Set<TopicPartition> letterParts = deadLetterPartitionsOf(wanted);
        resultParts.addAll(letterParts);
        List<TopicPartition> all = new ArrayList<>(statusParts);
        all.addAll(resultParts);
        consumer.assign(all);
        consumer.seekToBeginning(all);
        // Whether a status or result concerns a followed submission can depend on the requests (a
        // resubmission of the same document is answered by the first one's life), so the requests
        // and dead letters written before now are read first, the statuses and results after them:
        // a record judged before the request it needs was read would not be reported at all.
        Set<TopicPartition> firstParts = new HashSet<>(jobParts);
        firstParts.addAll(letterParts);
        Map<TopicPartition, Long> firstEnds = consumer.endOffsets(firstParts);
        // No job is taken as final before the statuses written before now are read: the status
        // partitions, read from their beginning, may hold an ended earlier life of a job id several
        // fetches before the status of its life now (compaction keeps an id's earlier life until
        // its segment is cleaned), and the results of that earlier life would answer for the new one.
        Map<TopicPartition, Long> statusEnds = consumer.endOffsets(statusParts);
        List<TopicPartition> held = all.stream().filter(tp -> !firstParts.contains(tp)).toList();
        consumer.pause(held);
        boolean holding = !held.isEmpty();

        Map<TopicPartition, Long> resultEnds = null;
        Instant allFinalAt = null;
        firstRetained.clear();
        // results are reported once the statuses before now are read (the life that answers is
        // known by then), so that following a reused job id does not print an ended earlier life's
        boolean[] statusRead = {false};
        List<Pending> pending = new ArrayList<>();
        // refusals read (dead letters), to be said once the statuses before now are read; the ids said so
        List<JobStatus> refusals = new ArrayList<>();
        Set<String> refusedSaid = new HashSet<>();
        try {
            while (!Instant.now().isAfter(deadline)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    if (r.topic().equals(topics.deadLetters.name())) {
                        JobStatus refusal = lives.deadLetter(r);
                        if (refusal != null) {
                            refusals.add(refusal); // said once it is known to answer (below)
                        }
                        continue;
                    }
                    if (r.topic().equals(topics.summaries.name()) || r.topic().equals(topics.extractions.name())) {
                        // any job's: the partition's oldest retained record (see trimmedSince)
                        firstRetained.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.timestamp());
                    }
                    String key = key(topics.status, r);
                    if (!wanted.contains(key) || r.value() == null) {
                        continue;
                    }
                    if (r.topic().equals(topics.jobs.name())) {
                        JobRequest request = readable(topics.jobs, r);
                        if (request != null) {
                            lives.request(key, request);
                        }
                    } else if (r.topic().equals(topics.status.name())) {
                        JobStatus s = readable(topics.status, r);
                        // once a refusal was said to end the submission, nothing more of the id is
                        if (s != null && lives.status(key, s) && lives.concerns(key, s.getSubmissionId()) && !refusedSaid.contains(key)) {
                            listener.onStatus(s);
                        }
                    } else if (r.topic().equals(topics.summaries.name())) {
                        Summary s = readable(topics.summaries, r);
                        if (s != null) {
                            lives.results(key, s.getSubmissionId()).summaries.put(s.getTaskIndex(), s);
                            report(lives, key, s.getSubmissionId(), () -> listener.onSummary(s), statusRead, pending);
                        }
                    } else {
                        Extraction e = readable(topics.extractions, r);
                        if (e != null) {
                            lives.results(key, e.getSubmissionId()).extractions.put(e.getTaskIndex(), e);
                            report(lives, key, e.getSubmissionId(), () -> listener.onExtraction(e), statusRead, pending);
                        }
                    }
                }
                if (holding && caughtUp(firstEnds)) {
                    consumer.resume(held);
                    holding = false;
                }
                if (!statusRead[0] && !holding && caughtUp(statusEnds)) {
                    // the statuses written before now are read: which life answers is known
                    statusRead[0] = true;
                    reportHeld(lives, pending);
                }
                if (statusRead[0] && !refusals.isEmpty()) {
                    // a refusal is the submission's end, said as its FAILED status would be, unless its own
                    // final status answers instead (the planner writes one beside some refusals' letters)
                    for (JobStatus refusal : refusals) {
                        if (lives.answer(refusal.getJobId()) == refusal && refusedSaid.add(refusal.getJobId())) {
                            listener.onStatus(refusal);
                        }
                    }
                    refusals.clear();
                }
                boolean allFinal = !holding && caughtUp(statusEnds)
                        && wanted.stream().allMatch(id -> lives.answer(id) != null && isFinal(lives.answer(id).getState()));
                if (allFinal && allFinalAt == null) {
                    allFinalAt = Instant.now();
                }
                if (allFinal && (resultEnds == null || caughtUp(resultEnds))) {
                    List<String> succeeded = wanted.stream().filter(id -> lives.answer(id).getState() == JobState.SUCCEEDED).toList();
                    boolean resultsSeen = succeeded.stream().allMatch(id -> lives.resultCount(id) >= lives.taskCount(id).orElse(1));
                    // The grace is for a job whose request (so its task count) was not read: with the
                    // count known, a result is waited for until the timeout, not given up on after 5 s
                    // (a commit marker can lag that long while a partition changes leader).
                    boolean countsKnown = succeeded.stream().allMatch(id -> lives.taskCount(id).isPresent());
                    boolean graceOver = !countsKnown && Instant.now().isAfter(allFinalAt.plus(RESULT_GRACE));
                    if (resultEnds != null && (resultsSeen || graceOver)) {
                        return new Outcome(true, lives.outcomes(submissions.keySet()));
                    }
                    if (resultEnds != null && countsKnown && Instant.now().isAfter(allFinalAt.plus(RESULT_GRACE))) {
                        // read to their ends: a SUCCEEDED job's missing results are gone for good where
                        // retention has deleted what its partitions held when it ended
                        Set<String> expired = new HashSet<>();
                        for (String id : succeeded) {
                            if (lives.resultCount(id) < lives.taskCount(id).orElse(1)
                                    && trimmedSince(id, lives.answer(id), lives.resultTopics(id))) {
                                expired.add(id);
                            }
                        }
                        if (!expired.isEmpty() && succeeded.stream().allMatch(id -> expired.contains(id)
                                || lives.resultCount(id) >= lives.taskCount(id).orElse(1))) {
                            lives.expired.addAll(expired);
                            return new Outcome(true, lives.outcomes(submissions.keySet()));
                        }
                    }
                    // The stable offset moves once the commit markers reach the result partitions.
                    resultEnds = consumer.endOffsets(resultParts);
                }
            }
        } catch (WakeupException e) {
            // wakeup(): stop following, with what was seen
        }
        // stopped before the statuses were read: the results held back are reported as far as
        // what was read tells whose they are, so the listener has seen what the outcome holds
        reportHeld(lives, pending);
        return new Outcome(false, lives.outcomes(submissions.keySet()));
    }

    /** A result read before the statuses were: reported then, if it is of the life that answers. */
    private record Pending(String jobId, String submission, Runnable report) {}

    private static void report(Lives lives, String jobId, String submission, Runnable report, boolean[] statusRead, List<Pending> pending) {
        if (!statusRead[0]) {
            pending.add(new Pending(jobId, submission, report));
        } else if (lives.reportable(jobId, submission)) {
            report.run();
        }
    }

    /** Reports the results held back that are of the life that answers, and forgets them all. */
    private static void reportHeld(Lives lives, List<Pending> pending) {
        for (Pending p : pending) {
            if (lives.reportable(p.jobId(), p.submission())) {
                p.report().run();
            }
        }
        pending.clear();
    }

    /** The timestamp of the first record read on each result partition in this follow: its oldest retained. */
    private final Map<TopicPartition, Long> firstRetained = new HashMap<>();

    /**
     * Whether retention has deleted from the job's result partitions (those of the topics its
     * tasks write to) records written when its final status was: a partition whose log no longer
     * starts at 0 and whose oldest record left (none: all deleted) is younger than the status. Asked
     * only RESULT_GRACE after the job was seen final, so a result whose commit marker lags is read first.
     */
    private boolean trimmedSince(String jobId, JobStatus status, Set<String> resultTopics) {
        List<TopicPartition> parts = new ArrayList<>();
        for (Topic<String, ?> topic : List.of(topics.summaries, topics.extractions)) {
            if (resultTopics.contains(topic.name())) {
                parts.add(partitionOf(topic, jobId));
            }
        }
        if (parts.isEmpty()) {
            return false;
        }
        Map<TopicPartition, Long> starts = consumer.beginningOffsets(parts);
        long ended = status.getUpdatedAt().toEpochMilli();
        return parts.stream().anyMatch(tp -> starts.getOrDefault(tp, 0L) > 0
                && firstRetained.getOrDefault(tp, Long.MAX_VALUE) > ended);
    }

    /** Statuses, requests and results of each followed job id, by submission, and what they answer. */
    private final class Lives {
        private final Map<String, String> mine;
        private final Set<String> expired = new HashSet<>();
        private final Map<String, JobStatus> latest = new HashMap<>();                    // over all lives, as readers of status take it
        private final Map<String, Map<String, JobStatus>> bySubmission = new HashMap<>();
        private final Map<String, Map<String, JobRequest>> requests = new HashMap<>();
        private final Map<String, JobStatus> refused = new HashMap<>();
        private final Map<String, Map<String, Results>> results = new HashMap<>();

        Lives(Map<String, String> mine) {
            this.mine = mine;
        }

        void request(String jobId, JobRequest request) {
            // the first committed request of a submission is the one the planner decided on
            requests.computeIfAbsent(jobId, k -> new LinkedHashMap<>()).putIfAbsent(request.getSubmissionId(), request);
        }

        /** Takes a status in; false when it is stale (see JobStates.staleAfter). */
        boolean status(String jobId, JobStatus s) {
            Map<String, JobStatus> own = bySubmission.computeIfAbsent(jobId, k -> new HashMap<>());
            if (!JobStates.staleAfter(own.get(s.getSubmissionId()), s)) {
                own.put(s.getSubmissionId(), s);
            }
            if (JobStates.staleAfter(latest.get(jobId), s)) {
                return false;
            }
            latest.put(jobId, s);
            return true;
        }

        /**
         * A dead letter of a followed submission's request: that submission was refused. Returns the
         * FAILED status that answers it, the first time; null for any other letter.
         */
        JobStatus deadLetter(ConsumerRecord<byte[], byte[]> r) {
            DeadLetter letter = readable(topics.deadLetters, r);
            // a letter of a request: refused where it was written (jobs), or, for a tenant's, also
            // by the planner on the shared jobs topic its request was copied to (a duplicate id);
            // the submission id it carries, random per submission, says whose it is
            if (letter == null || !letter.getOriginalTopic().endsWith("jobs") || letter.getKey() == null) {
                return null;
            }
            String jobId = java.nio.charset.StandardCharsets.UTF_8.decode(letter.getKey().duplicate()).toString();
            String submission = mine.get(jobId);
            if (submission == null || submission.isEmpty()) {
                return null;
            }
            JobRequest request;
            try {
                byte[] bytes = new byte[letter.getValue().remaining()];
                letter.getValue().duplicate().get(bytes);
                request = topics.jobs.values().deserializer().deserialize(topics.jobs.name(), bytes);
            } catch (RuntimeException e) {
                return null;
            }
            if (request == null || !submission.equals(request.getSubmissionId()) || refused.containsKey(jobId)) {
                return null;
            }
            JobStatus refusal = JobStatus.newBuilder().setJobId(jobId).setTenant(request.getTenant())
                    .setState(JobState.FAILED).setReason(letter.getReasonCode() + ": " + letter.getDetail())
                    .setUpdatedAt(letter.getAt()).setSubmissionId(submission).build();
            refused.put(jobId, refusal);
            return refusal;
        }

        Results results(String jobId, String submission) {
            return results.computeIfAbsent(jobId, k -> new HashMap<>()).computeIfAbsent(submission, k -> new Results());
        }

        /**
         * Whether a result of this submission is to be reported: one that may answer (concerns),
         * and where the submission followed is not known, one of the job's latest life.
         */
        boolean reportable(String jobId, String submission) {
            if (!concerns(jobId, submission)) {
                return false;
            }
            if (!mine.getOrDefault(jobId, "").isEmpty()) {
                return true;
            }
            JobStatus now = latest.get(jobId);
            return now == null || now.getSubmissionId().isEmpty() || submission.isEmpty() || submission.equals(now.getSubmissionId());
        }

        /** Whether records of this submission may be this job's answer (reported as they come). */
        boolean concerns(String jobId, String submission) {
            String own = mine.getOrDefault(jobId, "");
            return own.isEmpty() || submission.isEmpty() || submission.equals(own) || sameDocument(jobId, submission, own);
        }

        private boolean sameDocument(String jobId, String a, String b) {
            Map<String, JobRequest> known = requests.getOrDefault(jobId, Map.of());
            JobRequest x = known.get(a);
            JobRequest y = known.get(b);
            return x != null && y != null && x.getDocument().getSha256().equals(y.getDocument().getSha256());
        }

        /** The status that answers for the followed submission (see followSubmissions); null while there is none. */
        JobStatus answer(String jobId) {
            String own = mine.getOrDefault(jobId, "");
            if (own.isEmpty()) {
                return latest.get(jobId);
            }
            Map<String, JobStatus> byId = bySubmission.getOrDefault(jobId, Map.of());
            JobStatus ours = byId.get(own);
            if (ours != null && isFinal(ours.getState())) {
                return ours;
            }
            if (refused.containsKey(jobId)) {
                return refused.get(jobId);
            }
            if (ours != null) {
                return ours; // our life is under way
            }
            for (Map.Entry<String, JobStatus> e : byId.entrySet()) {
                if (!e.getKey().isEmpty() && isFinal(e.getValue().getState()) && sameDocument(jobId, e.getKey(), own)) {
                    return e.getValue();
                }
            }
            JobStatus unnamed = byId.get("");
            JobRequest request = requests.getOrDefault(jobId, Map.of()).get(own);
            if (unnamed != null && isFinal(unnamed.getState()) && request != null
                    && !unnamed.getUpdatedAt().isBefore(request.getSubmittedAt())) {
                return unnamed;
            }
            return null;
        }

        /** The result topics the answering request's tasks write to (summaries for SUMMARIZE, extractions for EXTRACT). */
        Set<String> resultTopics(String jobId) {
            Set<String> out = new HashSet<>();
            request(jobId).ifPresent(request -> {
                for (var task : request.getTasks()) {
                    out.add(task.getType() == dev.longhaul.schemas.TaskType.SUMMARIZE ? topics.summaries.name() : topics.extractions.name());
                }
            });
            return out;
        }

        /** The tasks of the answering submission's request, when it was read. */
        Optional<Integer> taskCount(String jobId) {
            return request(jobId).map(q -> q.getTasks().size());
        }

        /** The answering submission's request, when it was read. */
        private Optional<JobRequest> request(String jobId) {
            JobStatus answer = answer(jobId);
            Map<String, JobRequest> known = requests.getOrDefault(jobId, Map.of());
            JobRequest request = answer == null ? null : known.get(answer.getSubmissionId());
            if (request == null && (answer == null || answer.getSubmissionId().isEmpty()) && !known.isEmpty()) {
                request = known.values().iterator().next(); // results written before submissions were named
            }
            return Optional.ofNullable(request);
        }

        private Results answered(String jobId) {
            JobStatus answer = answer(jobId);
            String submission = answer == null ? mine.getOrDefault(jobId, "") : answer.getSubmissionId();
            return results.getOrDefault(jobId, Map.of()).getOrDefault(submission, new Results());
        }

        int resultCount(String jobId) {
            Results r = answered(jobId);
            return r.summaries.size() + r.extractions.size();
        }

        Map<String, JobOutcome> outcomes(Collection<String> ids) {
            Map<String, JobOutcome> out = new LinkedHashMap<>();
            for (String id : ids) {
                Results r = answered(id);
                out.put(id, new JobOutcome(answer(id), Map.copyOf(r.summaries), Map.copyOf(r.extractions), expired.contains(id)));
            }
            return out;
        }
    }

    /** One submission's results by task index. */
    private static final class Results {
        final Map<Integer, Summary> summaries = new TreeMap<>();
        final Map<Integer, Extraction> extractions = new TreeMap<>();
    }

    private boolean caughtUp(Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** All three result and status topics key by job id as UTF-8 strings. */
    private static String key(Topic<String, ?> topic, ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : topic.keys().deserializer().deserialize(r.topic(), r.key());
    }

    /**
     * The dead-letters partitions of the job ids (a letter keeps its record's key); none without
     * the topic, or without the right to read it (a tenant's client: refusals then go unseen, and
     * a refused submission is waited for until the timeout).
     */
    private Set<TopicPartition> deadLetterPartitionsOf(Collection<String> jobIds) {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topics.deadLetters.name());
        } catch (org.apache.kafka.common.errors.AuthorizationException e) {
            return Set.of();
        }
        if (infos == null || infos.isEmpty()) {
            return Set.of(); // no dead-letters topic: nothing was refused there
        }
        Set<TopicPartition> parts = new HashSet<>();
        for (String id : jobIds) {
            parts.add(partitionOf(topics.deadLetters.name(), id.getBytes(java.nio.charset.StandardCharsets.UTF_8), infos.size()));
        }
        return parts;
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
        return partitionOf(topic.name(), topic.keys().serializer().serialize(topic.name(), jobId), infos.size());
    }

    /** Where Kafka's default partitioner puts a key among `partitions`. */
    private static TopicPartition partitionOf(String topic, byte[] key, int partitions) {
        return new TopicPartition(topic, Utils.toPositive(Utils.murmur2(key)) % partitions);
    }

    /**
     * Makes a follow() in progress on another thread return soon, incomplete, with what it has
     * seen: for a caller that learns the jobs cannot end (the worker or the pipeline stopped).
     */
    public void wakeup() {
        consumer.wakeup();
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
    private static <V> V readable(Topic<?, V> topic, ConsumerRecord<byte[], byte[]> r) {
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
