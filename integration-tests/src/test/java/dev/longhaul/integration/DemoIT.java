/*
 * The Kafka demo's core (KafkaDemo, as `longhaul demo --once` runs it, without the launcher) on a
 * real embedded broker: generated contracts and logs at a small scale and a small repository, an
 * `xs` model synthesized here. Every job must get a result for every task, the printed blocks must
 * say so job by job, and once run() returns nothing may still listen on the demo's broker port.
 */
package dev.longhaul.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.longhaul.ops.demo.KafkaDemo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoIT {
    /** The demo's jobs: the generated documents' ids and the repository's. */
    private static final List<String> JOBS = List.of("contract-services", "contract-license", "log-checkout", "log-fleet",
            "repo-longhaul");

    @Test
    void onceProcessesEverySampleAndStopsEverything(@TempDir Path home, @TempDir Path repo) throws Exception {
        writeRepository(repo);
        KafkaDemo.Options options = new KafkaDemo.Options(home,
                new KafkaDemo.Run(KafkaDemo.Mode.ONCE, 0, 0, Duration.ofMinutes(3)),
                new KafkaDemo.Engine(Optional.of(Cluster.model()), "cpu", 1, 256, 4),
                new KafkaDemo.Samples(home.resolve("samples"), repo, 3, 0.02));
        StringWriter text = new StringWriter();

        int status = new KafkaDemo(options, new PrintWriter(text, true)).run();

        String out = text.toString();
        assertEquals(0, status, out);
        for (String phase : List.of("broker", "registry", "pipeline", "model", "worker")) {
            assertTrue(Pattern.compile("^\\[\\d/5\\] " + phase + ": .+ \\(\\d+\\.\\d s\\)$", Pattern.MULTILINE).matcher(out).find(),
                    "phase " + phase + " in:\n" + out);
        }
        for (String job : JOBS) {
            Matcher block = Pattern.compile("^" + job + " \\((CONTRACT|LOG|REPO), .+\\): queued [\\d,]+ ms, running [\\d,]+ ms, "
                    + "end-to-end [\\d,]+ ms$", Pattern.MULTILINE).matcher(out);
            assertTrue(block.find(), "no result block for " + job + " in:\n" + out);
            int tasks = job.startsWith("repo-") ? 1 : 2;
            for (int t = 0; t < tasks; t++) {
                assertTrue(Pattern.compile("^  task " + t + " .+: [\\d,]+ document tokens read \\(.+ of the document\\), [\\d,]+ output tokens$",
                        Pattern.MULTILINE).matcher(out.substring(block.end())).find(), job + " task " + t + " in:\n" + out);
            }
        }
        assertTrue(out.contains("done: 5 jobs, 9 results"), out);
        assertTrue(Files.size(home.resolve("samples/log-fleet.log")) > 4_096);

        Matcher bootstrap = Pattern.compile("Kafka bootstrap servers +localhost:(\\d+)").matcher(out);
        assertTrue(bootstrap.find(), out);
        int port = Integer.parseInt(bootstrap.group(1));
        assertThrows(ConnectException.class, () -> new Socket("localhost", port).close(), "the broker still listens on " + port);
    }

    /** A repository of a few text files, one of them git-ignored. */
    private static void writeRepository(Path repo) throws IOException {
        Files.writeString(repo.resolve(".gitignore"), "build/\n");
        Files.writeString(repo.resolve("README.md"), "# A small project\n\nIt reads documents from Kafka.\n");
        Files.createDirectories(repo.resolve("src"));
        Files.writeString(repo.resolve("src/Main.java"), "class Main {\n    public static void main(String[] args) {}\n}\n");
        Files.createDirectories(repo.resolve("build"));
        Files.writeString(repo.resolve("build/output.txt"), "ignored\n");
    }
}
