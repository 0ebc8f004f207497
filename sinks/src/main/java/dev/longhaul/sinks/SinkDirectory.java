/*
 * A file sink's directory, held by one sink at a time: a lock file (.lock) refuses a second sink, in
 * this process or another, because two writers' sets of written keys would not see each other; and
 * sync() makes created, renamed and deleted names durable (POSIX file systems need an fsync of the
 * directory for that); refuse() keeps the two file formats apart; bindGroup() ties the directory to
 * one consumer group. Shared by the JSON Lines and the Parquet sink.
 */
package dev.longhaul.sinks;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

final class SinkDirectory implements AutoCloseable {
    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private SinkDirectory(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Creates the directory if missing and locks it; IllegalStateException when another sink holds it. */
    static SinkDirectory lock(Path dir) throws IOException {
        createDurably(dir.toAbsolutePath());
        FileChannel channel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock acquired;
        try {
            acquired = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            acquired = null; // held by another sink in this JVM
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (acquired == null) {
            channel.close();
            throw new IllegalStateException("another file sink is writing to " + dir);
        }
        return new SinkDirectory(dir, channel, acquired);
    }

    Path path() {
        return dir;
    }

    /**
     * Ties the directory to the sink's consumer group (file .group, written on first use: the
     * group's id, then the directory's own random id): the group's committed offsets say what the
     * directory holds. A sink of another group on it is refused here; two directories under one
     * group (each would get part of the partitions, so part of the results) are told apart by the
     * id, which SinkRunner stamps on the offsets it commits (ResultSink.owner). Returns the id. A
     * .group of one line (written before ids) gets one now.
     */
    String bindGroup(String groupId) throws IOException {
        Path file = dir.resolve(".group");
        if (Files.exists(file)) {
            List<String> lines = Files.readString(file, StandardCharsets.UTF_8).strip().lines().map(String::strip).toList();
            String bound = lines.isEmpty() ? "" : lines.get(0);
            if (!bound.equals(groupId)) {
                throw new IllegalStateException(dir + " holds the results of consumer group " + bound + ", not " + groupId
                        + ": run its sink with --group " + bound + ", or give group " + groupId + " a directory of its own");
            }
            if (lines.size() > 1 && !lines.get(1).isEmpty()) {
                return lines.get(1);
            }
        }
        String id = java.util.UUID.randomUUID().toString();
        writeDurably(".group", groupId + "\n" + id + "\n");
        return id;
    }

    /**
     * The least number the directory's next file may take (file .next; 0 without it). taken()
     * raises it before each new file, so that no name is used twice, also once finished files have
     * been moved away: numbered again from the files left, a shipper that copies by name would
     * replace the earlier file downstream with the new one.
     */
    int nextNumber() throws IOException {
        Path file = dir.resolve(".next");
        if (!Files.exists(file)) {
            return 0;
        }
        String text = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (!text.matches("\\d{1,9}")) {
            throw new IOException(file + " should hold the number of the directory's next results file, not \""
                    + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "\"; write there one more than the highest"
                    + " number the directory's files (here or shipped) ever had");
        }
        return Integer.parseInt(text);
    }

    /** Records durably, before file number next - 1 is made, that every number below next is taken (nextNumber). */
    void taken(int next) throws IOException {
        writeDurably(".next", next + "\n");
    }

    /** Replaces the directory's file `name` with `text` atomically and durably. */
    private void writeDurably(String name, String text) throws IOException {
        Path temporary = dir.resolve(name + ".tmp");
        try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            out.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            out.force(true);
        }
        Files.move(temporary, dir.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        sync();
    }

    /**
     * IllegalStateException when a file in the directory matches foreign, the names of the other
     * file format: a sink would not see those results and would write them all again beside them.
     */
    void refuse(Pattern foreign, String what) throws IOException {
        try (Stream<Path> listing = Files.list(dir)) {
            Optional<String> found = listing.map(p -> p.getFileName().toString()).filter(n -> foreign.matcher(n).matches()).findFirst();
            if (found.isPresent()) {
                throw new IllegalStateException(dir + " holds " + what + " (" + found.get() + "); give each file format a directory of its own");
            }
        }
    }

    /**
     * Creates the directory and any missing parents, each made durable in its own parent: the
     * results' fsyncs cover the files and the directory's entries, not the directory's own name,
     * and offsets are committed on the strength of those fsyncs.
     */
    private static void createDurably(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.getParent();
        if (parent != null) {
            createDurably(parent);
        }
        try {
            Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw e;
            }
            return; // made meanwhile by someone else, who syncs it
        }
        if (parent != null) {
            sync(parent);
        }
    }

    /** Makes a created, renamed or deleted name in the directory durable. */
    void sync() throws IOException {
        sync(dir);
    }

    private static void sync(Path directory) throws IOException {
        try (FileChannel d = FileChannel.open(directory, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** Releases the directory to the next sink. */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            lockChannel.close();
        }
    }
}
