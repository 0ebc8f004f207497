/*
 * Results as rows of two PostgreSQL tables, `summaries` and `extractions`, each with primary key
 * (job_id, task_index), created if missing. Usage, timings and model are plain columns (they are
 * what reports sum and group by); a summary's extractive digest is text beside the model's text; an
 * extraction's JSON, its provenance spans and the analyzer's facts (analysis) are jsonb. U+0000,
 * which PostgreSQL cannot store, is written as U+FFFD.
 *
 * Contract: one database transaction per batch, committed before write() returns (writeAll: a row
 * PostgreSQL refuses for its data is handed back to be dead-lettered, the rest committed); the runner
 * commits Kafka offsets only after that. A row is inserted, or on conflict (job_id, task_index)
 * updated only when it comes from another submission: a crash between the two replays the batch,
 * and a replay is the same submission's result (immutable: one per task, the schemas promise), so
 * it changes nothing and each task of a job has exactly one row whatever the number of restarts.
 * A job id used again after the planner forgot it is another submission, whose result replaces the
 * old life's row of the same task (submission_id says which life a row is of; produced_at, the
 * result record's Kafka timestamp, which is the later, whatever order they come in); rows of the old
 * life's other task indexes stay, so a query of the job's latest life filters on submission_id. The DDL alters a table only when a
 * column is missing: ALTER TABLE takes an exclusive lock, which a start must not queue behind (and
 * hold up every reader behind it) when there is nothing to change.
 */
package dev.longhaul.sinks;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

public final class PostgresSink implements ResultSink {
    private static final String COMMON_COLUMNS = """
            job_id text NOT NULL,
            task_index integer NOT NULL,
            submission_id text NOT NULL DEFAULT '',
            %s,
            prompt_tokens bigint NOT NULL,
            output_tokens bigint NOT NULL,
            document_tokens bigint NOT NULL,
            document_share_read double precision NOT NULL,
            queued_ms bigint NOT NULL,
            running_ms bigint NOT NULL,
            end_to_end_ms bigint NOT NULL,
            model_name text NOT NULL,
            model_backend text NOT NULL,
            weights_dtype text NOT NULL,
            produced_at bigint NOT NULL DEFAULT 0,
            written_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (job_id, task_index)""";
    private static final String VALUE_COLUMNS = "prompt_tokens, output_tokens, document_tokens, document_share_read, "
            + "queued_ms, running_ms, end_to_end_ms, model_name, model_backend, weights_dtype, produced_at";
    private static final String INSERT_SUMMARY = "INSERT INTO summaries (job_id, task_index, submission_id, text, digest, "
            + VALUE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" + replacing("summaries", "text, digest");
    private static final String INSERT_EXTRACTION = "INSERT INTO extractions (job_id, task_index, submission_id, json, spans, analysis, "
            + VALUE_COLUMNS + ") VALUES (?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + replacing("extractions", "json, spans, analysis");
    /** Columns added after the tables were first made: table, column, definition. */
    private static final List<String[]> ADDED_COLUMNS = List.of(
            new String[] {"summaries", "digest", "text NOT NULL DEFAULT ''"},
            new String[] {"extractions", "analysis", "jsonb NOT NULL DEFAULT '{}'"},
            new String[] {"summaries", "submission_id", "text NOT NULL DEFAULT ''"},
            new String[] {"extractions", "submission_id", "text NOT NULL DEFAULT ''"},
            new String[] {"summaries", "produced_at", "bigint NOT NULL DEFAULT 0"},
            new String[] {"extractions", "produced_at", "bigint NOT NULL DEFAULT 0"});
    /** What PostgreSQL text and jsonb cannot hold, U+0000, is stored as this (U+FFFD). */
    static final char NUL_REPLACEMENT = '\uFFFD';

    private Connection connection;
    private final String jdbcUrl;
    private final Properties props;
    /** Tries of a batch that fails for a passing reason (see retrying) before the failure stops the sink. */
    static final int TRANSIENT_ATTEMPTS = 6;
    private static final System.Logger LOG = System.getLogger(PostgresSink.class.getName());
    private final String owner;
    /**
     * Rows refused by each table since the last one it took, across batches (see writeAll): one
     * count per table, so that a table refusing every row is found even while the other keeps
     * taking rows between its refusals (a job's summary and extraction alternate in a batch). Kept
     * in the database too (longhaul_sink, with the batch whose refusals it counts), and read back
     * at start: a sink restarted after each few refusals (by a supervisor, after a stop for another
     * reason) would otherwise count from 0 every time, and drain the topic into dead letters a few
     * rows a run. What is counted is the refused rows' keys, not the refusals: a batch read again
     * (its offsets not committed after the database took it, its dead letters not delivered) refuses
     * the same rows again, and counted twice they stopped every later start of a sink whose table
     * was never at fault.
     */
    private final java.util.EnumMap<SinkResult.Kind, java.util.LinkedHashSet<List<Object>>> refusedInARow =
            new java.util.EnumMap<>(SinkResult.Kind.class);
    /** The longest one read from the database may wait (pgjdbc's socketTimeout), unless the URL says otherwise. */
    static final java.time.Duration SOCKET_TIMEOUT = java.time.Duration.ofMinutes(5);

    /** This many rows refused in a row stop the sink instead of going on to dead-letters. */
    static final int REFUSED_IN_A_ROW = 10;

    /**
     * Connects and creates the tables if missing. user and password may be null when the URL or
     * the environment of the driver (pgpass) carries them.
     */
    public PostgresSink(String jdbcUrl, String user, String password) throws SQLException {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        // a database host that dies mid-request, or an INSERT queued behind a long ALTER TABLE, must
        // fail the write (the sink stops, saying why; nothing is committed) rather than stall it
        // unseen for ever: pgjdbc waits without limit by default. The URL's own settings win.
        props.setProperty("socketTimeout", String.valueOf(SOCKET_TIMEOUT.toSeconds()));
        props.setProperty("tcpKeepAlive", "true");
        this.jdbcUrl = jdbcUrl;
        this.props = props;
        connection = DriverManager.getConnection(jdbcUrl, props);
        try {
            createTables();
            owner = databaseId();
            loadRefusals();
            connection.setAutoCommit(false);
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
    }

    /**
     * This database's id (table longhaul_sink, made on first use): SinkRunner stamps it on the
     * offsets it commits, so a sink on another database under the same consumer group (a new
     * database started on the default group, or two databases sharing one) is refused instead of
     * starting after results it never received.
     */
    @Override
    public Optional<String> owner() {
        return Optional.of("database " + owner);
    }

    private String databaseId() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS longhaul_sink (key text PRIMARY KEY, value text NOT NULL)");
            s.execute("INSERT INTO longhaul_sink (key, value) VALUES ('database_id', '" + java.util.UUID.randomUUID()
                    + "') ON CONFLICT (key) DO NOTHING");
            try (var rows = s.executeQuery("SELECT value FROM longhaul_sink WHERE key = 'database_id'")) {
                rows.next();
                return rows.getString(1);
            }
        }
    }

    /** ON CONFLICT: the row of another submission is replaced (its own columns, the shared ones, the time); a replay changes nothing. */
    private static String replacing(String table, String ownColumns) {
        StringBuilder set = new StringBuilder();
        for (String column : ("submission_id, " + ownColumns + ", " + VALUE_COLUMNS).split(",\\s*")) {
            set.append(column).append(" = EXCLUDED.").append(column).append(", ");
        }
        // another submission's row is replaced only by a result produced no earlier: a late write of
        // an earlier life (a sink replica that stalled past its group's timeout and went on, results
        // of one job id in two partitions after partitions were added) leaves the later life's row
        return " ON CONFLICT (job_id, task_index) DO UPDATE SET " + set + "written_at = now() WHERE "
                + table + ".submission_id <> EXCLUDED.submission_id AND " + table + ".produced_at <= EXCLUDED.produced_at";
    }

    /** Where the count of refused rows in a row is kept, as sinks before the rows' keys were kept read it (rolling back still works). */
    private static String refusalKey(SinkResult.Kind kind) {
        return "refused_in_a_row." + (kind == SinkResult.Kind.SUMMARY ? "summaries" : "extractions");
    }

    /** Where the refused rows' keys are kept (refusedInARow). */
    private static String refusedRowsKey(SinkResult.Kind kind) {
        return "refused_rows." + (kind == SinkResult.Kind.SUMMARY ? "summaries" : "extractions");
    }

    /** The counts of refusals in a row the sinks before this one left (see refusedInARow). */
    private void loadRefusals() throws SQLException {
        try (PreparedStatement q = connection.prepareStatement("SELECT value FROM longhaul_sink WHERE key = ?")) {
            for (SinkResult.Kind kind : SinkResult.Kind.values()) {
                // the keys; where an older sink kept only the count, the count
                String saved = null;
                for (String key : List.of(refusedRowsKey(kind), refusalKey(kind))) {
                    q.setString(1, key);
                    try (var rows = q.executeQuery()) {
                        if (saved == null && rows.next()) {
                            saved = rows.getString(1);
                        }
                    }
                }
                java.util.LinkedHashSet<List<Object>> keys = saved == null ? new java.util.LinkedHashSet<>() : refusedKeys(saved);
                if (!keys.isEmpty()) {
                    refusedInARow.put(kind, keys);
                }
            }
        }
    }

    /**
     * The refused rows' keys a saved value names: a JSON array of [job id, task index, submission
     * id]; a bare count, as sinks before keys were kept saved it, stands for that many rows unnamed.
     */
    static java.util.LinkedHashSet<List<Object>> refusedKeys(String saved) {
        java.util.LinkedHashSet<List<Object>> keys = new java.util.LinkedHashSet<>();
        String text = saved.strip();
        if (text.matches("\\d{1,9}")) {
            for (int i = 0; i < Integer.parseInt(text); i++) {
                keys.add(List.of("a refusal counted before keys were kept", i));
            }
            return keys;
        }
        try {
            for (com.fasterxml.jackson.databind.JsonNode key : JSON.readTree(text)) {
                keys.add(List.of(key.path(0).asText(), key.path(1).asInt(), key.path(2).asText()));
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            LOG.log(System.Logger.Level.WARNING, "the refusals in a row saved in longhaul_sink are unreadable and counted from 0: " + e);
        }
        return keys;
    }

    /** The key refusedInARow counts a result's row by. */
    private static List<Object> refusedKey(SinkResult r) {
        return List.of(r.key().jobId(), r.key().taskIndex(), r.key().submissionId());
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Writes the refused rows' keys (refusedInARow) into the transaction open on the connection (the caller commits). */
    private void saveRefusals() throws SQLException {
        try (PreparedStatement up = connection.prepareStatement("INSERT INTO longhaul_sink (key, value) VALUES (?, ?)"
                + " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")) {
            for (SinkResult.Kind kind : SinkResult.Kind.values()) {
                java.util.Set<List<Object>> keys = refusedInARow.getOrDefault(kind, new java.util.LinkedHashSet<>());
                up.setString(1, refusedRowsKey(kind));
                try {
                    up.setString(2, JSON.writeValueAsString(keys));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException("cannot write the refused rows' keys", e);
                }
                up.addBatch();
                up.setString(1, refusalKey(kind));
                up.setString(2, Integer.toString(keys.size()));
                up.addBatch();
            }
            up.executeBatch();
        }
    }

    /** The DDL, idempotent: every sink start runs it, and it takes no lock when the tables are complete. */
    private void createTables() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS summaries (\n"
                    + COMMON_COLUMNS.formatted("text text NOT NULL,\n    digest text NOT NULL DEFAULT ''") + ")");
            s.execute("CREATE TABLE IF NOT EXISTS extractions (\n" + COMMON_COLUMNS.formatted(
                    "json jsonb NOT NULL,\n    spans jsonb NOT NULL DEFAULT '[]',\n    analysis jsonb NOT NULL DEFAULT '{}'") + ")");
            // tables made before these columns existed
            for (String[] added : ADDED_COLUMNS) {
                if (!hasColumn(added[0], added[1])) {
                    s.execute("ALTER TABLE " + added[0] + " ADD COLUMN IF NOT EXISTS " + added[1] + " " + added[2]);
                }
            }
        }
    }

    private boolean hasColumn(String table, String column) throws SQLException {
        try (PreparedStatement q = connection.prepareStatement("SELECT 1 FROM information_schema.columns"
                + " WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?")) {
            q.setString(1, table);
            q.setString(2, column);
            try (var rows = q.executeQuery()) {
                return rows.next();
            }
        }
    }

    /** One try of a batch. */
    @FunctionalInterface
    private interface Work<T> {
        T run() throws SQLException;
    }

    /**
     * Runs the batch, again after a failure that passes (SQLSTATE class 08, the connection lost; 40,
     * a serialization failure or deadlock; 57P01-57P03, the server shutting down or restarting), up
     * to TRANSIENT_ATTEMPTS tries with pauses doubling from half a second, on a new connection where
     * the old one was lost: the batch is one transaction and idempotent, so a try again writes it
     * exactly once. Any other failure, or the last try's, is thrown: the sink stops, and the batch
     * is read again from Kafka when it restarts.
     */
    private <T> T retrying(Work<T> work) throws SQLException {
        long pause = 500;
        for (int attempt = 1; ; attempt++) {
            try {
                return work.run();
            } catch (SQLException e) {
                String state = sqlState(e);
                boolean lost = state != null && (state.startsWith("08") || state.matches("57P0[123]"));
                boolean passing = lost || state != null && state.startsWith("40");
                if (!passing || attempt == TRANSIENT_ATTEMPTS) {
                    throw e;
                }
                LOG.log(System.Logger.Level.WARNING, "PostgreSQL failed a batch (SQLSTATE " + state + ": " + firstLine(e)
                        + "); try " + (attempt + 1) + " of " + TRANSIENT_ATTEMPTS + " in " + pause + " ms");
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                pause = Math.min(8_000, 2 * pause);
                if (lost || connection.isClosed()) {
                    reconnect(e);
                }
            }
        }
    }

    private void reconnect(SQLException cause) throws SQLException {
        try {
            connection.close();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
        try {
            Connection fresh = DriverManager.getConnection(jdbcUrl, props);
            fresh.setAutoCommit(false);
            connection = fresh;
        } catch (SQLException e) {
            // the server may still be restarting: the next try fails on the closed connection
            // (SQLSTATE 08003) and reconnects again, until the tries run out
            LOG.log(System.Logger.Level.WARNING, "cannot reconnect to PostgreSQL yet: " + firstLine(e));
        }
    }

    @Override
    public int write(List<SinkResult> batch) throws SQLException {
        return retrying(() -> writeOnce(batch));
    }

    private int writeOnce(List<SinkResult> batch) throws SQLException {
        if (batch.isEmpty()) {
            return 0;
        }
        try (PreparedStatement summaries = connection.prepareStatement(INSERT_SUMMARY);
             PreparedStatement extractions = connection.prepareStatement(INSERT_EXTRACTION)) {
            int summaryRows = 0;
            int extractionRows = 0;
            for (SinkResult r : batch) {
                bind(r, summaries, extractions);
                if (r.kind() == SinkResult.Kind.SUMMARY) {
                    summaryRows++;
                } else {
                    extractionRows++;
                }
            }
            int inserted = (summaryRows > 0 ? inserted(summaries.executeBatch()) : 0)
                    + (extractionRows > 0 ? inserted(extractions.executeBatch()) : 0);
            connection.commit();
            return inserted;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(e);
            throw e;
        }
    }

    /**
     * The batch in one transaction as write() does; when PostgreSQL refuses a row for its data
     * (SQLSTATE class 22, a value out of range, or 23, a constraint), the batch is written again one
     * row at a time in one transaction, each row under a savepoint, and the rows refused that way
     * are handed back with PostgreSQL's reason. Any other error fails the batch as write() does, and
     * so do REFUSED_IN_A_ROW refusals by one table with no row written to it between them (the table
     * refuses every row: dead letters would only hide it), rolling the batch back.
     */
    @Override
    public Written writeAll(List<SinkResult> batch) throws SQLException {
        return retrying(() -> {
            // a try that fails is rolled back, its refusals with it: they are counted again by the next
            java.util.EnumMap<SinkResult.Kind, java.util.LinkedHashSet<List<Object>>> before = new java.util.EnumMap<>(SinkResult.Kind.class);
            refusedInARow.forEach((kind, keys) -> before.put(kind, new java.util.LinkedHashSet<>(keys)));
            try {
                return writeAllOnce(batch);
            } catch (SQLException | RuntimeException e) {
                refusedInARow.clear();
                refusedInARow.putAll(before);
                throw e;
            }
        });
    }

    private Written writeAllOnce(List<SinkResult> batch) throws SQLException {
        try {
            Written written = new Written(writeOnce(batch), List.of());
            // its tables took rows since their last refusal: every table's count goes, not only the first found
            boolean cleared = false;
            for (SinkResult.Kind kind : batch.stream().map(SinkResult::kind).distinct().toList()) {
                cleared |= refusedInARow.remove(kind) != null;
            }
            if (cleared) {
                try {
                    saveRefusals();
                    connection.commit();
                } catch (SQLException | RuntimeException e) {
                    rollbackQuietly(e); // the batch is in; a count left behind only stops a later sink sooner
                }
            }
            return written;
        } catch (SQLException e) {
            if (!refusesData(e)) {
                throw e;
            }
        }
        List<Refusal> refused = new java.util.ArrayList<>();
        int inserted = 0;
        try (PreparedStatement summaries = connection.prepareStatement(INSERT_SUMMARY);
             PreparedStatement extractions = connection.prepareStatement(INSERT_EXTRACTION)) {
            for (SinkResult r : batch) {
                PreparedStatement st = r.kind() == SinkResult.Kind.SUMMARY ? summaries : extractions;
                java.sql.Savepoint before = connection.setSavepoint();
                try {
                    bind(r, summaries, extractions);
                    inserted += inserted(st.executeBatch());
                    connection.releaseSavepoint(before);
                    refusedInARow.remove(r.kind());
                } catch (SQLException rowError) {
                    if (!refusesData(rowError)) {
                        throw rowError;
                    }
                    connection.rollback(before);
                    st.clearBatch();
                    String reason = "PostgreSQL refused the row (SQLSTATE " + sqlState(rowError) + "): " + firstLine(rowError);
                    java.util.LinkedHashSet<List<Object>> keys = refusedInARow.computeIfAbsent(r.kind(), k -> new java.util.LinkedHashSet<>());
                    keys.add(refusedKey(r));
                    if (keys.size() >= REFUSED_IN_A_ROW) {
                        // a NOT NULL column without a default, a constraint no row meets: the table is
                        // at fault, and dead-lettering every result would drain the topic into dead letters
                        throw new SQLException(REFUSED_IN_A_ROW + " rows in a row were refused by the "
                                + (r.kind() == SinkResult.Kind.SUMMARY ? "summaries" : "extractions") + " table, the last: " + reason
                                + "; the table, not the data, looks at fault, so the sink stops", "55000", rowError);
                    }
                    refused.add(new Refusal(r, reason));
                }
            }
            saveRefusals();
            connection.commit();
            return new Written(inserted, List.copyOf(refused));
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(e);
            throw e;
        }
    }

    /** Whether PostgreSQL refused data rather than failed: SQLSTATE class 22 (data exception) or 23 (constraint). */
    static boolean refusesData(SQLException e) {
        String state = sqlState(e);
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    /** The SQLSTATE of the error, looked for also in a batch's next exceptions and the causes. */
    private static String sqlState(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if (x.getSQLState() != null) {
                return x.getSQLState();
            }
            if (x.getCause() instanceof SQLException cause && cause.getSQLState() != null) {
                return cause.getSQLState();
            }
        }
        return null;
    }

    private static String firstLine(SQLException e) {
        SQLException x = e.getNextException() != null ? e.getNextException() : e;
        String m = String.valueOf(x.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }

    /**
     * Key, the kind's own columns (text and digest, or json, spans and analysis), then the shared
     * ones in VALUE_COLUMNS order. Every string goes through storable(): PostgreSQL refuses U+0000
     * in text, and a model or a document can produce it; refused, one row would fail its batch
     * again on every restart and stop the sink.
     */
    private static void bind(SinkResult r, PreparedStatement summaries, PreparedStatement extractions) throws SQLException {
        if (r.kind() == SinkResult.Kind.SUMMARY) {
            bind(summaries, r, r.content(), r.digest());
        } else {
            bind(extractions, r, json(ResultJson.content(r.content())), json(ResultJson.spans(r.spans())),
                    json(ResultJson.content(r.analysis())));
        }
    }

    private static void bind(PreparedStatement st, SinkResult r, String... own) throws SQLException {
        int i = 1;
        st.setString(i++, storable(r.key().jobId()));
        st.setInt(i++, r.key().taskIndex());
        st.setString(i++, storable(r.key().submissionId()));
        for (String column : own) {
            st.setString(i++, storable(column));
        }
        st.setLong(i++, r.usage().getPromptTokens());
        st.setLong(i++, r.usage().getOutputTokens());
        st.setLong(i++, r.usage().getDocumentTokens());
        st.setDouble(i++, r.usage().getDocumentShareRead());
        st.setLong(i++, r.timings().getQueuedMs());
        st.setLong(i++, r.timings().getRunningMs());
        st.setLong(i++, r.timings().getEndToEndMs());
        st.setString(i++, storable(r.model().getName()));
        st.setString(i++, storable(r.model().getBackend()));
        st.setString(i++, storable(r.model().getWeightsDtype()));
        st.setLong(i, r.producedAt());
        st.addBatch();
    }

    /** Text PostgreSQL can store: U+0000 replaced by NUL_REPLACEMENT. */
    static String storable(String text) {
        return text.indexOf('\u0000') < 0 ? text : text.replace('\u0000', NUL_REPLACEMENT);
    }

    /**
     * JSON text for a jsonb column: jsonb refuses the escape \\u0000, so string values and field
     * names carrying U+0000 are stored with NUL_REPLACEMENT (replaced on the parsed tree, not in
     * the text, where an escaped backslash before "u0000" must stay as it is).
     */
    static String json(com.fasterxml.jackson.databind.JsonNode node) {
        return ResultJson.write(withoutNul(node));
    }

    private static com.fasterxml.jackson.databind.JsonNode withoutNul(com.fasterxml.jackson.databind.JsonNode node) {
        if (node.isTextual()) {
            String text = node.asText();
            return text.indexOf('\u0000') < 0 ? node : com.fasterxml.jackson.databind.node.TextNode.valueOf(storable(text));
        }
        if (node.isArray()) {
            var out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
            node.forEach(e -> out.add(withoutNul(e)));
            return out;
        }
        if (node.isObject()) {
            var out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            node.properties().forEach(e -> out.set(storable(e.getKey()), withoutNul(e.getValue())));
            return out;
        }
        return node;
    }

    /** Rows a batch wrote: the conflict clause reports 0 for a row already there of the same submission. */
    private static int inserted(int[] counts) {
        int n = 0;
        for (int c : counts) {
            // SUCCESS_NO_INFO (-2) would mean the driver could not tell; PostgreSQL's always can.
            n += Math.max(c, 0);
        }
        return n;
    }

    private void rollbackQuietly(Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
