/*
 * The file sink behind the runner on a real broker (embedded KRaft): results written in worker-like
 * transactions reach the files, an aborted transaction never does, files rotate, and a sink that
 * crashes after a durable write but before its offset commit resumes from the committed offsets on
 * restart without writing anything twice.
 */
package dev.longhaul.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.schemas.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSinkOnKafkaTest {
    private static EmbeddedKafka kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /**
     * Every line of every results file, finished or in progress. A running sink may rename the file
     * in progress between listing and reading; then the directory is read again.
     */
    private List<String> lines() {
        while (true) {
            List<String> lines = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(TestResults::isResultsFile).sorted().toList()) {
                    lines.addAll(Files.readAllLines(f));
                }
                return lines;
            } catch (NoSuchFileException e) {
                // renamed while we read: list again
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Lines of the results files in another directory (none while the sink there has not finished one). */
    private static long linesIn(Path other) {
        try (Stream<Path> files = Files.list(other)) {
            long n = 0;
            for (Path f : files.filter(TestResults::isResultsFile).toList()) {
                n += Files.readAllLines(f).size();
            }
            return n;
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private long linesOf(List<Integer> jobs) {
        return lines().stream().filter(l -> jobs.stream().anyMatch(j -> l.contains(TestResults.jobId(j)))).count();
    }

    private Set<String> jobIds() throws IOException {
        Set<String> ids = new HashSet<>();
        for (String line : lines()) {
            ids.add(ResultJson.key(line).jobId());
        }
        return ids;
    }

    @Test
    void committedResultsAreWrittenOnceAcrossACrashAndAbortedOnesNever() throws Exception {
        Topics topics = TestResults.topics(kafka, "crash.");
        // Given: an aborted transaction first (so that by the time the later, committed results are
        // in the files, the sink has read past it), then 30 jobs committed in three transactions.
        TestResults.produce(kafka, topics, List.of(900, 901, 902), false);
        for (int from = 0; from < 30; from += 10) {
            TestResults.produce(kafka, topics, IntStream.range(from, from + 10).boxed().toList(), true);
        }
        SinkConfig config = SinkConfig.defaults(kafka.bootstrapServers(), "files-crash-test").withNamespace(topics.namespace())
                .withBatch(7, Duration.ofMillis(200)).withRotation(4096, Duration.ofHours(1));

        // When: the first sink crashes right after its second durable write, before committing it.
        SinkRunner crashing = new SinkRunner(config, topics, new TestResults.CrashAfterWrites(new FileSink(dir, config), 2));
        CompletableFuture<Void> first = TestResults.start(crashing);
        ExecutionException crash = assertThrows(ExecutionException.class, first::get);
        assertInstanceOf(TestResults.SimulatedCrash.class, crash.getCause());
        int beforeRestart = lines().size();
        assertTrue(beforeRestart > 0 && beforeRestart < 60, "the crash came mid-stream: " + beforeRestart + " lines");

        // And a new sink starts on the same directory and group.
        SinkRunner restarted = new SinkRunner(config, topics, new FileSink(dir, config));
        CompletableFuture<Void> second = TestResults.start(restarted);
        TestResults.await(() -> lines().size() >= 60, "all 60 results in the files");
        restarted.close();
        second.get();

        // Then: every committed result exactly once, nothing of the aborted transaction.
        List<String> lines = lines();
        assertEquals(60, lines.size(), "no result twice");
        Set<SinkResult.Key> keys = new HashSet<>();
        for (String line : lines) {
            keys.add(ResultJson.key(line));
        }
        assertEquals(60, keys.size());
        assertEquals(IntStream.range(0, 30).mapToObj(TestResults::jobId).collect(java.util.stream.Collectors.toSet()), jobIds());
        assertTrue(restarted.received() > restarted.written(),
                "the uncommitted batch was read again and skipped: received " + restarted.received() + ", new " + restarted.written());
        assertEquals(60 - beforeRestart, restarted.written());

        // And: files rotated at 4 KiB, and closing completed the last one.
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.filter(TestResults::isResultsFile).map(p -> p.getFileName().toString()).toList();
            assertTrue(names.size() >= 2, "rotated: " + names);
            assertFalse(names.stream().anyMatch(n -> n.endsWith(FileSink.IN_PROGRESS)), names.toString());
        }
    }

    @Test
    void aFileACrashLeftIsPublishedOnlyOnceTheRestartedRunnerHasCommittedItsBatch() throws Exception {
        Topics topics = TestResults.topics(kafka, "held.");
        TestResults.produce(kafka, topics, IntStream.range(0, 10).boxed().toList(), true);
        String group = "files-held-test";
        SinkConfig config = SinkConfig.defaults(kafka.bootstrapServers(), group).withNamespace(topics.namespace())
                .withBatch(7, Duration.ofMillis(200)).withRotation(1024, Duration.ofHours(1));
        // given a run that crashed right after its first durable write, before committing it
        SinkRunner crashing = new SinkRunner(config, topics, new TestResults.CrashAfterWrites(new FileSink(dir, config), 1));
        assertThrows(ExecutionException.class, TestResults.start(crashing)::get);

        // when a new run starts on the directory, and each time it confirms what it held, the group's
        // offsets are looked at
        List<String> early = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger confirmations = new java.util.concurrent.atomic.AtomicInteger();
        FileSink files = new FileSink(dir, config);
        assertEquals(1, files.held().size(), "the crash's file is held");
        ResultSink watched = new TestResults.Forwarding(files) {
            @Override
            public void confirmed() throws Exception {
                confirmations.incrementAndGet();
                try (var admin = org.apache.kafka.clients.admin.Admin.create(java.util.Map.<String, Object>of("bootstrap.servers",
                        kafka.bootstrapServers()))) {
                    var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                    var latest = new java.util.HashMap<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec>();
                    for (String t : List.of(topics.summaries.name(), topics.extractions.name())) {
                        for (int p = 0; p < 2; p++) {
                            latest.put(new org.apache.kafka.common.TopicPartition(t, p), org.apache.kafka.clients.admin.OffsetSpec.latest());
                        }
                    }
                    var ends = admin.listOffsets(latest, new org.apache.kafka.clients.admin.ListOffsetsOptions(
                            org.apache.kafka.common.IsolationLevel.READ_COMMITTED)).all().get();
                    ends.forEach((tp, end) -> {
                        var c = committed.get(tp);
                        // the last offset is the transaction's marker, which a commit after the last record stops short of
                        if (end.offset() > 1 && (c == null || c.offset() < end.offset() - 1)) {
                            early.add(tp + " committed " + (c == null ? "nothing" : c.offset()) + " of " + end.offset());
                        }
                    });
                }
                super.confirmed();
            }
        };
        SinkRunner restarted = new SinkRunner(config, topics, watched);
        CompletableFuture<Void> second = TestResults.start(restarted);
        TestResults.await(() -> lines().size() >= 20 && confirmations.get() > 0, "all 20 results in, and the held file confirmed");
        restarted.close();
        second.get();

        // then the held file was published only once every partition was read and committed again
        assertEquals(List.of(), early, "confirmed before the crash's batch was committed again");
        assertEquals(20, lines().size(), "no result twice");
    }

    @Test
    void aRunnerClosedBeforeItRanCanBeClosedAgain() throws Exception {
        Topics topics = TestResults.topics(kafka, "closed-early.");
        SinkConfig config = SinkConfig.defaults(kafka.bootstrapServers(), "closed-early-sink").withNamespace(topics.namespace());
        SinkRunner runner = new SinkRunner(config, topics, new FileSink(dir, config));
        runner.close();
        runner.run(); // returns at once: it was closed
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10), runner::close,
                "a second close (say a shutdown hook after a programmatic close) returns");
    }

    @Test
    void aCleanStopCommitsWhatWasWrittenSoARestartReadsNothingAgain() throws Exception {
        Topics topics = TestResults.topics(kafka, "clean-stop.");
        List<Integer> jobs = List.of(100, 101, 102, 103);
        TestResults.produce(kafka, topics, jobs, true);
        SinkConfig config = SinkConfig.defaults(kafka.bootstrapServers(), "files-clean-stop-test").withNamespace(topics.namespace()).withBatch(3, Duration.ofMillis(200));
        SinkRunner runner = new SinkRunner(config, topics, new FileSink(dir, config));
        CompletableFuture<Void> run = TestResults.start(runner);
        // Wait for all four jobs, on every partition, so that nothing is left unread when it stops.
        TestResults.await(() -> linesOf(jobs) == 8, "jobs 100..103 written");
        runner.close();
        run.get();
        int linesBefore = lines().size();

        SinkRunner again = new SinkRunner(config, topics, new FileSink(dir, config));
        CompletableFuture<Void> rerun = TestResults.start(again);
        TestResults.produce(kafka, topics, List.of(104), true);
        TestResults.await(() -> linesOf(List.of(104)) == 2, "job 104 written");
        again.close();
        rerun.get();
        assertEquals(2, again.received(), "resumed after the committed offsets: only job 104's two results");
        assertEquals(linesBefore + 2, lines().size());
    }

    @Test
    void aSecondDirectoryUnderTheSameGroupIsRefusedAndTheFirstResumes() throws Exception {
        Topics topics = TestResults.topics(kafka, "two-dirs.");
        TestResults.produce(kafka, topics, List.of(500, 501, 502, 503), true);
        SinkConfig config = SinkConfig.defaults(kafka.bootstrapServers(), "files-two-dirs-test").withNamespace(topics.namespace())
                .withBatch(10, Duration.ofMillis(200));
        SinkRunner first = new SinkRunner(config, topics, new FileSink(dir, config));
        CompletableFuture<Void> run = TestResults.start(first);
        TestResults.await(() -> linesOf(List.of(500, 501, 502, 503)) == 8, "jobs 500..503 written");
        first.close();
        run.get();

        // a new, empty directory on the same group would start after results it does not hold
        Path other = dir.resolveSibling(dir.getFileName() + "-other");
        SinkRunner second = new SinkRunner(config, topics, new FileSink(other, config));
        var failure = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                () -> TestResults.start(second).get(90, java.util.concurrent.TimeUnit.SECONDS));
        String message = String.valueOf(failure.getCause().getMessage());
        assertTrue(message.contains("another destination") && message.contains("--group"), message);
        try (Stream<Path> files = Files.list(other)) {
            assertTrue(files.noneMatch(TestResults::isResultsFile), "nothing written there");
        }

        // the directory that holds them goes on where it stopped
        SinkRunner again = new SinkRunner(config, topics, new FileSink(dir, config));
        CompletableFuture<Void> rerun = TestResults.start(again);
        TestResults.produce(kafka, topics, List.of(504), true);
        TestResults.await(() -> linesOf(List.of(504)) == 2, "job 504 written");
        again.close();
        rerun.get();
        assertEquals(2, again.received());
    }

    @Test
    void twoNewDirectoriesStartedTogetherOnOneGroupNeverSplitTheResults() throws Exception {
        // given two sinks on new directories under one group, started together before either
        // committed (two replicas of one deployment, say): no stamp tells them apart yet
        Topics topics = TestResults.topics(kafka, "replicas.");
        List<Integer> jobs = IntStream.range(600, 620).boxed().toList();
        TestResults.produce(kafka, topics, jobs, true);
        SinkConfig config = SinkConfig.defaults(kafka.bootstrapServers(), "files-replicas-test").withNamespace(topics.namespace())
                .withBatch(10, Duration.ofMillis(200)).withClientOverrides(java.util.Map.of("session.timeout.ms", "6000"));
        Path other = dir.resolveSibling(dir.getFileName() + "-replica");
        SinkRunner a = new SinkRunner(config, topics, new FileSink(dir, config));
        SinkRunner b = new SinkRunner(config, topics, new FileSink(other, config));
        CompletableFuture<Void> runA = TestResults.start(a);
        CompletableFuture<Void> runB = TestResults.start(b);
        // then one at least stops, saying the group splits them (or that the other's stamp is on the offsets)
        TestResults.await(() -> runA.isDone() || runB.isDone(), "a sink refused to hold part of the results");
        // the survivor, if any, takes every partition and writes them all
        TestResults.await(() -> (runA.isDone() && runB.isDone()) || linesOf(jobs) == 2L * jobs.size()
                || linesIn(other) == 2L * jobs.size(), "both refused, or one holds every result");
        a.close();
        b.close();
        int failed = 0;
        for (CompletableFuture<Void> run : List.of(runA, runB)) {
            try {
                run.get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                failed++;
                // split partitions, or (when one got every partition and committed first) the other's stamp
                String message = String.valueOf(e.getCause().getMessage());
                assertTrue(message.contains("split the result partitions") || message.contains("another destination"),
                        e.getCause().toString());
            }
        }
        assertTrue(failed >= 1);
        // and no directory holds part of the results: each has all of them or none
        long inA = linesOf(jobs);
        long inB = linesIn(other);
        assertTrue((inA == 0 || inA == 2L * jobs.size()) && (inB == 0 || inB == 2L * jobs.size()) && inA + inB <= 2L * jobs.size(),
                "results split: " + inA + " in one directory, " + inB + " in the other");
    }

    @Test
    void aResultThatDoesNotDecodeIsDeadLetteredAndTheResultsBehindItAreWritten() throws Exception {
        Topics topics = TestResults.topics(kafka, "poison.");
        kafka.createTopic(topics.deadLetters.name(), 1, Topics.DELETE);
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(
                java.util.Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
                new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (int p = 0; p < 2; p++) { // one on each partition, ahead of the good results
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topics.summaries.name(), p,
                        "job-poison".getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[] {7, 7, 7})).get();
            }
        }
        TestResults.produce(kafka, topics, List.of(300, 301), true);
        SinkConfig config = SinkConfig.defaults(kafka.bootstrapServers(), "files-poison-test").withNamespace(topics.namespace())
                .withBatch(10, Duration.ofMillis(200));
        SinkRunner runner = new SinkRunner(config, topics, new FileSink(dir, config));
        CompletableFuture<Void> run = TestResults.start(runner);
        TestResults.await(() -> linesOf(List.of(300, 301)) == 4, "jobs 300 and 301 written past the bad records");
        runner.close();
        run.get();
        assertEquals(2, runner.deadLettered());
        var letters = new java.util.ArrayList<dev.longhaul.schemas.DeadLetter>();
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(java.util.Map.<String, Object>of(
                "bootstrap.servers", kafka.bootstrapServers(), "auto.offset.reset", "earliest", "group.id", "poison-reader"),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.deadLetters.name()));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (letters.size() < 2 && System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    letters.add(topics.deadLetters.values().deserializer().deserialize(r.topic(), r.value()));
                }
            }
        }
        assertEquals(2, letters.size());
        for (var letter : letters) {
            assertEquals(topics.summaries.name(), letter.getOriginalTopic());
            assertEquals("NOT_AVRO", letter.getReasonCode(), letter.getDetail());
            assertEquals(3, letter.getValue().remaining(), "the original bytes");
        }
    }

    @Test
    void aResultOfANewerSchemaStopsTheSinkInsteadOfBeingDeadLetteredAndSkipped() throws Exception {
        // given a summary written by upgraded workers whose schema widened taskIndex to a long (the
        // registry takes it as BACKWARD; this sink reads int and cannot), then ordinary results
        var registry = new dev.longhaul.schemas.wire.InMemorySchemaRegistry();
        Topics topics = TestResults.topics(kafka, "newer.", registry);
        kafka.createTopic(topics.deadLetters.name(), 1, Topics.DELETE);
        byte[] bytes = topics.summaries.values().serializer().serialize(topics.summaries.name(), TestResults.summary(400));
        org.apache.avro.Schema wider = new org.apache.avro.Schema.Parser().parse(dev.longhaul.schemas.Summary.getClassSchema().toString()
                .replace("\"name\":\"taskIndex\",\"type\":\"int\"", "\"name\":\"taskIndex\",\"type\":\"long\""));
        assertTrue(!wider.toString().equals(dev.longhaul.schemas.Summary.getClassSchema().toString()), "the schema was widened");
        int id = registry.register(topics.summaries.name() + "-value", wider);
        java.nio.ByteBuffer.wrap(bytes).putInt(1, id); // an int and a long share Avro's encoding
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(
                java.util.Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
                new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (int p = 0; p < 2; p++) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topics.summaries.name(), p,
                        TestResults.jobId(400).getBytes(java.nio.charset.StandardCharsets.UTF_8), bytes)).get();
            }
        }
        TestResults.produce(kafka, topics, List.of(401), true);
        SinkConfig config = SinkConfig.defaults(kafka.bootstrapServers(), "files-newer-test").withNamespace(topics.namespace())
                .withBatch(10, Duration.ofMillis(200));
        // when a sink of this version reads them, then it stops saying why, dead-lettering nothing
        for (int run = 0; run < 2; run++) { // and a restart meets the same result again: it was not committed past
            SinkRunner runner = new SinkRunner(config, topics, new FileSink(dir, config));
            var failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> TestResults.start(runner).get(90, java.util.concurrent.TimeUnit.SECONDS));
            String message = String.valueOf(failure.getCause().getMessage());
            assertTrue(message.contains("newer schema") && message.contains("upgrade the sink"), message);
            assertEquals(0, runner.deadLettered());
        }
        assertEquals(0, linesOf(List.of(400)));
    }

    @Test
    void aDeadLetterTheBrokerRefusesFailsTheRunAndCommitsNothingPastTheBadRecord() throws Exception {
        // given a dead-letters topic that refuses every record (larger than its max.message.bytes)
        Topics topics = TestResults.topics(kafka, "refused.");
        kafka.createTopic(topics.deadLetters.name(), 1, java.util.Map.of("max.message.bytes", "16"));
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(
                java.util.Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
                new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topics.summaries.name(), 0,
                    "job-poison".getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[] {7, 7, 7})).get();
        }
        TestResults.produce(kafka, topics, List.of(400, 401), true);
        SinkConfig config = SinkConfig.defaults(kafka.bootstrapServers(), "files-refused-test").withNamespace(topics.namespace())
                .withBatch(10, Duration.ofMillis(200));
        SinkRunner runner = new SinkRunner(config, topics, new FileSink(dir, config));
        // when the sink reads the bad record
        var failure = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                () -> TestResults.start(runner).get(90, java.util.concurrent.TimeUnit.SECONDS));
        // then the run fails saying why, and the bad record's partition has no offset committed past it
        assertTrue(failure.getCause().getMessage().contains("cannot write to " + topics.deadLetters.name()), failure.getCause().getMessage());
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(java.util.Map.<String, Object>of(
                "bootstrap.servers", kafka.bootstrapServers(), "group.id", "files-refused-test"),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var partition = new org.apache.kafka.common.TopicPartition(topics.summaries.name(), 0);
            var committed = consumer.committed(java.util.Set.of(partition)).get(partition);
            assertTrue(committed == null || committed.offset() == 0, "committed past the bad record: " + committed);
        }
    }
}
