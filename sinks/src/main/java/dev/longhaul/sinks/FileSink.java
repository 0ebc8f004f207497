/*
 * Results as JSON Lines files in one directory (format: ResultJson.line), rotated by size and age.
 *
 * Files: results-NNNNNNNN.jsonl, numbered in order. The file being written is named
 * .results-NNNNNNNN.jsonl.inprogress and is renamed to results-NNNNNNNN.jsonl when rotated or when
 * the sink closes, so a reader only ever sees complete files: one that lists *.jsonl, and one that
 * reads the whole directory, as Spark, Hadoop and pyarrow do, since they skip names that start
 * with a dot. (Sinks before named the file in progress without the dot; start completes those too.)
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
 * from Kafka. A completed file with such a line was changed by hand, and stops the sink. The file
 * a crash left in progress stays in progress, written on: its last batch's offsets may never have
 * been committed, and published now and moved away by a shipper, a second failure before the
 * commit would leave the replay nothing to find that batch in (see tick()).
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
            owner = "directory " + directory.bindGroup(config.groupId());
            recover();
        } catch (IOException | RuntimeException e) {
            if (current != null) {
                try {
                    current.close();
                } catch (IOException closing) {
                    e.addSuppressed(closing);
                }
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

    /** Closes leaving the file in progress as it is: the next start completes it (recover()). */
    @Override
    public void abandon() throws IOException {
        torn = true;
        close();
    }

    /** Closes the file in progress (renamed to .jsonl) and releases the directory. */
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

    /**
     * Reads the keys of every file and cuts a torn tail; the last file left in progress is written
     * on (under its hidden name), any before it (none, unless a sink's files were mixed by hand) completed.
     */
    private void recover() throws IOException {
        directory.refuse(ParquetFileSink.NAME, "Parquet results");
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).sorted().toList();
        }
        // the file in progress with the highest number of all (a finished file numbered above it
        // would put the results written on before that file's)
        Path lastInProgress = null;
        int highest = -1;
        for (Path file : files) {
            Matcher m = NAME.matcher(file.getFileName().toString());
            if (!m.matches()) {
                continue;
            }
            int number = Integer.parseInt(m.group(2) != null ? m.group(2) : m.group(1));
            if (number > highest) {
                highest = number;
                lastInProgress = m.group(2) != null ? file : null;
            } else if (number == highest && m.group(2) != null) {
                lastInProgress = file; // both names of one number: the check below stops the sink
            }
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
                if (file.equals(lastInProgress)) {
                    reopen(file, complete);
                } else {
                    Files.move(file, finished, StandardCopyOption.ATOMIC_MOVE);
                    directory.sync();
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
                        written.add(ResultJson.key(line.toString(StandardCharsets.UTF_8)));
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

    /** Goes on writing a file a crash left in progress, its `size` bytes whole lines, under the hidden name. */
    private void reopen(Path file, long size) throws IOException {
        Path hidden = file.getFileName().toString().startsWith(".") ? file : file.resolveSibling("." + file.getFileName());
        if (!hidden.equals(file)) {
            if (Files.exists(hidden)) {
                throw new IOException(file + " and " + hidden + " both exist: sinks of two versions crashed on this directory; "
                        + "merge them by hand");
            }
            Files.move(file, hidden, StandardCopyOption.ATOMIC_MOVE);
            directory.sync();
        }
        current = FileChannel.open(hidden, StandardOpenOption.WRITE);
        current.position(size);
        currentPath = hidden;
        currentOpened = clock.instant(); // its age counts from now: when it was begun is not kept
        currentSize = size;
    }

    private void open() throws IOException {
        currentPath = dir.resolve(String.format(Locale.ROOT, ".results-%08d%s%s", nextNumber++, SUFFIX, IN_PROGRESS));
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
