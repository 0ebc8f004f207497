/*
 * What the demo's model synthesis cleans up before it starts: partial folders that no running
 * synthesis is writing, also those of an earlier process that had this process's pid (a
 * container's JVM is pid 1 at every start), never one this process is writing now.
 */
package dev.longhaul.ops.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundledModelTest {
    @TempDir
    Path models;

    @Test
    void aPartialFolderOfThisPidIsDeletedUnlessThisProcessIsWritingIt() throws Exception {
        long pid = ProcessHandle.current().pid();
        Path left = Files.createDirectories(models.resolve("minimax-s.partial-" + pid + "-killed"));
        Files.writeString(left.resolve("model.safetensors"), "half");
        Path writing = Files.createDirectories(models.resolve("minimax-s.partial-" + pid + "-busy"));
        Path other = Files.createDirectories(models.resolve("minimax-t.partial-1-x"));
        BundledModel.WRITING.add(writing.toAbsolutePath().normalize());
        try {
            BundledModel.deleteAbandoned(models, "minimax-s.partial-");
        } finally {
            BundledModel.WRITING.remove(writing.toAbsolutePath().normalize());
        }
        assertFalse(Files.exists(left), "left by an earlier process with the same pid");
        assertTrue(Files.exists(writing), "being written by this process");
        assertTrue(Files.exists(other), "another model's");
    }

    @Test
    void aPartialFolderWhoseLockIsHeldIsKeptAndOneWhoseLockIsFreeGoes() throws Exception {
        long pid = ProcessHandle.current().pid(); // as two containers' JVMs, both pid 1, would name them
        Path held = Files.createDirectories(models.resolve("minimax-s.partial-" + pid + "-other-container"));
        Path free = Files.createDirectories(models.resolve("minimax-s.partial-" + pid + "-killed"));
        Files.createFile(BundledModel.lockOf(free));
        // another process holding the lock: a child JVM can stand for it; a thread of this one holds it here
        try (var channel = java.nio.channels.FileChannel.open(BundledModel.lockOf(held),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             var lock = channel.lock()) {
            BundledModel.deleteAbandoned(models, "minimax-s.partial-");
        }
        assertTrue(Files.exists(held), "its writer holds its lock");
        assertFalse(Files.exists(free), "nobody holds its lock");
        assertFalse(Files.exists(BundledModel.lockOf(free)));
    }
}
