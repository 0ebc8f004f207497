/*
 * The PostgreSQL sink against a real PostgreSQL (zonky's embedded binaries, started once) and, for
 * the acceptance scenario, a real broker: "the PostgreSQL sink holds exactly one row per job after a
 * forced restart mid-stream". Skipped only when the embedded server genuinely cannot start on the
 * machine (an Assumption, with the reason); everything else is a failure.
 */
package dev.longhaul.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;

import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.schemas.Topics;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PostgresSinkTest {
    private static EmbeddedPostgres postgres;
    private static EmbeddedKafka kafka;
    private static String jdbcUrl;

    @BeforeAll
    static void start() {
        try {
            postgres = EmbeddedPostgres.start();
        } catch (Exception e) {
            Assumptions.abort("embedded PostgreSQL cannot start on this machine: " + e);
        }
        jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @BeforeEach
    void emptyTables() throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS summaries, extractions");
            // the refusals an earlier test's sink counted (kept for the sink after it)
            s.execute("DO $$ BEGIN IF to_regclass('longhaul_sink') IS NOT NULL THEN"
                    + " DELETE FROM longhaul_sink WHERE key LIKE 'refused_in_a_row.%' OR key LIKE 'refused_rows.%'; END IF; END $$");
        }
    }

    private static long count(String sql) throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long rows() {
        try {
            return count("SELECT (SELECT count(*) FROM summaries) + (SELECT count(*) FROM extractions)");
        } catch (SQLException e) {
            return -1; // tables not created yet
        }
    }

    @Test
    void theSinkHoldsExactlyOneRowPerJobAfterAForcedRestartMidStream() throws Exception {
        // Given: 40 jobs (a summary and an extraction each) committed by "workers" in four transactions.
        Topics topics = TestResults.topics(kafka, "pg-restart.");
        for (int from = 0; from < 40; from += 10) {
            TestResults.produce(kafka, topics, IntStream.range(from, from + 10).boxed().toList(), true);
        }
        SinkConfig config = SinkConfig.defaults(kafka.bootstrapServers(), SinkConfig.POSTGRES_GROUP)
                .withNamespace(topics.namespace()).withBatch(9, Duration.ofMillis(200));

        // When: the sink is killed after its third database commit and before that batch's offset commit.
        SinkRunner killed = new SinkRunner(config, topics,
                new TestResults.CrashAfterWrites(new PostgresSink(jdbcUrl, null, null), 3));
        ExecutionException crash = assertThrows(ExecutionException.class, TestResults.start(killed)::get);
        assertInstanceOf(TestResults.SimulatedCrash.class, crash.getCause());
        long beforeRestart = rows();
        assertTrue(beforeRestart > 0 && beforeRestart < 80, "killed mid-stream with " + beforeRestart + " rows");

        // And it is restarted on the same group and database.
        SinkRunner restarted = new SinkRunner(config, topics, new PostgresSink(jdbcUrl, null, null));
        CompletableFuture<Void> run = TestResults.start(restarted);
        TestResults.await(() -> rows() >= 80, "80 rows");
        restarted.close();
        run.get();

        // Then: exactly one row per (job, task), every job with its summary and its extraction.
        assertEquals(40, count("SELECT count(*) FROM summaries"));
        assertEquals(40, count("SELECT count(*) FROM extractions"));
        assertEquals(40, count("SELECT count(DISTINCT job_id) FROM summaries s JOIN extractions e USING (job_id)"));
        assertEquals(0, count("SELECT count(*) FROM summaries WHERE task_index <> 0"));
        assertTrue(restarted.received() > restarted.written(),
                "the uncommitted batch came again and was skipped: received " + restarted.received() + ", inserted " + restarted.written());
        assertEquals(80 - beforeRestart, restarted.written(), "every replayed row was a conflict, every other one an insert");
    }

    @Test
    void replicasOnOneDatabaseShareTheGroupAndTheWork() throws Exception {
        // given two sinks on one database and one group (a deployment of two replicas), started together
        Topics topics = TestResults.topics(kafka, "pg-replicas.");
        TestResults.produce(kafka, topics, IntStream.range(0, 20).boxed().toList(), true);
        SinkConfig config = SinkConfig.defaults(kafka.bootstrapServers(), "pg-replicas-test")
                .withNamespace(topics.namespace()).withBatch(5, Duration.ofMillis(200))
                .withClientOverrides(java.util.Map.of("session.timeout.ms", "6000"));
        SinkRunner a = new SinkRunner(config, topics, new PostgresSink(jdbcUrl, null, null));
        SinkRunner b = new SinkRunner(config, topics, new PostgresSink(jdbcUrl, null, null));
        CompletableFuture<Void> runA = TestResults.start(a);
        CompletableFuture<Void> runB = TestResults.start(b);
        // then every row is written, and neither stops past two session timeouts (a file sink would)
        TestResults.await(() -> rows() >= 40, "40 rows");
        Thread.sleep(15_000);
        assertFalse(runA.isDone() || runB.isDone(), "a replica stopped: " + (runA.isDone() ? runA : runB));
        a.close();
        b.close();
        runA.get();
        runB.get();
        assertEquals(40, rows());
    }

    @Test
    void aSecondDatabaseUnderTheSameGroupIsRefusedInsteadOfStartingAfterResultsItNeverGot() throws Exception {
        Topics topics = TestResults.topics(kafka, "pg-owner.");
        TestResults.produce(kafka, topics, IntStream.range(0, 4).boxed().toList(), true);
        SinkConfig config = SinkConfig.defaults(kafka.bootstrapServers(), "pg-owner-test")
                .withNamespace(topics.namespace()).withBatch(10, Duration.ofMillis(200));
        SinkRunner first = new SinkRunner(config, topics, new PostgresSink(jdbcUrl, null, null));
        CompletableFuture<Void> run = TestResults.start(first);
        TestResults.await(() -> rows() >= 8, "8 rows");
        first.close();
        run.get();

        // a new, empty database on the same group would start after the results it does not hold
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS other_results");
            s.execute("CREATE DATABASE other_results");
        }
        String otherUrl = postgres.getJdbcUrl("postgres", "other_results");
        SinkRunner second = new SinkRunner(config, topics, new PostgresSink(otherUrl, null, null));
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> TestResults.start(second).get(90, java.util.concurrent.TimeUnit.SECONDS));
        String message = String.valueOf(refused.getCause().getMessage());
        assertTrue(message.contains("another destination") && message.contains("--group"), message);

        // the database that holds them goes on where it stopped
        SinkRunner again = new SinkRunner(config, topics, new PostgresSink(jdbcUrl, null, null));
        CompletableFuture<Void> rerun = TestResults.start(again);
        TestResults.produce(kafka, topics, List.of(4), true);
        TestResults.await(() -> rows() >= 10, "job 4's rows");
        again.close();
        rerun.get();
        assertEquals(2, again.received(), "resumed after the committed offsets");
    }

    @Test
    void columnsHoldTheResultAndTheExtractionIsQueryableJson() throws Exception {
        try (PostgresSink sink = new PostgresSink(jdbcUrl, "postgres", null)) {
            List<SinkResult> batch = new ArrayList<>(List.of(SinkResult.of(TestResults.summary(7)), SinkResult.of(TestResults.extraction(7))));
            assertEquals(2, sink.write(batch));
            assertEquals(0, sink.write(batch), "a replay inserts nothing");
        }
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT text, prompt_tokens, document_share_read, end_to_end_ms, model_name, weights_dtype "
                    + "FROM summaries WHERE job_id = 'job-0007' AND task_index = 0")) {
                assertTrue(rs.next());
                assertEquals(TestResults.summary(7).getText(), rs.getString(1));
                assertEquals(1007, rs.getLong(2));
                assertEquals(0.5, rs.getDouble(3));
                assertEquals(775, rs.getLong(4));
                assertEquals("minimax-tiny", rs.getString(5));
                assertEquals("f32", rs.getString(6));
            }
            try (ResultSet rs = s.executeQuery("SELECT json->>'party', (json->>'term')::int, spans->0->>'label', output_tokens, "
                    + "analysis->'facts'->'parties'->>0 FROM extractions WHERE job_id = 'job-0007' AND task_index = 1")) {
                assertTrue(rs.next());
                assertEquals("Acme 7", rs.getString(1));
                assertEquals(7, rs.getInt(2));
                assertEquals("party", rs.getString(3));
                assertEquals(47, rs.getLong(4));
                assertEquals("Acme 7", rs.getString(5), "the analyzer's facts are queryable jsonb");
            }
            try (ResultSet rs = s.executeQuery("SELECT digest FROM summaries WHERE job_id = 'job-0007'")) {
                assertTrue(rs.next());
                assertEquals(TestResults.summary(7).getDigest(), rs.getString(1));
            }
        }
    }

    @Test
    void aResultHoldingUPlus0000IsStoredWithTheReplacementCharacterInsteadOfStoppingTheSink() throws Exception {
        var summary = TestResults.summary(8);
        summary.setText("before\u0000after");
        var extraction = TestResults.extraction(8);
        extraction.setJson("{\"party\":\"A\\u0000B\",\"k\\u0000\":\"kept \\\\u0000 as text\"}");
        try (PostgresSink sink = new PostgresSink(jdbcUrl, "postgres", null)) {
            assertEquals(2, sink.write(List.of(SinkResult.of(summary), SinkResult.of(extraction))));
        }
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT text FROM summaries WHERE job_id = 'job-0008'")) {
                assertTrue(rs.next());
                assertEquals("before\uFFFDafter", rs.getString(1));
            }
            try (ResultSet rs = s.executeQuery("SELECT json->>'party', json->>'k\uFFFD' FROM extractions WHERE job_id = 'job-0008'")) {
                assertTrue(rs.next());
                assertEquals("A\uFFFDB", rs.getString(1));
                assertEquals("kept \\u0000 as text", rs.getString(2), "an escaped backslash before u0000 is text, left alone");
            }
        }
    }

    @Test
    void aJobIdUsedAgainUnderANewSubmissionReplacesItsRowsAndAReplayChangesNothing() throws Exception {
        try (PostgresSink sink = new PostgresSink(jdbcUrl, "postgres", null)) {
            assertEquals(2, sink.write(List.of(SinkResult.of(TestResults.summary(20)), SinkResult.of(TestResults.extraction(20)))));
            assertEquals(0, sink.write(List.of(SinkResult.of(TestResults.summary(20)))), "a replay");
            var summary = TestResults.summary(20);
            summary.setSubmissionId("s2");
            summary.setText("the new life's summary");
            var extraction = TestResults.extraction(20);
            extraction.setSubmissionId("s2");
            extraction.setJson("{\"party\":\"Other\"}");
            assertEquals(2, sink.write(List.of(SinkResult.of(summary), SinkResult.of(extraction))), "the new life replaces both");
            assertEquals(0, sink.write(List.of(SinkResult.of(summary), SinkResult.of(extraction))), "and its replay changes nothing");
        }
        assertEquals(1, count("SELECT count(*) FROM summaries WHERE job_id = 'job-0020' AND submission_id = 's2'"
                + " AND text = 'the new life''s summary'"));
        assertEquals(1, count("SELECT count(*) FROM extractions WHERE job_id = 'job-0020' AND submission_id = 's2'"
                + " AND json ->> 'party' = 'Other'"));
    }

    @Test
    void anEarlierLifesResultWrittenLateLeavesTheLaterLifesRow() throws Exception {
        var first = TestResults.summary(30);
        first.setSubmissionId("s1");
        first.setText("the first life's summary");
        var second = TestResults.summary(30);
        second.setSubmissionId("s2");
        second.setText("the second life's summary");
        try (PostgresSink sink = new PostgresSink(jdbcUrl, "postgres", null)) {
            assertEquals(1, sink.write(List.of(SinkResult.of(first).withProducedAt(1_000))));
            assertEquals(1, sink.write(List.of(SinkResult.of(second).withProducedAt(2_000))), "the later life replaces the row");
            // a write of the first life arriving after (a replica that stalled past its group's
            // timeout, results of one id in two partitions) does not bring it back
            assertEquals(0, sink.write(List.of(SinkResult.of(first).withProducedAt(1_000))));
        }
        assertEquals(1, count("SELECT count(*) FROM summaries WHERE job_id = 'job-0030' AND submission_id = 's2'"
                + " AND text = 'the second life''s summary' AND produced_at = 2000"));
    }

    @Test
    void tablesMadeBeforeTheDigestAndAnalysisColumnsGetThem() throws Exception {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS summaries, extractions");
            s.execute("CREATE TABLE summaries (job_id text NOT NULL, task_index integer NOT NULL, text text NOT NULL, "
                    + "prompt_tokens bigint NOT NULL, output_tokens bigint NOT NULL, document_tokens bigint NOT NULL, "
                    + "document_share_read double precision NOT NULL, queued_ms bigint NOT NULL, running_ms bigint NOT NULL, "
                    + "end_to_end_ms bigint NOT NULL, model_name text NOT NULL, model_backend text NOT NULL, weights_dtype text NOT NULL, "
                    + "written_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (job_id, task_index))");
            s.execute("INSERT INTO summaries VALUES ('old', 0, 't', 1, 1, 1, 1, 1, 1, 1, 'm', 'cpu', 'f32')");
        }
        try (PostgresSink sink = new PostgresSink(jdbcUrl, "postgres", null)) {
            assertEquals(2, sink.write(List.of(SinkResult.of(TestResults.summary(9)), SinkResult.of(TestResults.extraction(9)))));
        }
        assertEquals(1, count("SELECT count(*) FROM summaries WHERE job_id = 'old' AND digest = '' AND submission_id = ''"),
                "an old row gets an empty digest and submission");
        assertEquals(1, count("SELECT count(*) FROM summaries WHERE job_id = 'job-0009' AND digest <> ''"));
    }

    @Test
    void aRowPostgresRefusesIsDeadLetteredAndTheRowsAroundItAreWritten() throws Exception {
        Topics topics = TestResults.topics(kafka, "pg-refused.");
        kafka.createTopic(topics.deadLetters.name(), 1, Topics.DELETE);
        TestResults.produce(kafka, topics, IntStream.range(0, 6).boxed().toList(), true);
        try (PostgresSink tables = new PostgresSink(jdbcUrl, null, null);
             Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            // a rule of the database the sink does not know: job 3's summary is refused for its content
            s.execute("ALTER TABLE summaries ADD CONSTRAINT no_job_3 CHECK (job_id <> 'job-0003')");
        }
        SinkConfig config = SinkConfig.defaults(kafka.bootstrapServers(), SinkConfig.POSTGRES_GROUP)
                .withNamespace(topics.namespace()).withBatch(20, Duration.ofMillis(200));
        SinkRunner runner = new SinkRunner(config, topics, new PostgresSink(jdbcUrl, null, null));
        CompletableFuture<Void> run = TestResults.start(runner);
        TestResults.await(() -> rows() >= 11 && runner.deadLettered() == 1, "11 rows and a dead letter");
        runner.close();
        run.get();
        assertEquals(5, count("SELECT count(*) FROM summaries"));
        assertEquals(6, count("SELECT count(*) FROM extractions"));
        var letters = new ArrayList<dev.longhaul.schemas.DeadLetter>();
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(java.util.Map.<String, Object>of(
                "bootstrap.servers", kafka.bootstrapServers(), "auto.offset.reset", "earliest", "group.id", "pg-refused-reader"),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.deadLetters.name()));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (letters.isEmpty() && System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    letters.add(topics.deadLetters.values().deserializer().deserialize(r.topic(), r.value()));
                }
            }
        }
        assertEquals(1, letters.size());
        var letter = letters.get(0);
        assertEquals(topics.summaries.name(), letter.getOriginalTopic());
        assertEquals("SINK_REFUSED", letter.getReasonCode());
        assertTrue(letter.getDetail().contains("23514") && letter.getDetail().contains("no_job_3"), letter.getDetail());
        assertEquals("job-0003", topics.summaries.values().deserializer()
                .deserialize(topics.summaries.name(), java.util.Arrays.copyOf(letter.getValue().array(), letter.getValue().remaining()))
                .getJobId(), "the refused record's own bytes");
        // and a restart on the same group reads nothing again: the batch with the refused row was committed
        SinkRunner again = new SinkRunner(config, topics, new PostgresSink(jdbcUrl, null, null));
        CompletableFuture<Void> rerun = TestResults.start(again);
        Thread.sleep(2000);
        again.close();
        rerun.get();
        assertEquals(0, again.received());
    }

    @Test
    void aTableThatRefusesEveryRowStopsTheSinkInsteadOfDeadLetteringEverything() throws Exception {
        try (PostgresSink sink = new PostgresSink(jdbcUrl, null, null)) {
            try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE summaries ADD CONSTRAINT nothing CHECK (task_index < 0)");
            }
            // a few refused rows are the data's fault: handed back, the batch goes on
            var written = sink.writeAll(List.of(SinkResult.of(TestResults.summary(1)), SinkResult.of(TestResults.extraction(1))));
            assertEquals(1, written.fresh());
            assertEquals(1, written.refused().size());
            List<SinkResult> many = IntStream.range(2, 2 + PostgresSink.REFUSED_IN_A_ROW).mapToObj(j -> SinkResult.of(TestResults.summary(j))).toList();
            SQLException e = assertThrows(SQLException.class, () -> sink.writeAll(many));
            assertTrue(e.getMessage().contains("in a row") && e.getMessage().contains("nothing"), e.getMessage());
            assertFalse(PostgresSink.refusesData(e), "a failure of the sink, not of a row");
        }
        assertEquals(0, count("SELECT count(*) FROM summaries"));
        assertEquals(1, count("SELECT count(*) FROM extractions"));
    }

    @Test
    void refusalsInARowAreCountedAcrossRestartsSoASinkRestartedAfterEachFewStillStops() throws Exception {
        try (PostgresSink first = new PostgresSink(jdbcUrl, null, null);
             Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE summaries ADD CONSTRAINT none CHECK (task_index < 0)");
        }
        // a sink restarted (by its supervisor) after every few refusals: each run dead-letters a few
        SQLException stopped = null;
        int refused = 0;
        for (int run = 0; run < 4 && stopped == null; run++) {
            int base = 10 * run;
            try (PostgresSink sink = new PostgresSink(jdbcUrl, null, null)) {
                List<SinkResult> few = IntStream.range(0, 4).mapToObj(j -> SinkResult.of(TestResults.summary(base + j))).toList();
                refused += sink.writeAll(few).refused().size();
            } catch (SQLException e) {
                stopped = e;
            }
        }
        // then the count goes on from where the run before left it, and the sink stops at the limit
        assertTrue(stopped != null && stopped.getMessage().contains("in a row"), "refused " + refused + " rows over the runs: " + stopped);
        assertTrue(refused < PostgresSink.REFUSED_IN_A_ROW, refused + " rows went to dead letters before the stop");
        // and a row the table takes starts the count again, also for the sink after
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE summaries DROP CONSTRAINT none");
        }
        try (PostgresSink sink = new PostgresSink(jdbcUrl, null, null)) {
            assertEquals(1, sink.writeAll(List.of(SinkResult.of(TestResults.summary(999)))).fresh());
        }
        assertEquals(0, count("SELECT max(jsonb_array_length(value::jsonb)) FROM longhaul_sink WHERE key LIKE 'refused_rows.%'"));
        assertEquals(0, count("SELECT max(value::int) FROM longhaul_sink WHERE key LIKE 'refused_in_a_row.%'"), "the count older sinks read");
    }

    @Test
    void aBatchReadAgainAfterARestartCountsItsRefusedRowsOnce() throws Exception {
        try (PostgresSink first = new PostgresSink(jdbcUrl, null, null);
             Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE summaries ADD CONSTRAINT late CHECK (job_id < 'job-0100')");
        }
        // a batch whose rows the table refuses, committed in the database and then read again by each
        // restart (the process died before its offsets were committed, or its dead letters failed)
        List<SinkResult> refusedBatch = IntStream.range(100, 105).mapToObj(j -> SinkResult.of(TestResults.summary(j))).toList();
        for (int run = 0; run < 3; run++) {
            try (PostgresSink sink = new PostgresSink(jdbcUrl, null, null)) {
                assertEquals(5, sink.writeAll(refusedBatch).refused().size(), "run " + run);
            }
        }
        assertEquals(5, count("SELECT max(jsonb_array_length(value::jsonb)) FROM longhaul_sink WHERE key = 'refused_rows.summaries'"));
        assertEquals(5, count("SELECT value::int FROM longhaul_sink WHERE key = 'refused_in_a_row.summaries'"), "and the count, for older sinks");
        // the streak is still five rows: five others refused reach the limit, and the sink stops
        try (PostgresSink sink = new PostgresSink(jdbcUrl, null, null)) {
            List<SinkResult> more = IntStream.range(105, 110).mapToObj(j -> SinkResult.of(TestResults.summary(j))).toList();
            SQLException e = assertThrows(SQLException.class, () -> sink.writeAll(more));
            assertTrue(e.getMessage().contains("in a row"), e.getMessage());
        }
        // a count saved by a sink from before keys were kept stands for that many rows
        assertEquals(7, PostgresSink.refusedKeys("7").size());
        assertEquals(List.of(List.of("job-1", 2, "s")), List.copyOf(PostgresSink.refusedKeys("[[\"job-1\",2,\"s\"]]")));
    }

    @Test
    void aTableThatRefusesEveryRowStopsTheSinkWhileTheOtherTableTakesRowsBetweenItsRefusals() throws Exception {
        try (PostgresSink sink = new PostgresSink(jdbcUrl, null, null)) {
            try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE summaries ADD CONSTRAINT never CHECK (task_index < 0)");
            }
            // light traffic as Kafka brings it: each batch a job's summary (refused) and extraction (taken)
            SQLException stopped = null;
            for (int j = 1; j <= PostgresSink.REFUSED_IN_A_ROW && stopped == null; j++) {
                try {
                    sink.writeAll(List.of(SinkResult.of(TestResults.summary(j)), SinkResult.of(TestResults.extraction(j))));
                } catch (SQLException e) {
                    stopped = e;
                }
            }
            // then the summaries table is found at fault, and named
            assertTrue(stopped != null, "every summary went to dead letters while extractions went in");
            assertTrue(stopped.getMessage().contains("summaries table") && stopped.getMessage().contains("never"), stopped.getMessage());
        }
    }

    @Test
    void refusalsWithRowsWrittenBetweenThemNeverAddUpToATableAtFault() throws Exception {
        try (PostgresSink sink = new PostgresSink(jdbcUrl, null, null)) {
            try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE summaries ADD CONSTRAINT early CHECK (job_id < 'job-0100')");
            }
            // light traffic: one result a batch, a refused one now and then between written ones
            for (int i = 0; i < 2 * PostgresSink.REFUSED_IN_A_ROW; i++) {
                assertEquals(1, sink.writeAll(List.of(SinkResult.of(TestResults.summary(100 + i)))).refused().size());
                assertEquals(1, sink.writeAll(List.of(SinkResult.of(TestResults.summary(i)))).fresh());
            }
        }
        assertEquals(2 * PostgresSink.REFUSED_IN_A_ROW, count("SELECT count(*) FROM summaries"));
    }

    @Test
    void aBatchBothTablesTakeClearsBothTablesRefusals() throws Exception {
        try (PostgresSink sink = new PostgresSink(jdbcUrl, null, null)) {
            try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE summaries ADD CONSTRAINT early_s CHECK (job_id < 'job-0100')");
                s.execute("ALTER TABLE extractions ADD CONSTRAINT early_x CHECK (job_id < 'job-0100')");
            }
            // given one refused summary and all but one of a table at fault's refused extractions
            List<SinkResult> refusals = new java.util.ArrayList<>(List.of(SinkResult.of(TestResults.summary(100))));
            IntStream.range(101, 100 + PostgresSink.REFUSED_IN_A_ROW).forEach(j -> refusals.add(SinkResult.of(TestResults.extraction(j))));
            assertEquals(PostgresSink.REFUSED_IN_A_ROW, sink.writeAll(refusals).refused().size());
            // when a batch of a summary and an extraction goes in whole
            assertEquals(2, sink.writeAll(List.of(SinkResult.of(TestResults.summary(1)), SinkResult.of(TestResults.extraction(1)))).fresh());
            // then one more refused extraction is one refusal, not the tenth in a row
            assertEquals(1, sink.writeAll(List.of(SinkResult.of(TestResults.extraction(200)))).refused().size());
        }
    }

    @Test
    void aConnectionTheServerDropsIsMadeAgainAndTheBatchWrittenOnce() throws Exception {
        try (PostgresSink sink = new PostgresSink(jdbcUrl + "&ApplicationName=sink-under-test", null, null)) {
            assertEquals(1, sink.write(List.of(SinkResult.of(TestResults.summary(40)))));
            // the server ends the sink's session (an administrator, a failover, a restart)
            assertEquals(1, count("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'sink-under-test'"));
            // then the next batch is written all the same, on a new connection, and once
            assertEquals(2, sink.write(List.of(SinkResult.of(TestResults.summary(41)), SinkResult.of(TestResults.extraction(41)))));
            assertEquals(0, sink.write(List.of(SinkResult.of(TestResults.summary(41)))), "a replay");
        }
        assertEquals(2, count("SELECT count(*) FROM summaries WHERE job_id IN ('job-0040', 'job-0041')"));
    }

    @Test
    void aDatabaseErrorThatIsNotAboutTheDataStillFailsTheBatch() throws Exception {
        try (PostgresSink sink = new PostgresSink(jdbcUrl, null, null)) {
            try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE summaries RENAME TO summaries_gone");
            }
            SQLException e = assertThrows(SQLException.class, () -> sink.writeAll(List.of(SinkResult.of(TestResults.summary(1)))));
            assertFalse(PostgresSink.refusesData(e), e.getSQLState());
            try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("DROP TABLE summaries_gone");
            }
        }
    }

    @Test
    void aFailedBatchLeavesNothingBehind() throws Exception {
        try (PostgresSink sink = new PostgresSink(jdbcUrl, null, null)) {
            sink.write(List.of(SinkResult.of(TestResults.summary(1))));
            try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                // A constraint the sink does not know about makes the second row of the batch fail.
                s.execute("ALTER TABLE summaries ADD CONSTRAINT no_job_3 CHECK (job_id <> 'job-0003')");
            }
            List<SinkResult> batch = List.of(SinkResult.of(TestResults.summary(2)), SinkResult.of(TestResults.summary(3)));
            assertThrows(SQLException.class, () -> sink.write(batch));
            assertEquals(1, count("SELECT count(*) FROM summaries"), "job 2 rolled back with job 3");
            assertEquals(1, sink.write(List.of(SinkResult.of(TestResults.summary(2)))), "the connection is usable after the rollback");
        }
    }
}
