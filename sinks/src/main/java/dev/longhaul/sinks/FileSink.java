/*
 * Results as JSON Lines files in one directory (format: ResultJson.line), rotated by size and age.
 *
 * Files: results-NNNNNNNN.jsonl, numbered in order. The file being written is named
 * .results-NNNNNNNN.jsonl.inprogress and is renamed to results-NNNNNNNN.jsonl when rotated or when
 * the sink closes, so a reader only ever sees complete files: one that lists *.jsonl, and one that
 * reads the whole directory, as Spark, Hadoop and pyarrow do, since they skip names that start
 * with a dot. (Sinks before named the file in progress without the dot; start holds those too, renamed.)
 *
 * Durability: each batch is appended in one write and fsynced before write() returns (the runner
 * commits Kafka offsets only after that); a new file and every rename are followed by an fsync of
 * the directory, so neither a file nor its name is lost in a crash.
 *
 * Idempotence: on start the sink reads every file in the directory once and keeps the set of
 * (job id, task index, submission) already written (tens of bytes a result: millions of results fit
 * in memory); a replayed result whose key is in the set is skipped. A crash in the middle of an
 * append can leave a torn tail in the in-progress file: a partial last line, or, where the file
 * system wrote back the file's size before its data, lines of zeros or of pages out of order.
 * Everything after the last fsync belongs to a batch whose offsets were never committed, so the
 * tail is cut off at start from the first line that is not a result, and the batch comes again
 * from Kafka. A completed file with such a line was changed by hand, and stops the sink. A file a
 * crash left in progress is held, in progress and no longer written to, until confirmed(): its
 * last batch's offsets may never have been committed, and published at start and moved away by a
 * shipper, a second failure before the commit would leave the replay nothing to find that batch in
 * (see tick()). So is the file in progress when the runner says a batch in it may not be committed
 * (holdUntilConfirmed). close() finishes the file in progress but leaves held files for the next start.
 *
 * One sink per directory: SinkDirectory's lock refuses a second sink, because two writers' sets
 * of written keys would not see each other.
 */
package dev.longhaul.sinks;

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
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.Locale;

public final class FileSink implements ResultSink {
    static final String SUFFIX = ".jsonl";
    static final String IN_PROGRESS = ".inprogress";
    /** A finished file (group 1: its number), or one in progress (group 2), hidden or as older sinks named it. */
    static final Pattern NAME = Pattern.compile("results-(\\d{8})\\.jsonl|\\.?results-(\\d{8})\\.jsonl\\.inprogress");

    private final Path dir;
    private final long maxBytes;
    private final Duration maxAge;
    private final Clock clock;
    private final Set<SinkResult.Key> written = new HashSet<>();
    private final SinkDirectory directory;
    /** The directory's id, stamped on the offsets the runner commits (see SinkDirectory.bindGroup). */
    private final String owner;
    private int nextNumber;
    private FileChannel current;
    private Path currentPath;
    private Instant currentOpened;
    private long currentSize;
    private boolean closed;
    /** The file in progress may end in a partial line that could not be cut off: never complete it. */
    private boolean torn;
    /** Files in progress, whole lines, not written to any more, finished only at confirmed(). */
    private final java.util.List<Path> held = new java.util.ArrayList<>();

    /** A sink on the system clock, rotating at config.maxFileBytes() and config.maxFileAge(). */
    public FileSink(Path dir, SinkConfig config) throws IOException {
        this(dir, config, Clock.systemUTC());
    }

    /** As above; the clock decides when a file is old enough to rotate (tests turn it by hand). */
    public FileSink(Path dir, SinkConfig config, Clock clock) throws IOException {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.maxBytes = config.maxFileBytes();
        this.maxAge = config.maxFileAge();
        this.clock = Objects.requireNonNull(clock, "clock");
        directory = SinkDirectory.lock(dir);
        try {
            // the format first: the other format's sink has its own default group, so the group's
            // refusal would give the wrong advice, and on a directory from before .group it would
            // bind the directory to the wrong group for good
            directory.refuse(ParquetFileSink.NAME, "Parquet results");
            owner = "directory " + directory.bindGroup(config.groupId());
            recover();
        } catch (IOException | RuntimeException e) {
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
        Set<SinkResult.Key> fresh = new HashSet<>();
        for (SinkResult r : batch) {
            if (!written.contains(r.key()) && fresh.add(r.key())) {
                lines.append(ResultJson.line(r)).append('\n');
            }
        }
        if (fresh.isEmpty()) {
            return 0;
        }
        if (current == null) {
            open();
        }
        ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
        long before = currentSize;
        try {
            while (bytes.hasRemaining()) {
                currentSize += current.write(bytes);
            }
            current.force(true);
        } catch (IOException e) {
            // a disk full part-way leaves half a batch: cut it off, so the file stays whole lines and
            // can still be completed; the batch comes again from Kafka (its offsets are not committed)
            try {
                current.truncate(before);
                current.force(true);
                currentSize = before;
            } catch (IOException cut) {
                e.addSuppressed(cut);
                torn = true; // close() leaves the file in progress, and the next start cuts the tail
            }
            throw e;
        }
        written.addAll(fresh);
        return fresh.size();
    }

    /**
     * Rotates the file once it has reached maxBytes or has been open for maxAge (also when no
     * results arrive). Here, not in write(): the runner calls tick() after it has committed the
     * offsets of what write() wrote, so a finished file holds only results whose offsets are
     * committed. A file finished before that and moved away by a shipper would leave a crash's
     * replay of the batch nothing to find it in, and the batch would be written twice.
     */
    @Override
    public void tick() throws IOException {
        if (current != null && (currentSize >= maxBytes || !clock.instant().isBefore(currentOpened.plus(maxAge)))) {
            finish();
        }
    }

    /** Results (keys) in the directory, as far as this sink knows. */
    public int resultCount() {
        return written.size();
    }

    /** Holds the file in progress until confirmed(): a batch in it may not be committed. The next write opens another. */
    @Override
    public void holdUntilConfirmed() throws IOException {
        if (current != null && !torn) {
            current.force(true);
            current.close();
            current = null;
            held.add(currentPath);
        }
    }

    /** Finishes the files held: every result in them is committed. */
    @Override
    public void confirmed() throws IOException {
        for (Path file : List.copyOf(held)) {
            Files.move(file, finishedName(file), StandardCopyOption.ATOMIC_MOVE);
            directory.sync();
            held.remove(file);
        }
    }

    /** Files held until confirmed(), in progress (tests). */
    List<Path> held() {
        return List.copyOf(held);
    }

    /** Closes leaving the file in progress as it is: the next start holds it (recover()). */
    @Override
    public void abandon() throws IOException {
        torn = true;
        close();
    }

    /** Closes the file in progress (renamed to .jsonl) and releases the directory; held files stay in progress. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (current != null && torn) {
                current.close(); // left .inprogress: recover() cuts the partial line at the next start
            } else if (current != null) {
                finish();
            }
        } finally {
            directory.close();
        }
    }

    /** Reads the keys of every file, cuts a torn tail and holds every file left in progress (under its hidden name). */
    private void recover() throws IOException {
        nextNumber = directory.nextNumber(); // files moved away took their numbers with them
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).sorted().toList();
        }
        for (Path file : files) {
            Matcher m = NAME.matcher(file.getFileName().toString());
            if (!m.matches()) {
                continue;
            }
            boolean inProgress = m.group(2) != null;
            nextNumber = Math.max(nextNumber, Integer.parseInt(inProgress ? m.group(2) : m.group(1)) + 1);
            long complete = readKeys(file, inProgress);
            if (inProgress) {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(complete);
                    ch.force(true);
                }
                Path finished = finishedName(file);
                if (Files.exists(finished)) { // a rename would replace it (an older sink, run after a crash, wrote it)
                    throw new IOException(file + " and " + finished + " both exist: a sink of another version wrote "
                            + finished + " after a crash left " + file + "; merge them by hand");
                }
                if (complete == 0) {
                    Files.delete(file); // nothing whole in it: nothing to hold
                    directory.sync();
                } else {
                    held.add(hidden(file));
                }
            } else if (complete != Files.size(file)) {
                throw new IOException(file + " ends in a partial line although it was completed; it was changed by hand");
            }
        }
    }

    /**
     * Adds the key of every complete line to the set; returns the byte length of those lines. In
     * a file in progress (`torn` true) the lines end at the first that is not a result; in a
     * completed one such a line is an error.
     */
    private long readKeys(Path file, boolean torn) throws IOException {
        long complete = 0;
        long position = 0;
        int lineNumber = 0;
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buffer[i] != '\n') {
                        continue;
                    }
                    line.write(buffer, start, i - start);
                    lineNumber++;
                    try {
                        String text = line.toString(StandardCharsets.UTF_8);
                        written.add(torn ? ResultJson.key(text) : ResultJson.publishedKey(text));
                    } catch (IOException e) {
                        if (torn) {
                            return complete; // the unsynced tail begins here
                        }
                        throw new IOException(file + " line " + lineNumber + ": " + e.getMessage(), e);
                    }
                    line.reset();
                    start = i + 1;
                    complete = position + start;
                }
                line.write(buffer, start, n - start);
                position += n;
            }
        }
        return complete;
    }

    /** A file a crash left in progress, its tail cut, under the hidden name (an older sink's is renamed). */
    private Path hidden(Path file) throws IOException {
        Path hidden = file.getFileName().toString().startsWith(".") ? file : file.resolveSibling("." + file.getFileName());
        if (!hidden.equals(file)) {
            if (Files.exists(hidden)) {
                throw new IOException(file + " and " + hidden + " both exist: sinks of two versions crashed on this directory; "
                        + "merge them by hand");
            }
            Files.move(file, hidden, StandardCopyOption.ATOMIC_MOVE);
            directory.sync();
        }
        return hidden;
    }

    private void open() throws IOException {
        int number = nextNumber++;
        directory.taken(nextNumber);
        currentPath = dir.resolve(String.format(Locale.ROOT, ".results-%08d%s%s", number, SUFFIX, IN_PROGRESS));
        current = FileChannel.open(currentPath, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        currentOpened = clock.instant();
        currentSize = 0;
        directory.sync();
    }

    private void finish() throws IOException {
        if (torn) {
            throw new IOException(currentPath + " may end in a partial line; restart the sink to repair it");
        }
        current.force(true);
        current.close();
        current = null;
        Files.move(currentPath, finishedName(currentPath), StandardCopyOption.ATOMIC_MOVE);
        directory.sync();
    }

    /** results-NNNNNNNN.jsonl for a file in progress, hidden or not. */
    private static Path finishedName(Path inProgress) {
        String name = inProgress.getFileName().toString();
        int from = name.startsWith(".") ? 1 : 0;
        return inProgress.resolveSibling(name.substring(from, name.length() - IN_PROGRESS.length()));
    }
}
