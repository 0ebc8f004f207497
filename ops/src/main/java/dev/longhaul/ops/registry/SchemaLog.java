/*
 * The registry's storage: a compacted, single-partition Kafka topic that every registry instance
 * materializes into its SchemaView by reading it from the beginning (read_committed), for as long
 * as the instance runs. Several instances may share one topic, with no leader.
 *
 * Writes are made safe by Kafka's transactional fencing, used as a lock: every instance writes
 * with a producer of the same transactional.id. A write creates that producer and calls
 * initTransactions(), which fences every other instance's writer and completes or aborts its open
 * transaction; then it catches the view up to the end of the topic, plans its records from that
 * view (next id, next version), and commits them in one transaction. If another instance
 * initialized meanwhile, this commit fails (ProducerFencedException, or another error of the race)
 * and the write starts again from the top, on a view that then holds the other instance's records. A write returns only once
 * this instance's view has read it back. Writes inside one instance are serialized. Before all
 * that, the plan is made once on the view, caught up, with no producer: a request it refuses or
 * needs nothing written for is answered there, fencing no other instance's write.
 */
package dev.longhaul.ops.registry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import dev.longhaul.schemas.wire.RegistryException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;

final class SchemaLog implements AutoCloseable {
    /** What a write puts in the log, computed from an up-to-date view, and what it answers. */
    record Plan<T>(List<StoredRecord> records, T result) {
        static <T> Plan<T> nothing(T result) {
            return new Plan<>(List.of(), result);
        }
    }

    private static final int MAX_WRITE_ATTEMPTS = 20;
    /** The producer's max.request.size unless a client override sets it. */
    private static final long DEFAULT_MAX_REQUEST_BYTES = 1 << 20;
    /** Room for the batch and record headers around a record's key and value. */
    private static final long RECORD_OVERHEAD_BYTES = 1024;
    private static final System.Logger LOG = System.getLogger(SchemaLog.class.getName());

    private final RegistryConfig config;
    private final SchemaView view;
    private final TopicPartition partition;
    private final Admin admin;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread materializer;
    private final Object writeLock = new Object();
    private final Object progress = new Object();
    /** The next offset the view will read: every record below it has been applied. */
    private long position;
    private RuntimeException failure;
    private volatile boolean closing;
    /** The retriable error the materializer is waiting out, if any (named by a request that times out). */
    private volatile RuntimeException lastRetried;
    private long lastWarned;
    /** Called with the try's number after each commit; tests make it fail as an ambiguous commit would. */
    volatile java.util.function.IntConsumer afterCommit = attempt -> { };
    /** Transactional producers made for writes so far (tests: a request answered from the view makes none). */
    private final java.util.concurrent.atomic.AtomicInteger producersMade = new java.util.concurrent.atomic.AtomicInteger();

    private SchemaLog(RegistryConfig config, SchemaView view) {
        this.config = config;
        this.view = view;
        this.partition = new TopicPartition(config.topic(), 0);
        this.admin = Admin.create(config.adminProperties());
        this.consumer = new KafkaConsumer<>(config.consumerProperties());
        this.materializer = Thread.ofPlatform().daemon().name("registry-materializer-" + config.topic()).unstarted(this::materialize);
    }

    /** Creates the topic if needed, starts materializing it into {@code view}, and returns once the view is current. */
    static SchemaLog open(RegistryConfig config, SchemaView view) {
        SchemaLog log = new SchemaLog(config, view);
        try {
            log.ensureTopic();
            log.consumer.assign(List.of(log.partition));
            log.consumer.seekToBeginning(List.of(log.partition));
            log.materializer.start();
            log.catchUp();
            return log;
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
    }

    /** Waits until the view holds every record committed to the topic so far. */
    void catchUp() {
        long end;
        try {
            end = admin.listOffsets(Map.of(partition, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .partitionResult(partition).get(config.timeout().toMillis(), TimeUnit.MILLISECONDS).offset();
        } catch (ExecutionException | TimeoutException e) {
            throw storeError("cannot read the end of " + config.topic(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw storeError("interrupted while reading the end of " + config.topic(), e);
        }
        awaitPosition(end);
    }

    /**
     * Runs one write: fence the other instances, catch up, plan from the view, commit, read back.
     * The plan may throw (a RegistryException refusing the request); nothing is written then.
     * A try that fails after its commit may have landed: the next one first looks whether the view
     * holds every record of a plan tried before, and answers that plan's result if so, rather
     * than plan again from a view the first try changed (a delete of "latest" would delete the
     * version before it too; a delete of version 3, answer that it was deleted already).
     *
     * First the plan is made once on the view, caught up, without the write lock or a producer:
     * a request it refuses, or one it needs nothing written for (a schema registered before), is
     * answered from there. Such requests come again and again (a serializer registering its
     * schema at every start, or after each refusal), and a write's producer fences the other
     * instances' writes under way. So a planner must not change anything: it may run more than once.
     */
    <T> T write(Function<SchemaView, Plan<T>> planner) {
        catchUp();
        Plan<T> answered;
        synchronized (view) { // one consistent view while it plans; the materializer waits
            answered = planner.apply(view);
        }
        if (answered.records().isEmpty()) {
            return answered.result();
        }
        checkSizes(answered.records());
        synchronized (writeLock) {
            List<Plan<T>> tried = new ArrayList<>();
            for (int attempt = 1; ; attempt++) {
                KafkaProducer<byte[], byte[]> producer = null;
                try {
                    producer = new KafkaProducer<>(config.producerProperties());
                    producersMade.incrementAndGet();
                    producer.initTransactions();
                    catchUp();
                    for (Plan<T> before : tried) {
                        if (before.records().stream().allMatch(view::holds)) {
                            return before.result();
                        }
                    }
                    Plan<T> plan = planner.apply(view);
                    if (plan.records().isEmpty()) {
                        return plan.result();
                    }
                    checkSizes(plan.records());
                    tried.add(plan);
                    producer.beginTransaction();
                    List<Future<RecordMetadata>> sent = new ArrayList<>();
                    for (StoredRecord record : plan.records()) {
                        sent.add(producer.send(new ProducerRecord<>(config.topic(), 0, StoredRecord.key(record), StoredRecord.value(record))));
                    }
                    producer.commitTransaction();
                    afterCommit.accept(attempt);
                    long last = -1;
                    for (Future<RecordMetadata> f : sent) {
                        last = Math.max(last, f.get().offset());
                    }
                    awaitPosition(last + 1);
                    return plan.result();
                } catch (KafkaException | ExecutionException e) {
                    // Fenced by another instance that initialized the shared writer after us, or
                    // another error of a transaction racing that fencing (Kafka may then answer
                    // EndTxn with an unexpected or invalid-state error). Either way the next
                    // initTransactions settles our transaction and the catch-up shows whether it
                    // landed, so start again from the top. Timeouts have waited long enough.
                    // Errors that another try would meet again (no right to the transactional id or
                    // the topic, a record the broker refuses) end it at once: each try fences the
                    // other instances' writes.
                    if (rootCause(e) instanceof org.apache.kafka.common.errors.TimeoutException || attempt >= MAX_WRITE_ATTEMPTS
                            || causedBy(e, org.apache.kafka.common.errors.AuthorizationException.class,
                                    org.apache.kafka.common.errors.RecordTooLargeException.class,
                                    org.apache.kafka.common.errors.RecordBatchTooLargeException.class,
                                    org.apache.kafka.common.InvalidRecordException.class)) {
                        throw storeError("cannot write to " + config.topic() + " (attempt " + attempt + ")", e);
                    }
                    backOff(attempt);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw storeError("interrupted while writing to " + config.topic(), e);
                } finally {
                    if (producer != null) {
                        // bounded: a plain close() waits for ever on a transaction the coordinator
                        // never settles (a broker restarted mid-write), holding the write lock
                        producer.close(config.timeout());
                    }
                }
            }
        }
    }

    /** Transactional producers made for writes so far. */
    int producersMade() {
        return producersMade.get();
    }

    /**
     * Refuses, before anything is sent, a record the producer could not send (over its
     * max.request.size): as a Kafka error it would poison the transaction and be retried as if
     * fenced, fencing the other instances at each try, for a request that can never succeed.
     */
    private void checkSizes(List<StoredRecord> records) {
        Object configured = config.producerProperties().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        long max = configured == null ? DEFAULT_MAX_REQUEST_BYTES : Long.parseLong(configured.toString());
        for (StoredRecord record : records) {
            long bytes = (long) StoredRecord.key(record).length + (StoredRecord.value(record) == null ? 0 : StoredRecord.value(record).length);
            if (bytes + RECORD_OVERHEAD_BYTES > max) {
                throw new RegistryException(422, RegistryException.INVALID_SCHEMA, "Invalid schema: it takes " + bytes
                        + " bytes as a record of " + config.topic() + ", more than the " + max + " one record may hold");
            }
        }
    }

    @SafeVarargs
    private static boolean causedBy(Throwable e, Class<? extends Throwable>... kinds) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<? extends Throwable> kind : kinds) {
                if (kind.isInstance(t)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static void backOff(int attempt) {
        try {
            // Random, so that two instances that keep fencing each other fall out of step.
            Thread.sleep(ThreadLocalRandom.current().nextLong(5, 20L * Math.min(attempt, 10)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw storeError("interrupted while retrying a write", e);
        }
    }

    /**
     * Refuses a request once the schemas topic can no longer be read (a record this registry
     * cannot decode, a right to read it withdrawn): the view is frozen, and answering from it
     * would keep this instance looking healthy while subjects change elsewhere. The answer names
     * the cause, and the readiness probe fails on it. (Lookups by id are still answered: an id
     * never changes what it names.) A restart reads the topic again, which helps once the right
     * is given back; a record that cannot be decoded needs an operator.
     */
    void checkReading() {
        synchronized (progress) {
            if (failure != null) {
                throw storeError("the schemas topic cannot be read, so this registry answers nothing but schemas by id until it is restarted", failure);
            }
        }
    }

    private void awaitPosition(long target) {
        long deadline = System.nanoTime() + config.timeout().toNanos();
        synchronized (progress) {
            while (position < target) {
                if (failure != null) {
                    throw storeError("the schemas topic cannot be read", failure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    RuntimeException retried = lastRetried;
                    throw new RegistryException(500, RegistryException.STORE_TIMEOUT, "timed out reading " + config.topic()
                            + " up to offset " + target + " (at " + position + ")"
                            + (retried == null ? "" : "; reading is waiting out: " + retried));
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(progress, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw storeError("interrupted while reading " + config.topic(), e);
                }
            }
        }
    }

    /** The materializer thread: applies every committed record in order and publishes its position. */
    private void materialize() {
        try {
            while (!closing) {
                try {
                    readOnce();
                    lastRetried = null;
                } catch (org.apache.kafka.common.errors.RetriableException e) {
                    // The broker away for longer than the client's timeout while the consumer needed
                    // it (its position unknown): the records are still there, so reading resumes
                    // when it is back. Requests wait meanwhile, up to their own timeout, and name
                    // this error when they time out; failing here would leave the registry refusing
                    // every request until restarted. Logged once a minute at most.
                    long now = System.nanoTime();
                    if (lastRetried == null || now - lastWarned > 60_000_000_000L) {
                        LOG.log(System.Logger.Level.WARNING, "schemas topic " + config.topic() + ": reading again after " + e);
                        lastWarned = now;
                    }
                    lastRetried = e;
                    pause();
                }
            }
        } catch (WakeupException e) {
            if (!closing) {
                fail(e);
            }
        } catch (RuntimeException e) {
            fail(e);
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    private static void pause() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WakeupException();
        }
    }

    /** One poll: applies the committed records it returns and publishes the position after them. */
    private void readOnce() {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            Optional<StoredRecord> stored;
            try {
                stored = StoredRecord.decode(record.key(), record.value());
            } catch (RuntimeException e) {
                if (StoredRecord.isSchemaKey(record.key())) {
                    throw e; // a version that cannot be read could hold an id: going on could reuse it
                }
                // a config (or unknown) record this registry cannot read, such as a level it does
                // not know: skipped, as Confluent's registry skips records it cannot deserialize,
                // instead of stopping every read and write for good
                LOG.log(System.Logger.Level.WARNING, "schemas topic " + config.topic() + " offset " + record.offset()
                        + ": skipped a record this registry cannot read: " + e.getMessage());
                continue;
            }
            stored.ifPresent(view::apply);
        }
        // Read after the poll: past the records applied and past any transaction markers.
        long next = consumer.position(partition);
        synchronized (progress) {
            position = next;
            progress.notifyAll();
        }
    }

    private void fail(RuntimeException e) {
        synchronized (progress) {
            failure = e;
            progress.notifyAll();
        }
    }

    /**
     * The schemas topic holds every schema ever registered: losing it would hand the same ids out
     * again for other schemas, and old records would then decode with the wrong one. So it is made
     * with as many replicas as the cluster allows up to three (Confluent's default) and writes need
     * all but one of them in sync, rather than the broker's defaults (often one replica).
     */
    static short replicasFor(int brokers) {
        return (short) Math.max(1, Math.min(3, brokers));
    }

    private void ensureTopic() {
        try {
            int brokers = admin.describeCluster().nodes().get(config.timeout().toMillis(), TimeUnit.MILLISECONDS).size();
            short replicas = replicasFor(brokers);
            // min.insync.replicas as the pipeline's topics get it: one fewer with three replicas or
            // more, else the broker's default (one fewer of two would weaken a broker set to two)
            Map<String, String> configs = new java.util.HashMap<>(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            dev.longhaul.pipeline.TopicsAdmin.minInsyncReplicas(replicas)
                    .ifPresent(n -> configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(n)));
            NewTopic topic = new NewTopic(config.topic(), 1, replicas).configs(configs);
            admin.createTopics(List.of(topic)).all().get(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw storeError("cannot create the schemas topic " + config.topic(), e);
            }
        } catch (TimeoutException e) {
            throw storeError("cannot create the schemas topic " + config.topic(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw storeError("interrupted while creating " + config.topic(), e);
        }
        TopicDescription description;
        try {
            // A topic just created may not be in the metadata yet: TopicsAdmin asks again for a while.
            description = dev.longhaul.pipeline.TopicsAdmin.describe(admin, config.topic(), config.timeout());
        } catch (ExecutionException e) {
            throw storeError("cannot describe the schemas topic " + config.topic(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw storeError("interrupted while describing " + config.topic(), e);
        }
        // One partition is what gives the log its single order; more would split the registry.
        if (description.partitions().size() != 1) {
            throw new IllegalStateException("the schemas topic " + config.topic() + " has " + description.partitions().size()
                    + " partitions; the registry needs exactly one");
        }        // Compaction is what keeps every schema for ever: under delete, retention would drop old
        // schemas, and a registry replaying the rest would hand their ids out again (Confluent's
        // registry refuses such a topic too).
        String policy;
        try {
            var resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, config.topic());
            policy = admin.describeConfigs(List.of(resource)).all().get(config.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .get(resource).get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
        } catch (ExecutionException | TimeoutException e) {
            throw storeError("cannot read the configuration of the schemas topic " + config.topic(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw storeError("interrupted while reading the configuration of " + config.topic(), e);
        }
        if (!TopicConfig.CLEANUP_POLICY_COMPACT.equals(policy)) {
            throw new IllegalStateException("the schemas topic " + config.topic() + " has cleanup.policy=" + policy
                    + "; the registry needs exactly compact, or retention would drop schemas and their ids would be reused");
        }
    }

    private static RegistryException storeError(String message, Throwable cause) {
        Throwable root = cause instanceof ExecutionException && cause.getCause() != null ? cause.getCause() : cause;
        return new RegistryException(500, RegistryException.STORE_ERROR, message + ": " + root);
    }

    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
        if (materializer.isAlive()) {
            try {
                materializer.join(config.timeout().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
        }
        admin.close(Duration.ofSeconds(5));
    }
}
