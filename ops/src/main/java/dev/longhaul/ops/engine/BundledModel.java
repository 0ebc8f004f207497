/*
 * The bundled demo model: the `s` size (seed 7, f32) synthesized into
 * <home>/.longhaul/models/minimax-s the first time a demo needs it and reused afterwards. Written
 * beside its final place (a folder per process) and moved in atomically, so an interrupted run never
 * leaves half a model that a later run would take for a cached one, and two first runs at once do
 * not delete each other's work: the second to finish uses the first's. Both demos share it.
 */
package dev.longhaul.ops.engine;

import dev.longhaul.engine.checkpoint.Checkpoint;
import dev.longhaul.engine.checkpoint.DType;
import dev.longhaul.engine.model.ModelConfig;
import dev.longhaul.engine.synth.ModelSynth;
import dev.longhaul.engine.synth.SynthSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

public final class BundledModel {
    /** Where the bundled model lives, relative to the repository root (git-ignored). */
    public static final String MODEL_DIR = ".longhaul/models/minimax-s";
    public static final SynthSpec SPEC = SynthSpec.of("s", 7, DType.F32);

    /** The model folder and whether this call synthesized it (false: a previous run's copy). */
    public record Ready(Path dir, boolean synthesized) {}

    private BundledModel() {}

    /** The bundled model under {@code home}, synthesized now when missing; {@code log} gets synthesis lines. */
    public static Ready ensure(Path home, Consumer<String> log) {
        Path dir = home.toAbsolutePath().normalize().resolve(MODEL_DIR);
        if (complete(dir)) {
            return new Ready(dir, false);
        }
        // a folder of this call's own: two first runs at once must not delete each other's
        String prefix = dir.getFileName() + ".partial-";
        Path partial = dir.resolveSibling(prefix + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime()));
        WRITING.add(partial);
        Path lockFile = lockOf(partial);
        try {
            Files.createDirectories(dir.getParent()); // the lock file lies beside the folder, in a folder a first run makes
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo model " + dir + ": " + e.getMessage(), e);
        }
        try (java.nio.channels.FileChannel lockChannel = java.nio.channels.FileChannel.open(lockFile,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             java.nio.channels.FileLock writing = lockChannel.lock()) { // held while the folder is written: see deleteAbandoned
            deleteAbandoned(dir.getParent(), prefix);
            deleteFolder(partial);
            ModelSynth.write(partial, SPEC, log::accept);
            if (complete(dir)) { // another run finished first: the same seed, the same model
                deleteFolder(partial);
                return new Ready(dir, false);
            }
            if (Files.exists(dir)) {
                // what an interrupted older version left: moved aside in one step, then deleted, so
                // that no other run ever sees it half deleted (one finishing meanwhile wrote the same model)
                Path aside = dir.resolveSibling(prefix + ProcessHandle.current().pid() + "-stale-" + System.nanoTime());
                WRITING.add(aside); // being deleted here: not another run's to delete
                try {
                    Files.move(dir, aside, StandardCopyOption.ATOMIC_MOVE);
                    deleteFolder(aside);
                } catch (java.nio.file.NoSuchFileException gone) {
                    // moved or removed by another run meanwhile
                } finally {
                    WRITING.remove(aside);
                }
            }
            try {
                Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
                if (!complete(dir)) {
                    throw raced;
                }
                deleteFolder(partial);
                return new Ready(dir, false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo model " + dir + ": " + e.getMessage(), e);
        } finally {
            WRITING.remove(partial);
            try {
                Files.deleteIfExists(lockFile);
            } catch (IOException ignored) {
                // an empty file left; the next run's cleanup takes it
            }
        }
        return new Ready(dir, true);
    }

    /** Partial folders this process is writing now (in this JVM a lock of another thread's cannot be asked). */
    static final java.util.Set<Path> WRITING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The file a run holds locked while it writes `partial` (a sibling, so that deleting the folder leaves the lock). */
    static Path lockOf(Path partial) {
        return partial.resolveSibling(partial.getFileName() + ".lock");
    }

    /**
     * Deletes partial folders no run is writing (killed mid-synthesis): one whose lock file nobody
     * holds. Not by process id alone: in containers every JVM is pid 1, so an earlier run's folder
     * bears this process's pid, and a run in another container sharing the folder bears it too.
     * A folder without a lock file (an older version's) goes by its pid: kept while that process
     * lives, and when it is this process's, while this process writes it.
     */
    static void deleteAbandoned(Path parent, String prefix) throws IOException {
        if (parent == null || !Files.isDirectory(parent)) {
            return;
        }
        try (Stream<Path> siblings = Files.list(parent)) {
            for (Path p : siblings.toList()) {
                String name = p.getFileName().toString();
                if (!name.startsWith(prefix) || name.endsWith(".lock") || WRITING.contains(p.toAbsolutePath().normalize())) {
                    continue;
                }
                Path lock = lockOf(p);
                if (Files.exists(lock)) {
                    try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(lock, java.nio.file.StandardOpenOption.WRITE);
                         java.nio.channels.FileLock free = channel.tryLock()) {
                        if (free == null) {
                            continue; // another process writes it
                        }
                        deleteFolder(p);
                    } catch (java.nio.channels.OverlappingFileLockException thisProcess) {
                        continue;
                    } catch (java.nio.file.NoSuchFileException gone) {
                        continue; // its run ended meanwhile
                    }
                    Files.deleteIfExists(lock);
                    continue;
                }
                try {
                    String rest = name.substring(prefix.length());
                    long pid = Long.parseLong(rest.contains("-") ? rest.substring(0, rest.indexOf('-')) : rest);
                    if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        continue; // another live process may be writing it
                    }
                } catch (NumberFormatException notOurs) {
                    continue;
                }
                deleteFolder(p);
            }
        }
    }

    /** A folder holds a model once its config and its weights (single file or index) are there. */
    public static boolean complete(Path dir) {
        return Files.isRegularFile(dir.resolve(ModelConfig.FILE))
                && (Files.isRegularFile(dir.resolve(Checkpoint.SINGLE_FILE))
                        || Files.isRegularFile(dir.resolve(Checkpoint.INDEX_FILE)));
    }

    private static void deleteFolder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
