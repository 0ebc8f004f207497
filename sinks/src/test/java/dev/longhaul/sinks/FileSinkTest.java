/*
 * The JSON Lines sink on its own, without a broker: the line format, idempotence across restarts
 * (keys recovered from the files), a torn tail left by a crash mid-append, rotation by size and by
 * age (on a clock turned by hand), and the one-sink-per-directory lock.
 */
package dev.longhaul.sinks;

import static dev.longhaul.sinks.TestResults.extraction;
import static dev.longhaul.sinks.TestResults.summary;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longhaul.schemas.Extraction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSinkTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SinkConfig CONFIG = SinkConfig.defaults("unused:9092", SinkConfig.FILES_GROUP);

    @TempDir
    Path dir;

    /** A clock the test turns by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static List<SinkResult> results(int fromJob, int toJob) {
        List<SinkResult> out = new ArrayList<>();
        for (int job = fromJob; job < toJob; job++) {
            out.add(SinkResult.of(summary(job)));
            out.add(SinkResult.of(extraction(job)));
        }
        return out;
    }

    private List<String> allLines() throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("results-")).sorted().toList()) {
                lines.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
            }
        }
        return lines;
    }

    private List<Path> files(String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void aLineHoldsTheResultWithTheExtractionParsed() throws Exception {
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            assertEquals(2, sink.write(results(7, 8)));
        }
        List<String> lines = allLines();
        assertEquals(2, lines.size());
        JsonNode s = JSON.readTree(lines.get(0));
        assertEquals("summary", s.get("kind").asText());
        assertEquals("job-0007", s.get("jobId").asText());
        assertEquals(0, s.get("taskIndex").asInt());
        assertEquals(summary(7).getText(), s.get("text").asText());
        assertEquals(summary(7).getDigest(), s.get("digest").asText(), "the extractive digest is kept beside the model's text");
        assertEquals(1007, s.at("/usage/promptTokens").asLong());
        assertEquals(0.5, s.at("/usage/documentShareRead").asDouble());
        assertEquals(775, s.at("/timings/endToEndMs").asLong());
        assertEquals("cpu", s.at("/model/backend").asText());
        JsonNode e = JSON.readTree(lines.get(1));
        assertEquals("extraction", e.get("kind").asText());
        assertEquals(1, e.get("taskIndex").asInt());
        assertTrue(e.get("json").isObject(), lines.get(1));
        assertEquals("Acme 7", e.at("/json/party").asText());
        assertEquals("party", e.at("/spans/0/label").asText());
        assertEquals("Acme 7", e.at("/analysis/facts/parties/0").asText(), "the analyzer's facts, parsed, which the spans point into");
        assertEquals(1, files(FileSink.SUFFIX).size(), "closing completes the file in progress");
    }

    @Test
    void jsonTheWorkerGotWrongIsKeptAsAString() throws Exception {
        Extraction broken = extraction(1);
        broken.setJson("{\"party\": ");
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            sink.write(List.of(SinkResult.of(broken)));
        }
        JsonNode e = JSON.readTree(allLines().getFirst());
        assertEquals("{\"party\": ", e.get("json").asText());
    }

    @Test
    void aJobIdUsedAgainUnderANewSubmissionIsWrittenAgainAndLinesFromBeforeSubmissionsStillRead() throws Exception {
        // given a line written before results named their submission
        ObjectNode old = ResultJson.node(SinkResult.of(summary(0)));
        old.remove("submissionId");
        Files.writeString(dir.resolve("results-00000000.jsonl"), ResultJson.write(old) + "\n");
        var again = summary(0);
        again.setSubmissionId("s2");
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            // when the old result is replayed and the id's new submission comes
            assertEquals(0, sink.write(List.of(SinkResult.of(summary(0)))), "a replay of the old result");
            assertEquals(1, sink.write(List.of(SinkResult.of(again))), "the new life's result");
        }
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            assertEquals(0, sink.write(List.of(SinkResult.of(again), SinkResult.of(summary(0)))), "both read back after a restart");
        }
        // then the lines say which life each is of
        List<String> lines = allLines();
        assertEquals(2, lines.size(), lines.toString());
        assertEquals("s2", JSON.readTree(lines.get(1)).path("submissionId").asText());
    }

    @Test
    void extractionJsonIsKeptExactlyOrKeptWholeAsAString() throws Exception {
        // given JSON with a decimal no double holds, one value followed by more text, and blank text
        List<String> texts = List.of("{\"amount\": 12345678901234567890.123456789}", "{\"a\": 1} {\"b\": 2}", "{\"a\": 1} junk", "  ");
        List<SinkResult> results = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            Extraction x = extraction(i);
            x.setJson(texts.get(i));
            results.add(SinkResult.of(x));
        }
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            sink.write(results);
        }
        List<String> lines = allLines();
        // then the decimal keeps every digit, and the rest are kept whole as strings, not cut or nulled
        assertTrue(lines.get(0).contains("\"json\":{\"amount\":12345678901234567890.123456789}"), lines.get(0));
        for (int i = 1; i < texts.size(); i++) {
            assertEquals(texts.get(i), JSON.readTree(lines.get(i)).get("json").textValue(), lines.get(i));
        }
    }

    @Test
    void jsonThatWouldNotReadBackFromItsLineIsKeptAsAStringAndACrashedFileRecoversWhole() throws Exception {
        // given JSON that parses but cannot be held or written back: an exponent past int range,
        // nesting at the parser's limit (one more level in the line), and a decimal that reads in
        // 1000 digits but is written back longer than a reader takes
        String digits = "1".repeat(996);
        List<String> texts = List.of("{\"total\": 1e99999999999}", "[".repeat(1000) + "]".repeat(1000), "{\"t\": " + digits + "e-1001}");
        List<SinkResult> results = new ArrayList<>();
        results.add(SinkResult.of(summary(0)));
        for (int i = 0; i < texts.size(); i++) {
            Extraction x = extraction(i + 1);
            x.setJson(texts.get(i));
            results.add(SinkResult.of(x));
        }
        results.add(SinkResult.of(summary(9)));
        Path copy = dir.resolveSibling(dir.getFileName() + "-crashed");
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            for (SinkResult r : results) {
                assertEquals(1, sink.write(List.of(r)), "one batch each, written and synced");
            }
            // what a kill -9 leaves: the file in progress as it is now, the sink never closed
            Files.createDirectories(copy);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(f -> !f.getFileName().toString().equals(".lock")).toList()) {
                    Files.copy(f, copy.resolve(f.getFileName()));
                }
            }
        }
        List<String> lines = allLines();
        for (int i = 0; i < texts.size(); i++) {
            assertEquals(texts.get(i), JSON.readTree(lines.get(i + 1)).get("json").textValue(), "kept whole as a string");
        }
        try (FileSink recovered = new FileSink(copy, CONFIG)) {
            assertEquals(results.size(), recovered.resultCount(), "every line written reads back after a crash");
        }
    }

    @Test
    void aRestartedSinkSkipsWhatTheFilesAlreadyHold() throws Exception {
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            assertEquals(20, sink.write(results(0, 10)));
            assertEquals(0, sink.write(results(0, 10)), "a replay in the same run");
        }
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            assertEquals(20, sink.resultCount(), "keys recovered from the files");
            assertEquals(10, sink.write(results(5, 15)), "only jobs 10..14 are new");
        }
        List<String> lines = allLines();
        assertEquals(30, lines.size());
        assertEquals(30, new HashSet<>(lines).size());
    }

    @Test
    void duplicatesWithinOneBatchAreWrittenOnce() throws Exception {
        List<SinkResult> twice = new ArrayList<>(results(0, 3));
        twice.addAll(results(0, 3));
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            assertEquals(6, sink.write(twice));
        }
        assertEquals(6, allLines().size());
    }

    @Test
    void aTornTailLeftByACrashIsCutAndItsResultWrittenOnceOnReplay() throws Exception {
        // What a crash mid-append leaves: two complete lines and half of a third, never fsynced,
        // so its offsets were never committed and the whole batch comes again.
        String complete = ResultJson.line(SinkResult.of(summary(1))) + "\n" + ResultJson.line(SinkResult.of(extraction(1))) + "\n";
        String torn = ResultJson.line(SinkResult.of(summary(2))).substring(0, 40);
        Files.writeString(dir.resolve("results-00000003.jsonl.inprogress"), complete + torn);
        recoversOnce();
    }

    @Test
    void aTailOfZerosAndPagesOutOfOrderLeftByACrashIsCutFromItsFirstLineThatIsNoResult() throws Exception {
        // What a power loss can leave after the last fsync where the size reached the disk before the
        // data: a page of zeros, then a later page (a whole line of the same batch) written back
        String complete = ResultJson.line(SinkResult.of(summary(1))) + "\n" + ResultJson.line(SinkResult.of(extraction(1))) + "\n";
        String zeros = "\0".repeat(300) + "\n";
        String later = ResultJson.line(SinkResult.of(extraction(2))) + "\n";
        Files.writeString(dir.resolve("results-00000003.jsonl.inprogress"), complete + zeros + later);
        recoversOnce();
    }

    @Test
    void aFileNameIsNeverUsedTwiceAlsoAfterFinishedFilesWereMovedAway() throws Exception {
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            sink.write(results(0, 2));
        }
        // a shipper moves the finished file away by its name
        Path shipped = Files.createDirectories(dir.resolveSibling(dir.getFileName() + "-shipped"));
        Files.move(dir.resolve("results-00000000.jsonl"), shipped.resolve("results-00000000.jsonl"));
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            assertEquals(2, sink.write(results(2, 3)));
        }
        assertEquals(List.of(dir.resolve("results-00000001.jsonl")), files(FileSink.SUFFIX),
                "a new name: copied by name, results-00000000.jsonl would replace the earlier file downstream");
        // and a directory whose record of numbers is not one is refused, not renumbered
        Files.writeString(dir.resolve(".next"), "x\n");
        IOException e = assertThrows(IOException.class, () -> new FileSink(dir, CONFIG));
        assertTrue(e.getMessage().contains(".next"), e.getMessage());
    }

    @Test
    void aLineWithBytesAfterItsJsonIsNoResultAndIsCutWithTheTail() throws Exception {
        // a power loss that left a page of zeros where a line's newline was, then a later fragment:
        // the line's JSON is whole, but the line is not one a reader can parse
        String complete = ResultJson.line(SinkResult.of(summary(1))) + "\n";
        String glued = ResultJson.line(SinkResult.of(extraction(1))) + "\0".repeat(300) + "ed\"}}\n";
        Files.writeString(dir.resolve("results-00000003.jsonl.inprogress"), complete + glued);
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            assertEquals(3, sink.write(results(1, 3)), "job 1's extraction was cut with the tail, and is written again");
            sink.confirmed();
        }
        List<String> lines = allLines();
        assertEquals(4, lines.size());
        for (String line : lines) {
            assertFalse(line.contains("\0"), "a published line holds what the crash left: " + line);
        }
    }

    @Test
    void aFinishedFileThatAnOlderSinkPublishedWithBytesAfterALinesJsonStillStarts() throws Exception {
        // published before lines had to end with their JSON: its keys are read, the sink starts
        String glued = ResultJson.line(SinkResult.of(extraction(1))) + "\0".repeat(30) + "ed\"}}\n";
        Files.writeString(dir.resolve("results-00000000.jsonl"), ResultJson.line(SinkResult.of(summary(1))) + "\n" + glued);
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            assertEquals(2, sink.resultCount());
            assertEquals(2, sink.write(results(1, 3)), "job 1's two results are there already");
        }
    }

    @Test
    void aFileInProgressIsHiddenFromReadersOfTheDirectoryAndRecoveredUnderItsHiddenName() throws Exception {
        // Spark, Hadoop and pyarrow read every file of a directory whose name starts with neither
        // '.' nor '_': a file in progress would be read half written
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            sink.write(results(0, 2));
            assertEquals(List.of(), visible(), "nothing finished yet, and nothing else to see");
            assertEquals(List.of(dir.resolve(".results-00000000.jsonl.inprogress")), files(FileSink.IN_PROGRESS));
        }
        assertEquals(List.of("results-00000000.jsonl"), visible());
        // and what a crash leaves under the hidden name is completed like an older sink's file
        String complete = ResultJson.line(SinkResult.of(summary(1))) + "\n" + ResultJson.line(SinkResult.of(extraction(1))) + "\n";
        Files.delete(dir.resolve("results-00000000.jsonl"));
        Files.writeString(dir.resolve(".results-00000003.jsonl.inprogress"), complete + "{\"torn");
        recoversOnce();
    }

    @Test
    void aFileInProgressWhoseFinishedNameIsTakenStopsTheSinkInsteadOfReplacingIt() throws Exception {
        // an older sink, run after a crash of this one, knows no hidden names and wrote file 3 itself
        String line = ResultJson.line(SinkResult.of(summary(1))) + "\n";
        Files.writeString(dir.resolve(".results-00000003.jsonl.inprogress"), line);
        Files.writeString(dir.resolve("results-00000003.jsonl"), ResultJson.line(SinkResult.of(summary(2))) + "\n");
        IOException e = assertThrows(IOException.class, () -> new FileSink(dir, CONFIG));
        assertTrue(e.getMessage().contains("both exist"), e.getMessage());
        assertEquals(List.of(ResultJson.line(SinkResult.of(summary(2)))), Files.readAllLines(dir.resolve("results-00000003.jsonl")),
                "left as it was");
    }

    /** The names a reader of the whole directory sees (Hadoop's and pyarrow's rule: no '.' or '_' first). */
    private List<String> visible() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".") && !n.startsWith("_")).sorted().toList();
        }
    }

    /**
     * After a crash left file 3 in progress with job 1 complete: a restart cuts the tail and holds
     * file 3, the batch of jobs 1 and 2 lands once (job 2 in file 4), and file 3 is finished when
     * the runner confirms every result is committed.
     */
    private void recoversOnce() throws Exception {
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            assertEquals(2, sink.write(results(1, 3)), "job 1 was complete; job 2's two results are new");
            assertEquals(List.of(), files(FileSink.SUFFIX), "held until confirmed");
            sink.confirmed();
        }
        List<String> lines = allLines();
        assertEquals(4, lines.size());
        for (String line : lines) {
            JSON.readTree(line); // each line is whole JSON
        }
        assertEquals(List.of(dir.resolve("results-00000003.jsonl"), dir.resolve("results-00000004.jsonl")), files(FileSink.SUFFIX),
                "the recovered file is finished when confirmed, and numbering goes on after it");
        assertTrue(files(FileSink.IN_PROGRESS).isEmpty());
    }

    @Test
    void aFileFullAfterAWriteIsFinishedOnlyAtTheTickAfterTheCommit() throws Exception {
        try (FileSink sink = new FileSink(dir, CONFIG.withRotation(1024, Duration.ofDays(1)))) {
            sink.write(results(0, 20)); // more than 1 KiB
            // a crash now, before the runner commits, must find the batch in the file in progress
            assertEquals(List.of(), files(FileSink.SUFFIX), "finished before its offsets were committed");
            sink.tick();
            assertEquals(1, files(FileSink.SUFFIX).size());
            assertTrue(files(FileSink.IN_PROGRESS).isEmpty());
        }
    }

    @Test
    void aSinkAbandonedAfterAFailedRunLeavesItsFileInProgressForTheNextStart() throws Exception {
        FileSink sink = new FileSink(dir, CONFIG);
        sink.write(results(0, 4));
        sink.abandon(); // the run failed before the batch's offsets were committed
        assertEquals(List.of(), files(FileSink.SUFFIX), "not published: the batch comes again");
        assertEquals(1, files(FileSink.IN_PROGRESS).size());
        try (FileSink next = new FileSink(dir, CONFIG)) {
            assertEquals(0, next.write(results(0, 4)), "the batch read again is there already");
            next.confirmed();
        }
        assertEquals(8, allLines().size());
    }

    @Test
    void aFileLeftInProgressIsHeldUntilConfirmedSoASecondFailureStillFindsItsBatch() throws Exception {
        // given a run that failed after writing a batch, before its offsets were committed
        FileSink first = new FileSink(dir, CONFIG);
        first.write(results(0, 4));
        first.abandon();
        // when the next start fails before it commits too (its replay found the batch already written)
        FileSink second = new FileSink(dir, CONFIG.withRotation(1024, Duration.ofDays(1))); // the file holds more
        assertEquals(0, second.write(results(0, 4)));
        second.tick(); // a file over the size limit: the held one is not finished by it
        assertEquals(List.of(), files(FileSink.SUFFIX), "published before the batch's offsets were committed");
        second.abandon();
        // then a shipper moving finished files away found nothing to move, and the third start still skips the batch
        try (FileSink third = new FileSink(dir, CONFIG)) {
            assertEquals(0, third.write(results(0, 4)), "the batch read a third time is there already");
            assertEquals(2, third.write(results(4, 5)), "new results go to a new file");
            third.confirmed();
            assertEquals(List.of(dir.resolve("results-00000000.jsonl")), files(FileSink.SUFFIX));
        }
        assertEquals(List.of(dir.resolve("results-00000000.jsonl"), dir.resolve("results-00000001.jsonl")), files(FileSink.SUFFIX));
        assertEquals(10, allLines().size());
    }

    @Test
    void aFileHeldAtTheRunnersWordTakesNoMoreWritesAndIsLeftInProgressByClose() throws Exception {
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            assertEquals(8, sink.write(results(0, 4)));
            sink.holdUntilConfirmed(); // a commit failed and its partitions were taken away
            assertEquals(2, sink.write(results(4, 5)), "written to a new file");
            assertEquals(1, sink.held().size());
        }
        assertEquals(List.of(dir.resolve("results-00000001.jsonl")), files(FileSink.SUFFIX), "close finishes what it may");
        assertEquals(List.of(dir.resolve(".results-00000000.jsonl.inprogress")), files(FileSink.IN_PROGRESS));
        try (FileSink next = new FileSink(dir, CONFIG)) {
            assertEquals(10, next.resultCount());
            next.confirmed();
        }
        assertEquals(10, allLines().size());
    }

    @Test
    void filesRotateOnceTheyReachTheSizeLimit() throws Exception {
        SinkConfig small = CONFIG.withRotation(2048, Duration.ofDays(1));
        try (FileSink sink = new FileSink(dir, small)) {
            for (int job = 0; job < 40; job += 2) {
                sink.write(results(job, job + 2));
                sink.tick(); // as the runner calls it, after the commit
            }
            List<Path> completed = files(FileSink.SUFFIX);
            assertTrue(completed.size() >= 3, "rotated files: " + completed);
            for (Path f : completed) {
                assertTrue(Files.size(f) >= 2048, f + " was rotated before reaching the limit");
            }
        }
        assertEquals(80, allLines().size());
        assertEquals(80, new HashSet<>(allLines()).size());
    }

    @Test
    void aFileOpenLongerThanTheAgeLimitIsRotatedEvenWithoutNewResults() throws Exception {
        ManualClock clock = new ManualClock();
        try (FileSink sink = new FileSink(dir, CONFIG.withRotation(1 << 20, Duration.ofMinutes(5)), clock)) {
            sink.write(results(0, 1));
            clock.now = clock.now.plus(Duration.ofMinutes(4));
            sink.tick();
            assertEquals(1, files(FileSink.IN_PROGRESS).size(), "four minutes: still open");
            assertTrue(files(FileSink.SUFFIX).isEmpty());

            clock.now = clock.now.plus(Duration.ofMinutes(1));
            sink.tick();
            assertTrue(files(FileSink.IN_PROGRESS).isEmpty(), "five minutes: rotated");
            assertEquals(1, files(FileSink.SUFFIX).size());

            sink.write(results(1, 2));
            assertEquals(1, files(FileSink.IN_PROGRESS).size(), "the next result opens a new file");
        }
        assertEquals(2, files(FileSink.SUFFIX).size());
    }

    @Test
    void aDirectoryBelongsToTheConsumerGroupThatFirstWroteIt() throws Exception {
        try (FileSink first = new FileSink(dir, CONFIG)) {
            first.write(results(0, 1));
        }
        SinkConfig other = SinkConfig.defaults("unused:9092", "another-files-group");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new FileSink(dir, other));
        assertTrue(e.getMessage().contains("consumer group " + SinkConfig.FILES_GROUP), e.getMessage());
        // and a fresh directory belongs to the group that uses it first
        java.nio.file.Path second = dir.resolve("second");
        new FileSink(second, other).close();
        assertThrows(IllegalStateException.class, () -> new FileSink(second, CONFIG));
        try (FileSink again = new FileSink(dir, CONFIG)) {
            assertEquals(2, again.resultCount(), "its own group still writes there");
        }
    }

    @Test
    void aSecondSinkOnTheSameDirectoryIsRefused() throws Exception {
        try (FileSink first = new FileSink(dir, CONFIG)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new FileSink(dir, CONFIG));
            assertTrue(e.getMessage().contains("another file sink"), e.getMessage());
            first.write(results(0, 1));
        }
        try (FileSink again = new FileSink(dir, CONFIG)) {
            assertEquals(2, again.resultCount(), "the lock is released on close");
        }
    }

    @Test
    void aDirectoryOfParquetResultsIsRefused() throws Exception {
        Files.writeString(dir.resolve("results-00000000.parquet.journal"), ResultJson.line(SinkResult.of(summary(0))) + "\n");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new FileSink(dir, CONFIG));
        assertTrue(e.getMessage().contains("Parquet"), e.getMessage());
        Files.delete(dir.resolve("results-00000000.parquet.journal"));
        try (FileSink sink = new FileSink(dir, CONFIG)) {
            assertEquals(0, sink.resultCount(), "the refusal released the lock");
        }
    }

    @Test
    void aCorruptCompletedFileStopsTheSinkInsteadOfBeingRewritten() throws Exception {
        Files.writeString(dir.resolve("results-00000000.jsonl"), "{\"jobId\":\"j\",\"taskIndex\":0}\nnot json\n");
        IOException e = assertThrows(IOException.class, () -> new FileSink(dir, CONFIG));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        IOException again = assertThrows(IOException.class, () -> new FileSink(dir, CONFIG));
        assertTrue(again.getMessage().contains("line 2"), "the failed start released the lock: " + again.getMessage());
    }
}
