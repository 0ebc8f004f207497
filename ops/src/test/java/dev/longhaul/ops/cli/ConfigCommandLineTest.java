/*
 * The configuration wired into the production command line (issue "Ops"): options bound to keys
 * take their defaults from the file and the environment and still win when given; the Kafka
 * security settings reach the configs of every Kafka-facing command; `config show` prints each key
 * with its value (secrets masked) and source; a bad configuration is a usage error (status 2).
 * The environment is a Map and the working directory a temporary folder: nothing of this process's
 * own is read.
 */
package dev.longhaul.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.longhaul.ingest.IngestConfig;
import dev.longhaul.ops.dashboard.DashboardConfig;
import dev.longhaul.ops.demo.KafkaDemo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

class ConfigCommandLineTest {
    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"longhaul\" password=\"jaas-pw\";";
    private static final Map<String, String> SECURE = Map.of(
            "LONGHAUL_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
            "LONGHAUL_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
            "LONGHAUL_KAFKA_SASL_JAAS_CONFIG", JAAS,
            "LONGHAUL_KAFKA_SSL_TRUSTSTORE_LOCATION", "ca.p12",
            "LONGHAUL_KAFKA_SSL_TRUSTSTORE_PASSWORD", "trust-pw");
    private static final Map<String, String> SECURE_CLIENT = Map.of("security.protocol", "SASL_SSL",
            "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config", JAAS,
            "ssl.truststore.location", "ca.p12", "ssl.truststore.password", "trust-pw");

    @TempDir
    Path dir;

    private Object parse(Map<String, String> env, String... args) {
        ParseResult result = Longhaul.commandLine(env, dir).parseArgs(args);
        while (result.hasSubcommand()) {
            result = result.subcommand();
        }
        return result.commandSpec().userObject();
    }

    private record Run(int status, String out, String err) {
    }

    private Run execute(Map<String, String> env, String... args) {
        CommandLine cl = Longhaul.commandLine(env, dir);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void theStacksPipelineUsesTheConfiguredNamespaceAsTheWorkerBesideItDoes() {
        // a stack started with LONGHAUL_NAMESPACE planned on longhaul.* while its worker read dev.*
        Map<String, String> env = Map.of("LONGHAUL_NAMESPACE", "dev.");
        StackCommand stack = assertInstanceOf(StackCommand.class, parse(env, "stack"));
        assertEquals("dev.", stack.pipelineConfig().kafka().namespace());
        assertEquals(((WorkerCommand) parse(env, "worker", "--model", "m")).kafka.namespace, stack.pipelineConfig().kafka().namespace());
    }

    @Test
    void theDemoUsesTheConfiguredNamespaceAndDashboardPortAndToken() {
        // the demo planned on longhaul.* whatever was configured, so the submit line it prints
        // (which uses the configured namespace) failed, and it ignored the dashboard's token
        Map<String, String> env = Map.of("LONGHAUL_NAMESPACE", "dev.", "LONGHAUL_DASHBOARD_TOKEN", "s3cret", "LONGHAUL_DASHBOARD_PORT", "9191");
        KafkaDemo.Options o = assertInstanceOf(DemoCommand.class, parse(env, "demo")).options(Path.of("h"));
        assertEquals("dev.", o.namespace());
        assertEquals(((SubmitCommand) parse(env, "submit", "f")).kafka.namespace, o.namespace());
        assertEquals(9191, o.dashboardPort());
        assertEquals("s3cret", o.dashboardToken());
        KafkaDemo.Options plain = ((DemoCommand) parse(Map.of(), "demo")).options(Path.of("h"));
        assertEquals("longhaul.", plain.namespace());
        assertEquals("", plain.dashboardToken());
    }

    @Test
    void workerOptionsDefaultFromTheEnvironmentAndOptionsWin() {
        Map<String, String> env = Map.of("LONGHAUL_BOOTSTRAP_SERVERS", "k1:9092", "LONGHAUL_REGISTRY_URL", "http://reg:8081",
                "LONGHAUL_NAMESPACE", "prod.", "LONGHAUL_MODEL", "/models/minimax", "LONGHAUL_BACKEND", "scalar",
                "LONGHAUL_THREADS", "6");

        WorkerCommand w = assertInstanceOf(WorkerCommand.class, parse(env, "worker"));
        assertEquals("k1:9092", w.kafka.bootstrapServers);
        assertEquals(URI.create("http://reg:8081"), w.kafka.registryUrl);
        assertEquals("prod.", w.kafka.namespace);
        assertEquals(Path.of("/models/minimax"), w.model);
        assertEquals("scalar", w.engine.backendName());
        assertEquals(6, w.engine.threads());

        WorkerCommand given = (WorkerCommand) parse(env, "worker", "--model", "m", "--bootstrap-servers", "k2:9092",
                "--threads", "2", "--backend", "cpu");
        assertEquals(Path.of("m"), given.model);
        assertEquals("k2:9092", given.kafka.bootstrapServers);
        assertEquals(2, given.engine.threads());
        assertEquals("cpu", given.engine.backendName());

        // a remote engine, as the deployment files set it, is a backend the environment may name too
        Map<String, String> remote = new java.util.HashMap<>(env);
        remote.put("LONGHAUL_BACKEND", "remote:http://vllm:8000/v1");
        assertEquals("remote:http://vllm:8000/v1", ((WorkerCommand) parse(remote, "worker")).engine.backendName());
        // which the engine commands, that cannot use it, leave for their own default (a local backend)
        assertEquals("cpu", ((GoldenCommand) parse(remote, "golden", "dir")).engine.backendName());
        assertEquals("scalar", ((GoldenCommand) parse(env, "golden", "dir")).engine.backendName(), "a local one they take");
    }

    @Test
    void withoutConfigurationTheDefaultsAreTheDevStacks() {
        WorkerCommand w = (WorkerCommand) parse(Map.of(), "worker", "--model", "m");
        assertEquals("localhost:9092", w.kafka.bootstrapServers);
        assertEquals(URI.create("http://localhost:8081"), w.kafka.registryUrl);
        assertEquals("longhaul.", w.kafka.namespace);
        assertEquals("cpu", w.engine.backendName());
        assertNull(w.engine.threads, "no threads configured: all processors");
        assertEquals(Map.of(), w.kafka.clientOverrides());
    }

    @Test
    void theWorkingDirectoryFileAndConfigOptionAreRead() throws IOException {
        Files.writeString(dir.resolve("longhaul.properties"), "namespace=local.\ndashboard.port=9090\n");
        Path other = Files.writeString(dir.resolve("other.properties"), "namespace=other.\n");

        assertEquals("local.", ((StatusCommand) parse(Map.of(), "status", "j")).kafka.namespace);
        assertEquals(9090, ((DashboardCommand) parse(Map.of(), "dashboard")).config().port());
        assertEquals("other.", ((StatusCommand) parse(Map.of(), "--config", other.toString(), "status", "j")).kafka.namespace);
        assertEquals("other.", ((StatusCommand) parse(Map.of(), "status", "j", "--config", other.toString())).kafka.namespace);
    }

    @Test
    void keysBindOnlyWhereTheOptionMeansThem() {
        Map<String, String> env = Map.of("LONGHAUL_MODEL", "/models/minimax", "LONGHAUL_DASHBOARD_PORT", "9999");

        assertEquals(9999, ((DashboardCommand) parse(env, "dashboard")).port);
        assertEquals(8081, ((RegistryCommand) parse(env, "registry")).port, "the registry's port is its own");
        assertEquals(Path.of("x"), ((GenerateCommand) parse(env, "generate", "--model", "x", "--prompt", "p", "--max-tokens", "4")).model);
        assertTrue(execute(env, "generate", "--prompt", "p", "--max-tokens", "4").err().contains("--model"),
                "generate's --model names the model under test and has no configured default");
    }

    @Test
    void theDashboardTokenIsConfiguredLikeAnyKeyAndNeverShown() {
        assertEquals("", ((DashboardCommand) parse(Map.of(), "dashboard")).config().token(), "none configured: generated at start");
        Map<String, String> env = Map.of("LONGHAUL_DASHBOARD_TOKEN", "tok-from-env-1234");
        DashboardConfig c = ((DashboardCommand) parse(env, "dashboard")).config();
        assertEquals("tok-from-env-1234", c.token());
        assertTrue(!c.toString().contains("tok-from-env-1234"), c.toString());
        assertTrue(!execute(env, "config", "show").out().contains("tok-from-env-1234"), "config show masks the token");
    }

    @Test
    void securitySettingsReachEveryKafkaFacingCommand() {
        WorkerCommand worker = (WorkerCommand) parse(SECURE, "worker", "--model", "m");
        assertEquals(SECURE_CLIENT, worker.kafka.clientOverrides());
        var reader = worker.kafka.ingestConfig().kafkaProperties(IngestConfig.Client.READER);
        SECURE_CLIENT.forEach((k, v) -> assertEquals(v, reader.getProperty(k), k));

        assertEquals(SECURE_CLIENT, ((SinkFilesCommand) parse(SECURE, "sink", "files", "--dir", "d")).config().clientOverrides());
        assertEquals(SECURE_CLIENT, ((SinkPostgresCommand) parse(SECURE, "sink", "postgres", "--jdbc", "jdbc:x")).config()
                .clientOverrides());
        assertEquals(SECURE_CLIENT, ((DashboardCommand) parse(SECURE, "dashboard")).config().kafkaClientOverrides());
        assertEquals(SECURE_CLIENT, ((RegistryCommand) parse(SECURE, "registry")).config().clientOverrides());
        assertEquals(SECURE_CLIENT, ((PipelineCommand) parse(SECURE, "pipeline")).kafka.clientOverrides());
        assertEquals(SECURE_CLIENT, ((SubmitCommand) parse(SECURE, "submit", "f", "--task", "summarize")).kafka
                .ingestConfig().clientOverrides());
    }

    @Test
    void configShowPrintsEveryKeyWithValueAndSourceAndMasksSecrets() throws IOException {
        Files.writeString(dir.resolve("longhaul.properties"), "registry.url=http://file-registry:8081\n");
        Map<String, String> env = new java.util.HashMap<>(SECURE);
        env.put("LONGHAUL_NAMESPACE", "env.");

        Run run = execute(env, "config", "show", "--bootstrap-servers", "opt:9092");

        assertEquals(0, run.status(), run.err());
        String out = run.out();
        assertTrue(out.lines().anyMatch(l -> l.matches("bootstrap\\.servers\\s+opt:9092\\s+option --bootstrap-servers")), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("registry\\.url\\s+http://file-registry:8081\\s+file "
                + java.util.regex.Pattern.quote(dir.resolve("longhaul.properties").toString()))), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("namespace\\s+env\\.\\s+env LONGHAUL_NAMESPACE")), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("backend\\s+cpu\\s+default")), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("kafka\\.ssl\\.truststore\\.password\\s+\\*{4}\\s+env LONGHAUL_KAFKA_SSL_TRUSTSTORE_PASSWORD")), out);
        assertFalse(out.contains("jaas-pw") || out.contains("trust-pw"), "a secret was printed:\n" + out);
        assertEquals(dev.longhaul.ops.config.ConfigKey.values().length, out.lines().count());
    }

    @Test
    void aBadConfigurationIsAUsageErrorNamingKeyAndSource() {
        Run run = execute(Map.of("LONGHAUL_THREADS", "lots"), "config", "show");
        assertEquals(Longhaul.ERROR, run.status());
        assertTrue(run.err().contains("threads") && run.err().contains("env LONGHAUL_THREADS"), run.err());

        Run missing = execute(Map.of(), "--config", dir.resolve("absent.properties").toString(), "status", "j");
        assertEquals(Longhaul.ERROR, missing.status());
        assertTrue(missing.err().contains("absent.properties"), missing.err());
    }

    @Test
    void configWithoutSubcommandIsAUsageError() {
        assertEquals(Longhaul.ERROR, execute(Map.of(), "config").status());
    }
}
