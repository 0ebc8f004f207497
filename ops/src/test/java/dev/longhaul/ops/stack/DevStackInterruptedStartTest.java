/*
 * A stack interrupted while it starts (Ctrl-C or SIGTERM in the first seconds of `longhaul demo`
 * or `longhaul stack`) leaves no temporary folder behind: the shutdown waits for the start under
 * way, then closes what started. Runs a real JVM (InterruptedStartMain) with its own temp folder.
 */
package dev.longhaul.ops.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevStackInterruptedStartTest {
    @TempDir
    Path tmp;

    private List<Path> stackFolders() throws Exception {
        try (Stream<Path> files = Files.list(tmp)) {
            return files.filter(p -> p.getFileName().toString().startsWith("longhaul-stack-")).toList();
        }
    }

    /** Starts InterruptedStartMain, stops it (SIGTERM) once `when` holds, and checks it leaves no stack folder. */
    private void stoppedWhile(String what, java.util.function.BooleanSupplier when) throws Exception {
        for (Path old : stackFolders()) {
            throw new AssertionError("left from before: " + old);
        }
        Path out = tmp.resolve(what.replace(' ', '-') + ".txt");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
                InterruptedStartMain.class.getName())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!when.getAsBoolean() && p.isAlive() && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertEquals(1, stackFolders().size(), what + ": the start made its folder: " + Files.readString(out));
            assertTrue(!Files.readString(out).contains("started"), what + ": still starting when stopped");
            p.destroy(); // SIGTERM, as Ctrl-C's SIGINT: shutdown hooks run
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), what + ": the process ended");
            assertEquals(List.of(), stackFolders(), what + ": output: " + Files.readString(out));
        } finally {
            p.destroyForcibly();
        }
    }

    private boolean says(String line) {
        try (Stream<Path> files = Files.list(tmp)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".txt")).toList()) {
                if (Files.readString(f).contains(line)) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void aStackStoppedWhileItStartsLeavesNoTemporaryFolder() throws Exception {
        // the broker up, the registry and the pipeline still to come: the shutdown waits for them, then closes all
        stoppedWhile("after the broker", () -> says("up: broker"));
        // at once, before the broker's classes have loaded (its logging then refuses to start)
        stoppedWhile("at once", () -> {
            try {
                return !stackFolders().isEmpty();
            } catch (Exception e) {
                return false;
            }
        });
    }
}
