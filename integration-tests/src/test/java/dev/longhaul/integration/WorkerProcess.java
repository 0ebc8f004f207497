/*
 * Test fixture: `longhaul worker` in its own JVM on this test's classpath, over the fixture model,
 * optionally with a fault hook (the LONGHAUL_FAULT environment variable, see Faults). Its output
 * goes to a log file, kept for a failure's report. A process halted by its hook exits with the
 * hook point's status; kill() is SIGKILL.
 */
package dev.longhaul.integration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

final class WorkerProcess {
    /** How a worker process is started: its id, context and output budget, and session timeout. */
    record Spec(String id, String bootstrapServers, String registryUrl, int contextTokens, int outputTokens, int sessionTimeoutSeconds) {}

    private final Process process;
    private final Path log;

    private WorkerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts the worker; `fault` is a Faults spec ("halt:decode:3") or null for none. */
    static WorkerProcess start(Spec spec, String fault, Path logDir) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xmx768m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                "dev.longhaul.ops.cli.Longhaul", "worker", "--model", Cluster.model().toString(), "--id", spec.id(),
                "--bootstrap-servers", spec.bootstrapServers(), "--registry-url", spec.registryUrl(),
                "--context-tokens", Integer.toString(spec.contextTokens()), "--time-budget", "600",
                "--max-output-tokens", Integer.toString(spec.outputTokens()), "--threads", "1",
                "--session-timeout", Integer.toString(spec.sessionTimeoutSeconds())));
        Path log = Files.createTempFile(logDir, spec.id() + "-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("LONGHAUL_FAULT");
        if (fault != null) {
            pb.environment().put("LONGHAUL_FAULT", fault);
        }
        return new WorkerProcess(pb.start(), log);
    }

    boolean alive() {
        return process.isAlive();
    }

    int exitStatus() {
        return process.exitValue();
    }

    /** The last lines of the process's output, for a failure message. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }
}
