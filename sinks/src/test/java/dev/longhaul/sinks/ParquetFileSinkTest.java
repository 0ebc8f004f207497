/*
 * The Parquet sink on its own, without a broker: the columns read back with parquet's reader,
 * idempotence across restarts (keys recovered from the finished files), what a crash leaves (a
 * journal with a torn tail, a half-built file, a journal whose file was already published), rotation
 * by size and by age (on a clock turned by hand), and the directory rules (one sink, no JSONL files).
 */
package dev.longhaul.sinks;

import static dev.longhaul.sinks.TestResults.extraction;
import static dev.longhaul.sinks.TestResults.summary;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.schemas.Extraction;
import dev.longhaul.schemas.Summary;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetFileSinkTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SinkConfig CONFIG = SinkConfig.defaults("unused:9092", SinkConfig.PARQUET_FILES_GROUP);

    @TempDir
    Path dir;

    private static List<SinkResult> results(int fromJob, int toJob) {
        List<SinkResult> out = new ArrayList<>();
        for (int job = fromJob; job < toJob; job++) {
            out.add(SinkResult.of(summary(job)));
            out.add(SinkResult.of(extraction(job)));
        }
        return out;
    }

    private Set<SinkResult.Key> keys() throws IOException {
        Set<SinkResult.Key> keys = new HashSet<>();
        for (GenericRecord row : ParquetFiles.rows(dir)) {
            assertTrue(keys.add(ParquetFiles.key(row)), "written twice: " + ParquetFiles.key(row));
        }
        return keys;
    }

    /** What a crash of an older sink (unhidden names) leaves of file n: a journal of the given lines, then tornTail. */
    private void journal(int n, List<SinkResult> results, String tornTail) throws IOException {
        journal("results-%08d.parquet.journal".formatted(n), results, tornTail);
    }

    private void journal(String name, List<SinkResult> results, String tornTail) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (SinkResult r : results) {
            lines.append(ResultJson.line(r)).append('\n');
        }
        Files.writeString(dir.resolve(name), lines + tornTail);
    }

    /** The names a reader of the whole directory sees (Hadoop's and pyarrow's rule: no '.' or '_' first). */
    private List<String> visible() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".") && !n.startsWith("_")).sorted().toList();
        }
    }

    @Test
    void theFileInProgressAndItsJournalAreHiddenFromReadersOfTheDirectory() throws Exception {
        // Spark and pyarrow read every file of a directory whose name starts with neither '.' nor
        // '_', and fail on a journal or a Parquet file without its footer
        try (ParquetFileSink sink = new ParquetFileSink(dir, CONFIG)) {
            sink.write(results(0, 2));
            assertEquals(List.of(), visible(), "nothing finished yet, and nothing else to see");
            assertEquals(List.of(dir.resolve(".results-00000000.parquet.journal")), ParquetFiles.named(dir, ParquetFileSink.JOURNAL));
            assertEquals(List.of(dir.resolve(".results-00000000.parquet.inprogress")),
                    ParquetFiles.named(dir, ParquetFileSink.IN_PROGRESS));
        }
        assertEquals(List.of("results-00000000.parquet"), visible());
        // what a crash leaves under the hidden names is completed as an older sink's files are
        Files.delete(dir.resolve("results-00000000.parquet"));
        journal(".results-00000004.parquet.journal", results(1, 3), ResultJson.line(SinkResult.of(summary(3))).substring(0, 40));
        recoversJournalOnce(".results-00000004.parquet.inprogress");
    }

    @Test
    void aRowHoldsTheResultsFieldsInColumns() throws Exception {
        Summary s = summary(7);
        Extraction e = extraction(7);
        try (ParquetFileSink sink = new ParquetFileSink(dir, CONFIG)) {
            assertEquals(2, sink.write(List.of(SinkResult.of(s), SinkResult.of(e))));
        }
        List<GenericRecord> rows = ParquetFiles.rows(dir);
        assertEquals(2, rows.size());
        GenericRecord sr = rows.get(0);
        assertEquals("summary", sr.get("kind").toString());
        assertEquals(s.getJobId(), sr.get("jobId").toString());
        assertEquals(s.getTaskIndex(), sr.get("taskIndex"));
        assertEquals(s.getText(), sr.get("text").toString());
        assertEquals(s.getDigest(), sr.get("digest").toString());
        assertNull(sr.get("json"));
        assertNull(sr.get("analysis"));
        assertNull(sr.get("spans"), "a summary has no spans");
        assertEquals(s.getUsage().getPromptTokens(), sr.get("promptTokens"));
        assertEquals(s.getUsage().getOutputTokens(), sr.get("outputTokens"));
        assertEquals(s.getUsage().getDocumentTokens(), sr.get("documentTokens"));
        assertEquals(s.getUsage().getDocumentShareRead(), sr.get("documentShareRead"));
        assertEquals(s.getTimings().getQueuedMs(), sr.get("queuedMs"));
        assertEquals(s.getTimings().getRunningMs(), sr.get("runningMs"));
        assertEquals(s.getTimings().getEndToEndMs(), sr.get("endToEndMs"));
        assertEquals(s.getModel().getName(), sr.get("modelName").toString());
        assertEquals(s.getModel().getBackend(), sr.get("modelBackend").toString());
        assertEquals(s.getModel().getWeightsDtype(), sr.get("modelWeightsDtype").toString());

        GenericRecord er = rows.get(1);
        assertEquals("extraction", er.get("kind").toString());
        assertEquals(e.getTaskIndex(), er.get("taskIndex"));
        assertNull(er.get("text"));
        assertEquals(JSON.readTree(e.getJson()), JSON.readTree(er.get("json").toString()));
        assertEquals(JSON.readTree(e.getAnalysis()), JSON.readTree(er.get("analysis").toString()));
        assertNull(er.get("digest"));
        List<?> spans = (List<?>) er.get("spans");
        assertEquals(e.getSpans().size(), spans.size());
        GenericRecord span = (GenericRecord) spans.getFirst();
        assertEquals(e.getSpans().getFirst().getStart(), span.get("start"));
        assertEquals(e.getSpans().getFirst().getEnd(), span.get("end"));
        assertEquals(e.getSpans().getFirst().getLabel(), span.get("label").toString());
        assertEquals(1, ParquetFiles.named(dir, ParquetFileSink.SUFFIX).size(), "closing finishes the file");
        assertTrue(ParquetFiles.named(dir, ParquetFileSink.JOURNAL).isEmpty(), "and drops its journal");
    }

    @Test
    void jsonTheWorkerGotWrongIsKeptAsItsText() throws Exception {
        Extraction broken = extraction(1);
        broken.setJson("{\"party\": ");
        try (ParquetFileSink sink = new ParquetFileSink(dir, CONFIG)) {
            sink.write(List.of(SinkResult.of(broken)));
        }
        assertEquals("{\"party\": ", ParquetFiles.rows(dir).getFirst().get("json").toString());
    }

    @Test
    void aJobIdUsedAgainUnderANewSubmissionIsWrittenAgainAndAFileFromBeforeSubmissionsStillReads() throws Exception {
        // given a finished file written before results named their submission (no such column)
        org.apache.avro.Schema before = org.apache.avro.SchemaBuilder.record("Result").namespace("dev.longhaul.sinks").fields()
                .requiredString("kind").requiredString("jobId").requiredInt("taskIndex").endRecord();
        try (var old = org.apache.parquet.avro.AvroParquetWriter.<org.apache.avro.generic.GenericRecord>builder(
                        new org.apache.parquet.io.LocalOutputFile(dir.resolve("results-00000000.parquet")))
                .withConf(new org.apache.parquet.conf.PlainParquetConfiguration()).withSchema(before)
                .withDataModel(org.apache.avro.generic.GenericData.get()).build()) {
            var row = new org.apache.avro.generic.GenericData.Record(before);
            row.put("kind", "summary");
            row.put("jobId", summary(0).getJobId());
            row.put("taskIndex", 0);
            old.write(row);
        }
        try (ParquetFileSink sink = new ParquetFileSink(dir, CONFIG)) {
            assertEquals(1, sink.resultCount(), "its key is read back, of no submission");
            // when results of job 0 come again: as written then (a replay), and under a new submission
            assertEquals(0, sink.write(List.of(SinkResult.of(summary(0)))), "a replay of the old result");
            var again = summary(0);
            again.setSubmissionId("s2");
            assertEquals(1, sink.write(List.of(SinkResult.of(again))), "the new life's result");
            assertEquals(0, sink.write(List.of(SinkResult.of(again))), "and its replay");
        }
        try (ParquetFileSink sink = new ParquetFileSink(dir, CONFIG)) {
            assertEquals(2, sink.resultCount(), "both lives' keys read back after a restart");
        }
    }

    @Test
    void aFileNameIsNeverUsedTwiceAlsoAfterFinishedFilesWereMovedAway() throws Exception {
        try (ParquetFileSink sink = new ParquetFileSink(dir, CONFIG)) {
            sink.write(results(0, 2));
        }
        Path shipped = Files.createDirectories(dir.resolveSibling(dir.getFileName() + "-shipped"));
        Files.move(dir.resolve("results-00000000.parquet"), shipped.resolve("results-00000000.parquet"));
        try (ParquetFileSink sink = new ParquetFileSink(dir, CONFIG)) {
            assertEquals(2, sink.write(results(2, 3)));
        }
        assertEquals(List.of("results-00000001.parquet"), visible(), "a new name, not the shipped file's");
    }

    @Test
    void aDirectoryOfJsonLinesIsRefusedForItsFormatBeforeItsGroupIsAsked() throws Exception {
        SinkConfig files = SinkConfig.defaults("unused:9092", SinkConfig.FILES_GROUP);
        try (FileSink sink = new FileSink(dir, files)) {
            sink.write(results(0, 1));
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new ParquetFileSink(dir, CONFIG));
        assertTrue(e.getMessage().contains("JSON Lines"), "the format is what is wrong, not the group: " + e.getMessage());
        // a directory written before .group existed is not bound to the Parquet sink's group by the refused start
        Files.delete(dir.resolve(".group"));
        assertThrows(IllegalStateException.class, () -> new ParquetFileSink(dir, CONFIG));
        try (FileSink sink = new FileSink(dir, files)) {
            assertEquals(2, sink.resultCount(), "its own sink still starts there");
        }
    }

    @Test
    void aRestartedSinkSkipsWhatTheFilesAlreadyHold() throws Exception {
        try (ParquetFileSink sink = new ParquetFileSink(dir, CONFIG)) {
            assertEquals(20, sink.write(results(0, 10)));
            assertEquals(0, sink.write(results(0, 10)), "a replay in the same run");
        }
        try (ParquetFileSink sink = new ParquetFileSink(dir, CONFIG)) {
            assertEquals(20, sink.resultCount(), "keys recovered from the files");
            assertEquals(10, sink.write(results(5, 15)), "only jobs 10..14 are new");
        }
        assertEquals(30, keys().size());
        assertEquals(2, ParquetFiles.named(dir, ParquetFileSink.SUFFIX).size());
    }

    @Test
    void aJournalLeftByACrashIsPublishedWithoutItsTornTailAndReplaysAddNothingTwice() throws Exception {
        // What a kill leaves mid-file: a journal of two fsynced batches (jobs 1 and 2) plus half of a
        // third line never fsynced, and the Parquet file being built without its footer.
        journal(4, results(1, 3), ResultJson.line(SinkResult.of(summary(3))).substring(0, 40));
        recoversJournalOnce("results-00000004.parquet.inprogress");
    }

    @Test
    void aJournalTailOfZerosAndPagesOutOfOrderIsCutFromItsFirstLineThatIsNoResult() throws Exception {
        // a power loss: after the fsynced batches, a page of zeros and then a later page of the unsynced batch
        journal(4, results(1, 3), "\0".repeat(300) + "\n" + ResultJson.line(SinkResult.of(extraction(3))) + "\n");
        recoversJournalOnce("results-00000004.parquet.inprogress");
    }

    /** With file 4's journal written: its half-built Parquet file under `inProgress`, then a restart. */
    private void recoversJournalOnce(String inProgress) throws Exception {
        Files.writeString(dir.resolve(inProgress), "PAR1 and no footer");

        try (ParquetFileSink sink = new ParquetFileSink(dir, CONFIG)) {
            assertEquals(4, sink.resultCount(), "jobs 1 and 2 recovered from the journal");
            assertEquals(2, sink.write(results(1, 4)), "the uncommitted batch comes again: only job 3 is new");
            assertEquals(List.of(), ParquetFiles.named(dir, ParquetFileSink.SUFFIX), "held until confirmed");
            sink.confirmed();
        }
        assertEquals(6, keys().size());
        assertEquals(List.of(dir.resolve("results-00000004.parquet"), dir.resolve("results-00000005.parquet")),
                ParquetFiles.named(dir, ParquetFileSink.SUFFIX), "the journal became file 4 when confirmed; numbering goes on after it");
        assertTrue(ParquetFiles.named(dir, ParquetFileSink.JOURNAL).isEmpty());
        assertTrue(ParquetFiles.named(dir, ParquetFileSink.IN_PROGRESS).isEmpty());
    }

    @Test
    void aJournalIsHeldUntilConfirmedAndWhatFollowsItsTornTailSurvivesTheNextCrash() throws Exception {
        // given a crash's journal of jobs 1 and 2 and a torn line of an uncommitted batch
        journal(4, results(1, 3), ResultJson.line(SinkResult.of(summary(3))).substring(0, 40));
        ParquetFileSink second = new ParquetFileSink(dir, CONFIG);
        assertEquals(List.of(4), second.held());
        // when the replayed batch (job 3 new) is written, a tick comes, and this run fails before its commit too
        assertEquals(2, second.write(results(1, 4)));
        second.tick();
        assertEquals(List.of(), ParquetFiles.named(dir, ParquetFileSink.SUFFIX), "published before its offsets were committed");
        second.abandon();
        // then the next start has all three jobs, and publishes both files once confirmed
        try (ParquetFileSink third = new ParquetFileSink(dir, CONFIG)) {
            assertEquals(6, third.resultCount());
            assertEquals(0, third.write(results(1, 4)));
            third.confirmed();
        }
        assertEquals(List.of(dir.resolve("results-00000004.parquet"), dir.resolve("results-00000005.parquet")),
                ParquetFiles.named(dir, ParquetFileSink.SUFFIX));
        assertEquals(6, keys().size());
        assertTrue(ParquetFiles.named(dir, ParquetFileSink.JOURNAL).isEmpty());
    }

    @Test
    void aFileHeldAtTheRunnersWordTakesNoMoreWritesAndItsJournalOutlivesClose() throws Exception {
        try (ParquetFileSink sink = new ParquetFileSink(dir, CONFIG)) {
            assertEquals(8, sink.write(results(0, 4)));
            sink.holdUntilConfirmed(); // a commit failed and its partitions were taken away
            assertEquals(2, sink.write(results(4, 5)), "written to a new file");
            assertEquals(List.of(0), sink.held());
        }
        assertEquals(List.of(dir.resolve("results-00000001.parquet")), ParquetFiles.named(dir, ParquetFileSink.SUFFIX));
        assertEquals(List.of(dir.resolve(".results-00000000.parquet.journal")), ParquetFiles.named(dir, ParquetFileSink.JOURNAL));
        try (ParquetFileSink next = new ParquetFileSink(dir, CONFIG)) {
            assertEquals(10, next.resultCount());
            next.confirmed();
        }
        assertEquals(10, keys().size());
    }

    @Test
    void aJournalReplayKeepsEveryDigitOfAnExtractionsDecimals() throws Exception {
        Extraction e = extraction(5);
        e.setJson("{\"rate\":1.10,\"exact\":0.1000000000000000055511151231257827}");
        Path written = dir.resolve("written");
        Files.createDirectories(written);
        try (ParquetFileSink sink = new ParquetFileSink(written, CONFIG)) {
            sink.write(List.of(SinkResult.of(e)));
        }
        String direct = ParquetFiles.rows(written).get(0).get("json").toString();
        assertTrue(direct.contains("0.1000000000000000055511151231257827"), direct);
        // the same result recovered from a crash's journal
        Path replayed = dir.resolve("replayed");
        Files.createDirectories(replayed);
        Files.writeString(replayed.resolve("results-00000000.parquet.journal"), ResultJson.line(SinkResult.of(e)) + "\n");
        try (ParquetFileSink sink = new ParquetFileSink(replayed, CONFIG)) {
            assertEquals(1, sink.resultCount());
            sink.confirmed();
        }
        assertEquals(direct, ParquetFiles.rows(replayed).get(0).get("json").toString());
    }

    @Test
    void aJournalWhoseFileWasPublishedIsDroppedNotReplayed() throws Exception {
        // A crash between the rename of file 0 and the deletion of its journal.
        try (ParquetFileSink sink = new ParquetFileSink(dir, CONFIG)) {
            sink.write(results(0, 5));
        }
        journal(0, results(0, 5), "");
        try (ParquetFileSink sink = new ParquetFileSink(dir, CONFIG)) {
            assertEquals(10, sink.resultCount());
            assertEquals(0, sink.write(results(0, 5)));
        }
        assertEquals(10, keys().size());
        assertEquals(1, ParquetFiles.named(dir, ParquetFileSink.SUFFIX).size());
        assertTrue(ParquetFiles.named(dir, ParquetFileSink.JOURNAL).isEmpty());
    }

    @Test
    void filesRotateOnceTheyReachTheSizeLimit() throws Exception {
        SinkConfig small = CONFIG.withRotation(4096, Duration.ofDays(1));
        try (ParquetFileSink sink = new ParquetFileSink(dir, small)) {
            for (int job = 0; job < 60; job += 2) {
                sink.write(results(job, job + 2));
                sink.tick(); // as the runner calls it, after the commit
            }
            List<Path> finished = ParquetFiles.named(dir, ParquetFileSink.SUFFIX);
            assertTrue(finished.size() >= 2, "rotated files: " + finished);
            // the last batch may have filled a file exactly, leaving none in progress
            assertTrue(ParquetFiles.named(dir, ParquetFileSink.JOURNAL).size() <= 1, "at most one file in progress, with its journal");
        }
        assertEquals(120, keys().size());
    }

    @Test
    void aFileOpenLongerThanTheAgeLimitIsRotatedEvenWithoutNewResults() throws Exception {
        FileSinkTest.ManualClock clock = new FileSinkTest.ManualClock();
        try (ParquetFileSink sink = new ParquetFileSink(dir, CONFIG.withRotation(1 << 20, Duration.ofMinutes(5)), clock)) {
            sink.write(results(0, 1));
            clock.now = clock.now.plus(Duration.ofMinutes(4));
            sink.tick();
            assertEquals(1, ParquetFiles.named(dir, ParquetFileSink.IN_PROGRESS).size(), "four minutes: still open");
            assertTrue(ParquetFiles.named(dir, ParquetFileSink.SUFFIX).isEmpty());

            clock.now = clock.now.plus(Duration.ofMinutes(1));
            sink.tick();
            assertTrue(ParquetFiles.named(dir, ParquetFileSink.IN_PROGRESS).isEmpty(), "five minutes: rotated");
            assertEquals(1, ParquetFiles.named(dir, ParquetFileSink.SUFFIX).size());

            sink.write(results(1, 2));
            assertEquals(1, ParquetFiles.named(dir, ParquetFileSink.IN_PROGRESS).size(), "the next result opens a new file");
        }
        assertEquals(2, ParquetFiles.named(dir, ParquetFileSink.SUFFIX).size());
        assertEquals(4, keys().size());
    }

    @Test
    void aSecondSinkAndADirectoryOfJsonLinesAreRefused() throws Exception {
        try (ParquetFileSink first = new ParquetFileSink(dir, CONFIG)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new FileSink(dir, CONFIG));
            assertTrue(e.getMessage().contains("another file sink"), e.getMessage());
        }
        Files.writeString(dir.resolve("results-00000000.jsonl"), ResultJson.line(SinkResult.of(summary(0))) + "\n");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new ParquetFileSink(dir, CONFIG));
        assertTrue(e.getMessage().contains("JSON Lines"), e.getMessage());
    }

    @Test
    void aFinishedFileThatIsNotParquetStopsTheSink() throws Exception {
        Files.write(dir.resolve("results-00000000.parquet"), "not parquet".getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class, () -> new ParquetFileSink(dir, CONFIG));
        assertTrue(e.getMessage().contains("results-00000000.parquet"), e.getMessage());
        assertFalse(Files.exists(dir.resolve(".results-00000001.parquet.journal")), "no file was started");
        assertThrows(IOException.class, () -> new ParquetFileSink(dir, CONFIG), "the failed start released the lock");
    }
}
