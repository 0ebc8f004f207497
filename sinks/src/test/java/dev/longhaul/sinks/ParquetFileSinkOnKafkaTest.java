/*
 * The Parquet file sink behind the runner on a real broker (embedded KRaft), read back with
 * parquet's reader: committed results reach the files and aborted ones never do, files rotate, and
 * a sink killed after a durable write but before its offset commit (its journal and half-built file
 * left on disk as a kill leaves them) resumes from the committed offsets on restart without writing
 * anything twice.
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.schemas.Topics;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetFileSinkOnKafkaTest {
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
     * A sink killed right after its n-th durable write: the runner sees a crash before it commits,
     * and the directory is left as a kill would leave it (the files as they were at that moment, not
     * as close() would have finished them).
     */
    static final class KilledAfterWrites implements ResultSink {
        private final ResultSink delegate;
        private final Path dir;
        private int writesLeft;
        private Map<Path, byte[]> atKill;

        KilledAfterWrites(ParquetFileSink delegate, Path dir, int writes) {
            this.delegate = delegate;
            this.dir = dir;
            this.writesLeft = writes;
        }

        @Override
        public int write(List<SinkResult> batch) throws Exception {
            int n = delegate.write(batch);
            if (--writesLeft == 0) {
                atKill = results();
                throw new TestResults.SimulatedCrash();
            }
            return n;
        }

        @Override
        public void close() throws Exception {
            delegate.close(); // releases the directory's lock, as the end of a killed process does
            if (atKill != null) {
                for (Path p : results().keySet()) {
                    Files.delete(p);
                }
                for (Map.Entry<Path, byte[]> f : atKill.entrySet()) {
                    Files.write(f.getKey(), f.getValue());
                }
            }
        }

        private Map<Path, byte[]> results() throws IOException {
            Map<Path, byte[]> files = new HashMap<>();
            try (Stream<Path> listing = Files.list(dir)) {
                for (Path p : listing.filter(TestResults::isResultsFile).toList()) {
                    files.put(p, Files.readAllBytes(p));
                }
            }
            return files;
        }
    }

    private List<GenericRecord> rows() {
        try {
            return ParquetFiles.rows(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Complete lines in the journals: results durable in files not yet published. */
    private long journalLines() throws IOException {
        long lines = 0;
        for (Path journal : ParquetFiles.named(dir, ParquetFileSink.JOURNAL)) {
            lines += Files.readString(journal).chars().filter(c -> c == '\n').count();
        }
        return lines;
    }

    private long rowsOf(List<Integer> jobs) {
        Set<String> ids = jobs.stream().map(TestResults::jobId).collect(Collectors.toSet());
        return rows().stream().filter(r -> ids.contains(r.get("jobId").toString())).count();
    }

    @Test
    void committedResultsAreWrittenOnceAcrossAKillAndAbortedOnesNever() throws Exception {
        Topics topics = TestResults.topics(kafka, "parquet-crash.");
        // Given: an aborted transaction first, then 30 jobs committed in three transactions.
        TestResults.produce(kafka, topics, List.of(900, 901, 902), false);
        for (int from = 0; from < 30; from += 10) {
            TestResults.produce(kafka, topics, IntStream.range(from, from + 10).boxed().toList(), true);
        }
        SinkConfig config = SinkConfig.defaults(kafka.bootstrapServers(), "parquet-crash-test").withNamespace(topics.namespace())
                .withBatch(7, Duration.ofMillis(200)).withRotation(2048, Duration.ofHours(1));

        // When: the first sink is killed right after its third durable write, before committing it.
        SinkRunner killed = new SinkRunner(config, topics, new KilledAfterWrites(new ParquetFileSink(dir, config), dir, 3));
        CompletableFuture<Void> first = TestResults.start(killed);
        ExecutionException crash = assertThrows(ExecutionException.class, first::get);
        assertInstanceOf(TestResults.SimulatedCrash.class, crash.getCause());
        assertFalse(ParquetFiles.named(dir, ParquetFileSink.JOURNAL).isEmpty(), "the kill left a journal behind");
        long durable = rows().size() + journalLines();
        assertTrue(durable > 0 && durable < 60, "the kill came mid-stream: " + durable + " results durable");

        // And a new sink starts on the same directory and group.
        SinkRunner restarted = new SinkRunner(config, topics, new ParquetFileSink(dir, config));
        CompletableFuture<Void> second = TestResults.start(restarted);
        TestResults.await(() -> restarted.written() == 60 - durable, "the other " + (60 - durable) + " results written");
        restarted.close();
        second.get();

        // Then: every committed result exactly once, nothing of the aborted transaction.
        List<GenericRecord> rows = rows();
        assertEquals(60, rows.size(), "no result twice, none lost");
        Set<SinkResult.Key> keys = new HashSet<>();
        rows.forEach(r -> keys.add(ParquetFiles.key(r)));
        assertEquals(60, keys.size());
        assertEquals(IntStream.range(0, 30).mapToObj(TestResults::jobId).collect(Collectors.toSet()),
                rows.stream().map(r -> r.get("jobId").toString()).collect(Collectors.toSet()));
        assertTrue(restarted.received() > restarted.written(),
                "the uncommitted batch was read again and skipped: received " + restarted.received() + ", new " + restarted.written());

        // And: files rotated at 2 KiB, closing finished the last one, and nothing half-done is left.
        assertTrue(ParquetFiles.named(dir, ParquetFileSink.SUFFIX).size() >= 2, "rotated");
        assertTrue(ParquetFiles.named(dir, ParquetFileSink.JOURNAL).isEmpty());
        assertTrue(ParquetFiles.named(dir, ParquetFileSink.IN_PROGRESS).isEmpty());
    }

    @Test
    void aCleanStopCommitsWhatWasWrittenSoARestartReadsNothingAgain() throws Exception {
        Topics topics = TestResults.topics(kafka, "parquet-clean-stop.");
        List<Integer> jobs = List.of(100, 101, 102, 103);
        TestResults.produce(kafka, topics, jobs, true);
        SinkConfig config = SinkConfig.defaults(kafka.bootstrapServers(), "parquet-clean-stop-test").withNamespace(topics.namespace())
                .withBatch(3, Duration.ofMillis(200));
        SinkRunner runner = new SinkRunner(config, topics, new ParquetFileSink(dir, config));
        CompletableFuture<Void> run = TestResults.start(runner);
        // Files are published only when they close, so wait on the runner's count, then stop it.
        TestResults.await(() -> runner.written() == 8, "jobs 100..103 written");
        runner.close();
        run.get();
        assertEquals(8, rowsOf(jobs));

        SinkRunner again = new SinkRunner(config, topics, new ParquetFileSink(dir, config));
        CompletableFuture<Void> rerun = TestResults.start(again);
        TestResults.produce(kafka, topics, List.of(104), true);
        TestResults.await(() -> again.written() == 2, "job 104 written");
        again.close();
        rerun.get();
        assertEquals(2, again.received(), "resumed after the committed offsets: only job 104's two results");
        assertEquals(10, rows().size());
        assertEquals(2, ParquetFiles.named(dir, ParquetFileSink.SUFFIX).size(), "one file per run");
    }
}
