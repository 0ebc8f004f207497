/*
 * The `longhaul` launcher script itself, run by bash in a scratch checkout with a stand-in JDK (a
 * `release` file and `java`/`javac` scripts that log their arguments) and a stand-in `mvn` that
 * "builds" the ops jar: the launcher finds its checkout through a symbolic link, picks the ops jar
 * by its name even when the checkout's path holds "-tests", and a running command keeps the jars it
 * runs on: a launcher that would rebuild them waits, saying so, while one with nothing to build runs
 * beside it at once.
 */
package dev.longhaul.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LauncherScriptTest {
    private static final Path SCRIPT = Path.of("..", "longhaul").toAbsolutePath().normalize();

    @TempDir
    Path temp;

    /** A checkout at `root` holding only the launcher, a pom and one source file. */
    private static void checkout(Path root) throws IOException {
        Files.createDirectories(root.resolve("m/src"));
        Files.copy(SCRIPT, root.resolve("longhaul"));
        executable(root.resolve("longhaul"));
        Files.writeString(root.resolve("pom.xml"), "<project><properties><longhaul.jvm.flags>-Dflag=1</longhaul.jvm.flags></properties></project>\n");
        Files.writeString(root.resolve("m/src/a.txt"), "a");
    }

    /** A stand-in JDK 25 and mvn; java logs "java ARGS" to LOG and then sleeps JAVA_SLEEP seconds (as itself). */
    private Path tools() throws IOException {
        Path jdk = temp.resolve("jdk");
        Files.createDirectories(jdk.resolve("bin"));
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"25.0.1\"\n");
        script(jdk.resolve("bin/java"), "echo \"java $*\" >> \"$LOG\"\nif [ -n \"${JAVA_SLEEP:-}\" ]; then exec sleep \"$JAVA_SLEEP\"; fi\n");
        script(jdk.resolve("bin/javac"), "exit 0\n");
        Path bin = temp.resolve("bin");
        Files.createDirectories(bin);
        script(bin.resolve("mvn"), "mkdir -p ops/target/lib && touch ops/target/longhaul-ops-1.jar ops/target/longhaul-ops-1-tests.jar\necho mvn >> \"$LOG\"\n");
        return jdk;
    }

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body);
        executable(file);
    }

    private static void executable(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private ProcessBuilder launcher(Path jdk, Path script, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", jdk.toString());
        pb.environment().put("PATH", temp.resolve("bin") + File.pathSeparator + System.getenv("PATH"));
        pb.environment().put("LOG", temp.resolve("log").toString());
        pb.environment().remove("LONGHAUL_NO_BUILD");
        pb.environment().remove("JAVA_SLEEP");
        return pb;
    }

    private static String run(ProcessBuilder pb, Duration limit) throws Exception {
        Process p = pb.start();
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            return "TIMEOUT";
        }
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** The launcher says it waits to build (in `output`) and then keeps waiting. */
    private static void assertWaitsSayingSo(Process launcher, Path output) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.readString(output).contains("waiting to build") && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertTrue(Files.readString(output).contains("waiting to build"), Files.readString(output));
        assertTrue(!launcher.waitFor(2, TimeUnit.SECONDS), "it waits while the command runs");
    }

    private List<String> log() throws IOException {
        return Files.readAllLines(temp.resolve("log"));
    }

    @Test
    void aCheckoutUnderATestsFolderReachedThroughALinkRunsItsOwnOpsJar() throws Exception {
        assumeTrue(Files.isRegularFile(SCRIPT), "the launcher lies at the repository root");
        Path jdk = tools();
        Path root = temp.resolve("pr-tests/checkout");
        checkout(root);
        Path link = temp.resolve("bin/longhaul");
        Files.createSymbolicLink(link, root.resolve("longhaul"));

        assertEquals("", run(launcher(jdk, link, "version", "x"), Duration.ofSeconds(60)).replaceAll("(?m)^longhaul: building.*\\n?", ""));
        List<String> log = log();
        assertEquals("mvn", log.get(0), "built in the checkout: " + log);
        String java = log.get(1);
        assertTrue(java.contains("-cp " + root.toRealPath().resolve("ops/target/longhaul-ops-1.jar") + ":"), java);
        assertTrue(java.contains("-Dflag=1") && java.endsWith("dev.longhaul.ops.cli.Longhaul version x"), java);
        assertTrue(Files.notExists(temp.resolve("bin/ops")), "nothing built beside the link");
    }

    @Test
    void aCheckoutWhosePathHoldsGlobCharactersBuildsOnceAndThenRunsWithoutBuilding() throws Exception {
        assumeTrue(Files.isRegularFile(SCRIPT), "the launcher lies at the repository root");
        Path jdk = tools();
        Path root = temp.resolve("longhaul [old]*/checkout");
        checkout(root);

        run(launcher(jdk, root.resolve("longhaul"), "version"), Duration.ofSeconds(60));
        String second = run(launcher(jdk, root.resolve("longhaul"), "version"), Duration.ofSeconds(60));
        // the path is no pattern: the build's inputs and jar are found, so the second run builds nothing
        assertEquals(List.of("mvn", "java"), log().stream().map(l -> l.split(" ")[0]).toList().subList(0, 2));
        assertEquals(1, log().stream().filter(l -> l.equals("mvn")).count(), log() + "\n" + second);
        assertTrue(!second.contains("stale"), second);
    }

    @Test
    void aSourceDatedInTheFutureIsBuiltOnceNotAtEveryRun() throws Exception {
        assumeTrue(Files.isRegularFile(SCRIPT), "the launcher lies at the repository root");
        Path jdk = tools();
        Path root = temp.resolve("skewed/checkout");
        checkout(root);
        // a source written where the clock runs an hour ahead
        Path ahead = Files.list(root.resolve("m/src")).findFirst().orElseThrow();
        Files.setLastModifiedTime(ahead, java.nio.file.attribute.FileTime.from(java.time.Instant.now().plus(Duration.ofHours(1))));
        String first = run(launcher(jdk, root.resolve("longhaul"), "version"), Duration.ofSeconds(60));
        String second = run(launcher(jdk, root.resolve("longhaul"), "version"), Duration.ofSeconds(60));
        assertEquals(1, log().stream().filter(l -> l.equals("mvn")).count(), log() + "\n" + first + second);
        assertTrue(!first.contains("stale") && !second.contains("stale"), first + second);
        // an edit of another file now is seen, though older than the file dated ahead
        Files.writeString(root.resolve("m/src/b.txt"), "b");
        run(launcher(jdk, root.resolve("longhaul"), "version"), Duration.ofSeconds(60));
        assertEquals(2, log().stream().filter(l -> l.equals("mvn")).count(), log().toString());
        Thread.sleep(1100); // a time the build's stamp is surely older than
        Files.writeString(root.resolve("m/src/b.txt"), "b, edited");
        run(launcher(jdk, root.resolve("longhaul"), "version"), Duration.ofSeconds(60));
        assertEquals(3, log().stream().filter(l -> l.equals("mvn")).count(), log().toString());
        // and so is an edit of the file dated ahead, at its own time
        Files.setLastModifiedTime(ahead, java.nio.file.attribute.FileTime.from(java.time.Instant.now().plus(Duration.ofHours(2))));
        run(launcher(jdk, root.resolve("longhaul"), "version"), Duration.ofSeconds(60));
        assertEquals(4, log().stream().filter(l -> l.equals("mvn")).count(), log().toString());
    }

    @Test
    void aRunningCommandKeepsItsJarsAndABuildThatWouldRewriteThemWaitsSayingSo() throws Exception {
        assumeTrue(Files.isRegularFile(SCRIPT), "the launcher lies at the repository root");
        assumeTrue(new ProcessBuilder("sh", "-c", "command -v flock").start().waitFor() == 0, "flock(1) present");
        Path jdk = tools();
        Path root = temp.resolve("checkout");
        checkout(root);
        // a long-running command (a stack, a dashboard) that built first
        ProcessBuilder first = launcher(jdk, root.resolve("longhaul"), "stack");
        first.environment().put("JAVA_SLEEP", "120");
        Process stack = first.start();
        Process rebuild = null;
        try {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(temp.resolve("log")) && log().stream().anyMatch(l -> l.startsWith("java ")))) {
                assertTrue(System.nanoTime() < until, "the first launcher never started its command");
                Thread.sleep(50);
            }
            // with nothing to build, another command runs beside it at once
            assertEquals("", run(launcher(jdk, root.resolve("longhaul"), "submit"), Duration.ofSeconds(30)),
                    "a launcher with nothing to build does not wait");
            // a source edit: the next launcher would rewrite the jars the stack runs on, so it waits, saying why
            Files.writeString(root.resolve("m/src/b.txt"), "b");
            Path waited = temp.resolve("rebuild.txt");
            rebuild = launcher(jdk, root.resolve("longhaul"), "worker").redirectOutput(waited.toFile()).start();
            assertWaitsSayingSo(rebuild, waited);
            assertEquals(1, log().stream().filter(l -> l.equals("mvn")).count(), "no build under the running stack");
            // once the stack has stopped, it builds and runs
            stack.destroyForcibly().waitFor();
            assertTrue(rebuild.waitFor(30, TimeUnit.SECONDS), "it built once the stack had stopped: " + Files.readString(waited));
            assertEquals(0, rebuild.exitValue(), Files.readString(waited));
            assertEquals(List.of("mvn", "mvn"), log().stream().filter(l -> l.equals("mvn")).toList());
            assertTrue(log().getLast().endsWith("Longhaul worker"), log().toString());
        } finally {
            stack.destroyForcibly().waitFor();
            if (rebuild != null) {
                rebuild.destroyForcibly().waitFor();
            }
        }
    }
    @Test
    void aCommandRunOnTheBuildAsItIsAndTheTestSuiteRespectTheLockToo() throws Exception {
        assumeTrue(Files.isRegularFile(SCRIPT), "the launcher lies at the repository root");
        assumeTrue(new ProcessBuilder("sh", "-c", "command -v flock").start().waitFor() == 0, "flock(1) present");
        Path jdk = tools();
        Path root = temp.resolve("checkout");
        checkout(root);
        assertEquals("", run(launcher(jdk, root.resolve("longhaul"), "version"), Duration.ofSeconds(60))
                .replaceAll("(?m)^longhaul: building.*\\n?", ""), "the first build");
        // a long benchmark run on the build as it is (LONGHAUL_NO_BUILD) holds it too
        ProcessBuilder bench = launcher(jdk, root.resolve("longhaul"), "bench");
        bench.environment().put("LONGHAUL_NO_BUILD", "1");
        bench.environment().put("JAVA_SLEEP", "120");
        Process running = bench.start();
        Process suite = null;
        try {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (log().stream().noneMatch(l -> l.endsWith("Longhaul bench"))) {
                assertTrue(System.nanoTime() < until, "the benchmark never started");
                Thread.sleep(50);
            }
            // the test suite (mvn verify rewrites the jars) waits for it, saying so
            Path said = temp.resolve("suite.txt");
            suite = launcher(jdk, root.resolve("longhaul"), "test", "-q").redirectOutput(said.toFile()).start();
            assertWaitsSayingSo(suite, said);
            assertEquals(1, log().stream().filter(l -> l.equals("mvn")).count(), "no Maven under the running benchmark");
            running.destroyForcibly().waitFor();
            assertTrue(suite.waitFor(30, TimeUnit.SECONDS), "it ran once the benchmark had stopped");
            assertEquals(2, log().stream().filter(l -> l.equals("mvn")).count());
        } finally {
            running.destroyForcibly().waitFor();
            if (suite != null) {
                suite.destroyForcibly().waitFor();
            }
        }
    }
}
