/*
 * Results as Parquet files in one directory (columns: ResultParquet), rotated by size and age.
 *
 * Files: results-NNNNNNNN.parquet, numbered in order, each complete: a Parquet file is only readable
 * once its footer is written, so the file being built is named .results-NNNNNNNN.parquet.inprogress
 * and is renamed to results-NNNNNNNN.parquet only after it is closed and fsynced. Neither a reader
 * that lists *.parquet nor one that reads the whole directory (Spark, Hadoop and pyarrow skip names
 * that start with a dot) sees half a file or a journal.
 *
 * Durability and idempotence, the JSON Lines sink's (FileSink) guarantees kept: write() returns only
 * when the batch is durable, and the runner commits the batch's offsets right after. A Parquet file
 * cannot be made durable batch by batch (no footer until it is closed), so each batch is first
 * appended as JSON Lines (ResultJson) to the file's journal, .results-NNNNNNNN.parquet.journal, and
 * fsynced; the same results go into the Parquet writer, in memory. When the file rotates it is
 * closed, fsynced and renamed, and only then is its journal deleted. So every result whose offsets
 * were committed is in a finished .parquet file or in a journal, whatever moment a crash picks.
 *
 * On start the sink reads the key columns of every finished file into the set of (job id, task
 * index) already written, and completes whatever a crash left: a half-built .inprogress file is
 * deleted; a journal whose .parquet exists (the crash fell between the rename and the delete) is
 * deleted; any other journal is replayed into its file again, its torn last line (a batch never
 * fsynced, so never committed, and coming again from Kafka) cut off, and that file is held, built
 * but not published and not written to, until confirmed(): its last batch's offsets may never have
 * been committed, and a file published now and moved away by a shipper would leave a second
 * failure's replay nothing to find that batch in (see tick()). So is the file being built when the
 * runner says a batch in it may not be committed (holdUntilConfirmed). close() finishes the file
 * being built but leaves held files' journals for the next start. A replayed result whose key is
 * in the set is skipped, so a restart that reads uncommitted batches again writes nothing twice.
 * Sinks before named the journal and the file in progress without the leading dot; start renames
 * such files to the hidden names first, then completes them the same way.
 *
 * Size: a file rotates once the Parquet writer's data size (written plus buffered, compressed
 * pages) reaches maxFileBytes; the journal beside it is larger (uncompressed JSON) and short-lived.
 * One sink per directory (SinkDirectory), and a directory of JSON Lines results is refused.
 */
package dev.longhaul.sinks;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetWriter;

public final class ParquetFileSink implements ResultSink {
    static final String SUFFIX = ".parquet";
    static final String IN_PROGRESS = ".inprogress";
    static final String JOURNAL = ".journal";
    /** A finished file (group 1: its number), or one in progress or a journal (group 2), hidden or not. */
    static final Pattern NAME = Pattern.compile("results-(\\d{8})\\.parquet|\\.?results-(\\d{8})\\.parquet(?:\\.inprogress|\\.journal)");
    /** A file in progress or a journal as sinks before named them, without the leading dot. */
    private static final Pattern UNHIDDEN = Pattern.compile("results-\\d{8}\\.parquet(?:\\.inprogress|\\.journal)");
    /** Row groups of at most 128 MiB (Parquet's default), fewer when files rotate earlier. */
    private static final long MAX_ROW_GROUP_BYTES = 128L << 20;

    private final Path dir;
    private final long maxBytes;
    private final Duration maxAge;
    private final Clock clock;
    private final Set<SinkResult.Key> written = new HashSet<>();
    private final SinkDirectory directory;
    /** The directory's id, stamped on the offsets the runner commits (see SinkDirectory.bindGroup). */
    private final String owner;
    private int nextNumber;
    private Building current;
    /** Files built, not written to any more, published only at confirmed(). */
    private final List<Building> held = new ArrayList<>();
    private boolean failed; // a write failed after its journal append: close() leaves the journal for the next start
    private boolean closed;

    /** The file being built: its journal (durable) and its Parquet writer (in memory until closed). */
    private record Building(int number, FileChannel journal, ParquetWriter<GenericRecord> writer, Instant opened) {}

    /** A sink on the system clock, rotating at config.maxFileBytes() and config.maxFileAge(). */
    public ParquetFileSink(Path dir, SinkConfig config) throws IOException {
        this(dir, config, Clock.systemUTC());
    }

    /** As above; the clock decides when a file is old enough to rotate (tests turn it by hand). */
    public ParquetFileSink(Path dir, SinkConfig config, Clock clock) throws IOException {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.maxBytes = config.maxFileBytes();
        this.maxAge = config.maxFileAge();
        this.clock = Objects.requireNonNull(clock, "clock");
        directory = SinkDirectory.lock(dir);
        try {
            // the format first: the other format's sink has its own default group, so the group's
            // refusal would give the wrong advice, and on a directory from before .group it would
            // bind the directory to the wrong group for good
            directory.refuse(FileSink.NAME, "JSON Lines results");
            owner = "directory " + directory.bindGroup(config.groupId());
            recover();
        } catch (IOException | RuntimeException e) {
            try {
                leaveHeld(); // their journals stay for the next start
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            directory.close();
            throw e;
        }
    }

    @Override
    public Optional<String> owner() {
        return Optional.of(owner);
    }

    /** A directory is one process's (its lock): every result must come here. */
    @Override
    public boolean holdsEveryResult() {
        return true;
    }

    @Override
    public int write(List<SinkResult> batch) throws IOException {
        StringBuilder lines = new StringBuilder();
        List<JsonNode> rows = new ArrayList<>();
        Set<SinkResult.Key> fresh = new HashSet<>();
        for (SinkResult r : batch) {
            if (!written.contains(r.key()) && fresh.add(r.key())) {
                JsonNode node = ResultJson.node(r);
                rows.add(node);
                lines.append(ResultJson.write(node)).append('\n');
            }
        }
        if (fresh.isEmpty()) {
            return 0;
        }
        if (current == null) {
            int number = nextNumber++;
            directory.taken(nextNumber); // before the file: no later file takes its name, shipped or not
            current = open(number);
        }
        ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            current.journal().write(bytes);
        }
        current.journal().force(true);
        written.addAll(fresh);
        failed = true; // until the rows are in the writer: the journal has them, the writer may not
        for (JsonNode row : rows) {
            current.writer().write(ResultParquet.row(row));
        }
        failed = false;
        return fresh.size();
    }

    /**
     * Rotates the file once it has reached maxBytes or has been open for maxAge (also when no
     * results arrive). Here, not in write(): the runner calls tick() after it has committed the
     * offsets of what write() wrote, so a finished file holds only results whose offsets are
     * committed (see FileSink.tick).
     */
    @Override
    public void tick() throws IOException {
        if (current != null && (current.writer().getDataSize() >= maxBytes || !clock.instant().isBefore(current.opened().plus(maxAge)))) {
            Building b = current;
            current = null;
            finish(b);
        }
    }

    /** Holds the file being built until confirmed(): a batch in it may not be committed. The next write starts another. */
    @Override
    public void holdUntilConfirmed() throws IOException {
        if (current != null && !failed) {
            current.journal().force(true);
            held.add(current);
            current = null;
        }
    }

    /** Publishes the files held: every result in them is committed. */
    @Override
    public void confirmed() throws IOException {
        while (!held.isEmpty()) {
            finish(held.removeFirst());
        }
    }

    /** Numbers of the files held until confirmed() (tests). */
    List<Integer> held() {
        return held.stream().map(Building::number).toList();
    }

    /** Results (keys) in the directory, as far as this sink knows. */
    public int resultCount() {
        return written.size();
    }

    /** Closes without finishing the file being built: its journal stays, and the next start replays it. */
    @Override
    public void abandon() throws IOException {
        failed = true;
        close();
    }

    /**
     * Finishes the file being built (renamed to .parquet) and releases the directory. After a failed
     * write the file is not finished: its journal stays, and the next sink on the directory replays it.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (current != null && !failed) {
                Building b = current;
                current = null;
                finish(b);
            }
        } finally {
            try {
                if (current != null) {
                    held.add(current);
                    current = null;
                }
                leaveHeld();
            } finally {
                directory.close();
            }
        }
    }

    /** Closes the files held without publishing them: their journals stay, and the next start replays and holds them. */
    private void leaveHeld() throws IOException {
        IOException first = null;
        for (Building b : held) {
            try (FileChannel journal = b.journal(); ParquetWriter<GenericRecord> writer = b.writer()) {
                // the .inprogress file written on close is deleted at the next start
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        held.clear();
        if (first != null) {
            throw first;
        }
    }

    /** Reads the keys of every finished file and completes what a crash left (see the file comment). */
    private void recover() throws IOException {
        try (Stream<Path> listing = Files.list(dir)) {
            for (Path p : listing.toList()) {
                if (UNHIDDEN.matcher(p.getFileName().toString()).matches()) {
                    Path hidden = p.resolveSibling("." + p.getFileName());
                    if (Files.exists(hidden)) { // a rename would replace it
                        throw new IOException(p + " and " + hidden + " both exist: sinks of two versions crashed on this "
                                + "directory; merge them by hand");
                    }
                    Files.move(p, hidden, StandardCopyOption.ATOMIC_MOVE);
                }
            }
        }
        directory.sync();
        TreeSet<Integer> numbers = new TreeSet<>();
        try (Stream<Path> listing = Files.list(dir)) {
            for (Path p : listing.toList()) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    numbers.add(Integer.parseInt(m.group(1) != null ? m.group(1) : m.group(2)));
                }
            }
        }
        nextNumber = directory.nextNumber(); // files moved away took their numbers with them
        for (int n : numbers) {
            nextNumber = Math.max(nextNumber, n + 1);
            Files.deleteIfExists(path(n, IN_PROGRESS));
            if (Files.exists(path(n, ""))) {
                readKeys(path(n, ""));
                Files.deleteIfExists(path(n, JOURNAL));
            } else if (Files.exists(path(n, JOURNAL))) {
                replay(n);
            }
        }
        directory.sync();
    }

    private void readKeys(Path file) throws IOException {
        try {
            boolean named = ResultParquet.hasColumn(file, "submissionId");
            ResultParquet.read(file, named ? ResultParquet.KEY_PROJECTION : ResultParquet.KEY_PROJECTION_BEFORE_SUBMISSIONS,
                    r -> written.add(new SinkResult.Key(r.get("jobId").toString(), (Integer) r.get("taskIndex"),
                            named && r.get("submissionId") != null ? r.get("submissionId").toString() : "")));
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " is not a readable results file (changed by hand?): " + e.getMessage(), e);
        }
    }

    /**
     * Builds file n again from its journal's complete lines, cutting the journal after them, and
     * holds it until confirmed(). A journal with no result that is not in a finished file already
     * is just deleted. The journal is read line by line, never whole: it is uncompressed JSON,
     * several times the size of the file it rebuilds.
     */
    private void replay(int n) throws IOException {
        Path journal = path(n, JOURNAL);
        Building[] built = {null};
        long whole = forEachCompleteLine(journal, row -> {
            if (written.add(ResultJson.key(row))) {
                if (built[0] == null) {
                    built[0] = open(n);
                    held.add(built[0]); // closed with the others if what follows fails
                }
                built[0].writer().write(ResultParquet.row(row));
            }
        });
        if (built[0] == null) {
            Files.delete(journal);
            return;
        }
        // lines appended after a torn tail would be lost at a later replay, which stops at it (the
        // journal is not written to while held; this keeps it whole for what a later start reads)
        built[0].journal().truncate(whole);
        built[0].journal().force(true);
    }

    /** Takes one line of a journal. */
    @FunctionalInterface
    private interface Row {
        void accept(JsonNode row) throws IOException;
    }

    /**
     * The journal's lines up to the last newline, and up to the first that is not a result; returns
     * the byte length of the lines taken. After the last fsync a crash may leave zeros or pages out
     * of order, not only a partial line, and all of that belongs to a batch whose offsets were never
     * committed.
     */
    private static long forEachCompleteLine(Path journal, Row each) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        long position = 0;
        long whole = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(journal), 1 << 16)) {
            for (int b; (b = in.read()) >= 0; ) {
                position++;
                if (b != '\n') {
                    line.write(b);
                    continue;
                }
                JsonNode row;
                try {
                    row = ResultJson.parse(line.toString(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    break;
                }
                each.accept(row);
                whole = position;
                line.reset();
            }
        }
        return whole;
    }

    /** Starts file n: its journal is opened for appending (a replayed journal is read, not written). */
    private Building open(int n) throws IOException {
        FileChannel journal = FileChannel.open(path(n, JOURNAL), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        try {
            ParquetWriter<GenericRecord> writer = ResultParquet.writer(path(n, IN_PROGRESS), Math.min(maxBytes, MAX_ROW_GROUP_BYTES));
            directory.sync();
            return new Building(n, journal, writer, clock.instant());
        } catch (IOException | RuntimeException e) {
            journal.close();
            throw e;
        }
    }

    /** Closes the Parquet file, makes it durable, publishes it under its final name, then drops its journal. */
    private void finish(Building b) throws IOException {
        try (FileChannel journal = b.journal()) {
            b.writer().close();
        }
        Path built = path(b.number(), IN_PROGRESS);
        try (FileChannel f = FileChannel.open(built, StandardOpenOption.WRITE)) {
            f.force(true);
        }
        Files.move(built, path(b.number(), ""), StandardCopyOption.ATOMIC_MOVE);
        directory.sync();
        Files.delete(path(b.number(), JOURNAL));
        directory.sync();
    }

    /** The finished file (state ""), or its hidden file in progress or journal. */
    private Path path(int number, String state) {
        return dir.resolve(String.format(Locale.ROOT, "%sresults-%08d%s%s", state.isEmpty() ? "" : ".", number, SUFFIX, state));
    }
}
