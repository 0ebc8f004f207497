/*
 * The command shapes other tools depend on (issue 2, "Commands"): each subcommand is parsed with the
 * production command line and its fields are checked; nothing heavy runs. The error contract is
 * checked on cases that fail before any model is loaded: status 2, one line on stderr, no stack
 * trace unless --verbose.
 */
package dev.longhaul.ops.cli;

import static dev.longhaul.ops.cli.CommandLines.execute;
import static dev.longhaul.ops.cli.CommandLines.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.checkpoint.DType;
import dev.longhaul.engine.synth.MoeLayout;
import dev.longhaul.ops.demo.KafkaDemo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import dev.longhaul.ops.cli.CommandLines.Run;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LonghaulCommandLineTest {
    /** The user object of the innermost subcommand that `args` selects. */
    @Test
    void goldenTakesAFolderAndDefaultsToTheCpuBackend() {
        GoldenCommand golden = assertInstanceOf(GoldenCommand.class, parse("golden", "../shared/golden/minimax-tiny"));
        assertEquals(Path.of("../shared/golden/minimax-tiny"), golden.dir);
        assertEquals("cpu", golden.engine.backendName());
        assertNull(golden.engine.threads);
        assertEquals(Runtime.getRuntime().availableProcessors(), golden.engine.threads());

        GoldenCommand scalar = (GoldenCommand) parse("golden", "g", "--backend", "scalar", "--threads", "2");
        assertEquals("scalar", scalar.engine.backendName());
        assertEquals(2, scalar.engine.threads());
    }

    @Test
    void goldenNeedsItsFolder() {
        assertThrows(CommandLine.MissingParameterException.class, () -> parse("golden"));
    }

    @Test
    void generateParsesEveryOption() {
        GenerateCommand g = (GenerateCommand) parse("generate", "--model", "m", "--prompt", "Once upon",
                "--max-tokens", "16", "--temperature", "0.8", "--top-p", "0.9", "--seed", "42",
                "--backend", "cpu", "--threads", "2", "--hf-rope");
        assertEquals(Path.of("m"), g.model);
        assertTrue(g.hfRope);
        assertEquals("Once upon", g.prompt);
        assertEquals(16, g.maxTokens);
        assertEquals(0.8, g.temperature);
        assertEquals(0.9, g.topP);
        assertEquals(42, g.seed);
        assertEquals(2, g.engine.threads());
    }

    @Test
    void generateDefaultsToGreedy() {
        GenerateCommand g = (GenerateCommand) parse("generate", "--model", "m", "--prompt", "x", "--max-tokens", "4");
        assertEquals(0.0, g.temperature);
        assertEquals(1.0, g.topP);
        assertFalse(g.hfRope, "partial RoPE, as the model was trained, unless asked");
        assertEquals("cpu", g.engine.backendName());
    }

    @Test
    void generateRequiresModelPromptAndMaxTokens() {
        assertThrows(CommandLine.MissingParameterException.class,
                () -> parse("generate", "--prompt", "x", "--max-tokens", "4"));
        assertThrows(CommandLine.MissingParameterException.class,
                () -> parse("generate", "--model", "m", "--max-tokens", "4"));
        assertThrows(CommandLine.MissingParameterException.class,
                () -> parse("generate", "--model", "m", "--prompt", "x"));
    }

    @Test
    void anEmptyPromptIsAClearErrorWithStatus2() {
        Run run = execute("generate", "--model", "does-not-exist", "--prompt", "", "--max-tokens", "4");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("prompt"), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
    }

    @Test
    void modelSynthParsesEveryOption() {
        ModelSynthCommand s = (ModelSynthCommand) parse("model", "synth", "--out", "out/s", "--size", "s", "--seed", "7",
                "--dtype", "bf16", "--linear-only", "--shards", "3", "--layout", "fused");
        assertEquals(Path.of("out/s"), s.out);
        assertEquals("s", s.size);
        assertEquals(7, s.seed);
        assertEquals(DType.BF16, s.dtype);
        assertTrue(s.linearOnly);
        assertEquals(3, s.shards);
        assertEquals(MoeLayout.FUSED, s.layout);
    }

    @Test
    void modelSynthDefaultsToOneF32FileWithPerExpertNames() {
        ModelSynthCommand s = (ModelSynthCommand) parse("model", "synth", "--out", "o", "--size", "xs", "--seed", "1");
        assertEquals(DType.F32, s.dtype);
        assertFalse(s.linearOnly);
        assertEquals(1, s.shards);
        assertEquals(MoeLayout.PER_EXPERT, s.layout);
    }

    @Test
    void modelSynthRejectsAnUnknownDtypeOrLayout() {
        assertThrows(CommandLine.ParameterException.class,
                () -> parse("model", "synth", "--out", "o", "--size", "xs", "--seed", "1", "--dtype", "int4"));
        assertThrows(CommandLine.ParameterException.class,
                () -> parse("model", "synth", "--out", "o", "--size", "xs", "--seed", "1", "--layout", "packed"));
    }

    @Test
    void workerParsesItsOptionsAndPinsLanesOnlyWhenAsked() {
        WorkerCommand w = (WorkerCommand) parse("worker", "--model", "m", "--id", "w-1", "--context-tokens", "8192",
                "--time-budget", "30", "--max-output-tokens", "12", "--lanes", "0,2", "--bootstrap-servers", "k:1",
                "--registry-url", "http://r:2", "--namespace", "x.", "--threads", "3", "--batch-sequences", "2");
        assertEquals("w-1", w.id);
        assertEquals(2, w.batchSequences);
        assertEquals(8192, w.contextTokens);
        assertEquals(30, w.timeBudgetSeconds);
        assertEquals(12, w.maxOutputTokens);
        assertEquals(java.util.List.of(0, 2), w.lanes);
        assertEquals("k:1", w.kafka.bootstrapServers);
        assertEquals("x.", w.kafka.namespace);
        assertEquals(3, w.engine.threads());
        WorkerCommand defaults = (WorkerCommand) parse("worker", "--model", "m");
        assertEquals(null, defaults.lanes, "no --lanes: the worker joins the group");
        assertEquals(4096, defaults.contextTokens);
        assertEquals(dev.longhaul.pipeline.worker.WorkerConfig.DEFAULT_BATCH_SEQUENCES, defaults.batchSequences);
        assertThrows(CommandLine.MissingParameterException.class, () -> parse("worker"));
    }

    @Test
    void serveParsesItsOptionsWithVllmsDefaultPort() {
        ServeCommand s = (ServeCommand) parse("serve", "--model", "m", "--port", "8100", "--host", "0.0.0.0",
                "--max-sequences", "4", "--prefill-chunk", "128", "--backend", "scalar", "--threads", "2");
        assertEquals(Path.of("m"), s.model);
        assertEquals(8100, s.port);
        assertEquals("0.0.0.0", s.host);
        assertEquals(4, s.maxSequences);
        assertEquals(128, s.prefillChunk);
        assertEquals("scalar", s.engine.backendName());
        ServeCommand defaults = (ServeCommand) parse("serve", "--model", "m");
        assertEquals(8000, defaults.port);
        assertEquals("127.0.0.1", defaults.host);
        assertThrows(CommandLine.MissingParameterException.class, () -> parse("serve"));
    }

    @Test
    void benchEngineParsesEveryOption() {
        BenchEngineCommand b = (BenchEngineCommand) parse("bench", "engine", "--model", "m", "--prompt-tokens", "512",
                "--generate", "64", "--batch", "16", "--threads", "2", "--backend", "cpu", "--dtype-note", "--json");
        assertEquals(Path.of("m"), b.model);
        assertEquals(512, b.promptTokens);
        assertEquals(64, b.generate);
        assertEquals(16, b.batch);
        assertEquals(2, b.engine.threads());
        assertEquals("cpu", b.engine.backendName());
        assertTrue(b.dtypeNote);
        assertTrue(b.json);
    }

    /** A nonsense attention length is refused before the benchmark runs (it failed at the end, its results lost). */
    @Test
    void benchEngineRefusesAttentionTokensBelowOneUpFront() {
        Run run = execute("bench", "engine", "--model", "no/such/model", "--prompt-tokens", "8", "--generate", "8",
                "--attention-tokens", "4096,0");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("--attention-tokens must be positive token counts, got 0"), run.err());
    }

    @Test
    void benchEngineDefaultsToOneSequence() {
        BenchEngineCommand b = (BenchEngineCommand) parse("bench", "engine", "--model", "m", "--prompt-tokens", "8",
                "--generate", "8");
        assertEquals(1, b.batch);
        assertFalse(b.json);
        assertFalse(b.dtypeNote);
    }

    @Test
    void benchPipelineParsesEveryOption() {
        BenchPipelineCommand b = (BenchPipelineCommand) parse("bench", "pipeline", "--model", "m", "--documents", "12",
                "--bytes-per-doc", "4096", "--corpus", "some.log", "--context-tokens", "1024", "--max-output-tokens", "8",
                "--rounds", "3", "--threads", "2", "--backend", "cpu", "--json");
        assertEquals(Path.of("m"), b.model);
        assertEquals(12, b.documents);
        assertEquals(4096, b.bytesPerDoc);
        assertEquals(Path.of("some.log"), b.corpus);
        assertEquals(1024, b.contextTokens);
        assertEquals(8, b.maxOutputTokens);
        assertEquals(3, b.rounds);
        assertEquals(2, b.engine.threads());
        assertTrue(b.json);
        assertFalse(b.synthetic);
    }

    @Test
    void benchBranchesParsesEveryOptionAndDefaultsToFourTasks() {
        BenchBranchesCommand b = (BenchBranchesCommand) parse("bench", "branches", "--model", "m", "--tasks", "3",
                "--documents", "2", "--bytes-per-doc", "4096", "--synthetic", "--context-tokens", "512",
                "--max-output-tokens", "8", "--rounds", "5", "--threads", "2", "--json");
        assertEquals(Path.of("m"), b.model);
        assertEquals(3, b.tasks);
        assertEquals(2, b.documents);
        assertEquals(4096, b.bytesPerDoc);
        assertTrue(b.synthetic);
        assertEquals(512, b.contextTokens);
        assertEquals(8, b.maxOutputTokens);
        assertEquals(5, b.rounds);
        assertEquals(2, b.engine.threads());
        assertTrue(b.json);
        BenchBranchesCommand d = (BenchBranchesCommand) parse("bench", "branches");
        assertNull(d.model);
        assertEquals(4, d.tasks);
        assertEquals(Path.of("../shared/corpus/logs/full/Linux.log"), d.corpus);
    }

    @Test
    void benchPipelineDefaultsToTheSharedLinuxLogAndASynthesizedModel() {
        BenchPipelineCommand b = (BenchPipelineCommand) parse("bench", "pipeline");
        assertNull(b.model);
        assertEquals(Path.of("../shared/corpus/logs/full/Linux.log"), b.corpus);
        assertEquals(8, b.documents);
        assertEquals(65536, b.bytesPerDoc);
        assertEquals(4096, b.contextTokens);
        assertEquals(16, b.maxOutputTokens);
        assertEquals(2, b.rounds);
        assertFalse(b.json);
        assertTrue(((BenchPipelineCommand) parse("bench", "pipeline", "--synthetic")).synthetic);
    }

    @Test
    void benchesFindTheDefaultCorpusBesideTheRepositoryWhereverTheyAreRunFrom() {
        String before = System.getProperty("longhaul.home");
        // a checkout that is not the working folder
        Path home = Path.of("elsewhere", "checkout", "longhaul").toAbsolutePath();
        System.setProperty("longhaul.home", home.toString());
        try {
            BenchPipelineCommand b = (BenchPipelineCommand) parse("bench", "pipeline");
            assertEquals(home.getParent().resolve("shared/corpus/logs/full/Linux.log"), BenchPipelineCommand.corpus(b.spec, b.corpus));
            BenchPipelineCommand given = (BenchPipelineCommand) parse("bench", "pipeline", "--corpus", "my.log");
            assertEquals(Path.of("my.log"), BenchPipelineCommand.corpus(given.spec, given.corpus), "a given one stays as given");
        } finally {
            if (before == null) {
                System.clearProperty("longhaul.home");
            } else {
                System.setProperty("longhaul.home", before);
            }
        }
    }

    @Test
    void benchPipelineWithAMissingCorpusIsOneLineWithStatus2() {
        Run run = execute("bench", "pipeline", "--corpus", "does/not/exist.log");
        assertEquals(2, run.status());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("does/not/exist.log") && run.err().contains("--synthetic"), run.err());
    }

    @Test
    void stackDefaultsToTheDevPortsOnOneReplica() {
        StackCommand s = (StackCommand) parse("stack");
        assertEquals(9092, s.kafkaPort);
        assertEquals(8081, s.registryPort);
        assertNull(s.data);
        assertEquals(1, s.pipelineConfig().kafka().replicationFactor());
        assertEquals(dev.longhaul.pipeline.PipelineConfig.DEFAULTS.limits().tenants(), s.pipelineConfig().limits().tenants());
        assertFalse(s.noPipeline, "the pipeline runs in the stack unless --no-pipeline");
        assertTrue(((StackCommand) parse("stack", "--no-pipeline")).noPipeline);
    }

    @Test
    void aStatusEndpointNeedsTheTokenEveryInstanceShares() {
        // each instance's own random token would make every forwarded lookup a 401
        Run run = execute("pipeline", "--status-port", "0", "--bootstrap-servers", "localhost:1");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("--status-token"), run.err());
    }

    @Test
    void theRegistryListensOnLocalhostUnlessToldOtherwise() {
        // it has no authentication: every interface only where asked (the cluster manifest asks)
        assertEquals("localhost", ((RegistryCommand) parse("registry")).host);
    }

    @Test
    void evalContractsWithNoLabelledDocumentIsAnErrorNotAPerfectScore(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("docs"));
        java.nio.file.Files.writeString(dir.resolve("docs/a.txt"), "an agreement");
        java.nio.file.Files.createDirectories(dir.resolve("labels"));
        java.nio.file.Files.writeString(dir.resolve("labels/b.json"), "{}");
        Run run = execute("eval", "contracts", dir.toString(), "--json");
        assertEquals(2, run.status(), run.out() + run.err());
        assertTrue(run.err().contains("no document"), run.err());
    }

    @Test
    void stackParsesEveryOption() {
        StackCommand s = (StackCommand) parse("stack", "--kafka-port", "19092", "--registry-port", "0", "--data", "d",
                "--tenant-quota-tokens", "5000000000");
        assertEquals(19092, s.kafkaPort);
        assertEquals(0, s.registryPort);
        assertEquals(Path.of("d"), s.data);
        assertEquals(5_000_000_000L, s.pipelineConfig().limits().tenants().maxOutstandingTokens("anyone"));
        assertEquals(2, execute("stack", "--kafka-port", "70000").status());
    }

    @Test
    void demoServesOnTheUsualPortsAndOnceOnFreeOnes() {
        Path home = Path.of("/checkout");
        DemoCommand serve = (DemoCommand) parse("demo");
        assertFalse(serve.once);
        KafkaDemo.Options s = serve.options(home);
        assertEquals(new KafkaDemo.Run(KafkaDemo.Mode.SERVE, 9092, 8081, Duration.ofSeconds(600)), s.run());
        assertEquals(new KafkaDemo.Engine(Optional.empty(), "cpu", Runtime.getRuntime().availableProcessors(), 2048, 16), s.engine());
        assertEquals(new KafkaDemo.Samples(home.resolve(".longhaul/demo/samples"), home, 1, 1.0), s.samples());
        assertEquals(home, s.home());

        KafkaDemo.Options once = ((DemoCommand) parse("demo", "--once")).options(home);
        assertEquals(new KafkaDemo.Run(KafkaDemo.Mode.ONCE, 0, 0, Duration.ofSeconds(600)), once.run());
    }

    @Test
    void demoParsesEveryOption() {
        DemoCommand d = (DemoCommand) parse("demo", "--once", "--model", "m", "--context-tokens", "512", "--max-output-tokens", "4",
                "--kafka-port", "19092", "--registry-port", "18081", "--seed", "9", "--timeout", "90", "--backend", "scalar",
                "--threads", "2");
        KafkaDemo.Options o = d.options(Path.of("h"));
        assertEquals(new KafkaDemo.Run(KafkaDemo.Mode.ONCE, 19092, 18081, Duration.ofSeconds(90)), o.run());
        assertEquals(new KafkaDemo.Engine(Optional.of(Path.of("m")), "scalar", 2, 512, 4), o.engine());
        assertEquals(9, o.samples().seed());
        assertEquals(2, execute("demo", "--kafka-port", "70000").status());
        assertEquals(2, execute("demo", "--once", "--timeout", "0").status());
        // the worker's options are refused before anything starts (a broker, a model synthesized)
        for (String[] bad : List.of(new String[] {"--context-tokens", "32"}, new String[] {"--max-output-tokens", "0"},
                new String[] {"--backend", "cdua"}, new String[] {"--model", "does/not/exist"})) {
            List<String> args = new java.util.ArrayList<>(List.of("demo", "--once"));
            args.addAll(List.of(bad));
            Run run = execute(args.toArray(String[]::new));
            assertEquals(2, run.status(), String.join(" ", args) + ": " + run.out() + run.err());
            assertTrue(!run.out().contains("broker"), "nothing started: " + run.out());
        }
    }

    @Test
    void demoEngineIsTheEngineDemo() {
        DemoEngineCommand e = assertInstanceOf(DemoEngineCommand.class, parse("demo", "engine", "--threads", "1"));
        assertEquals(1, e.engine.threads());
        assertEquals("cpu", e.engine.backendName());
        // the Kafka demo's options before `engine` would be dropped without a word: refused instead
        Run run = execute("demo", "--backend", "cuda", "engine");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("--backend") && run.err().contains("do not reach the engine demo"), run.err());
        // but the root's own options do reach it: here the engine demo starts and refuses its backend
        Run verbose = execute("demo", "--verbose", "engine", "--backend", "no-such-backend");
        assertEquals(2, verbose.status());
        assertFalse(verbose.err().contains("do not reach the engine demo"), verbose.err());
        assertTrue(verbose.err().contains("no-such-backend"), verbose.err());
    }

    @Test
    void registryDefaultsToConfluentsPortAndTheSchemasTopic() {
        RegistryCommand r = (RegistryCommand) parse("registry");
        assertEquals(8081, r.config().port());
        assertEquals("localhost:9092", r.config().bootstrapServers());
        assertEquals("_longhaul-schemas", r.config().topic());
        assertEquals("_longhaul-schemas-writer", r.config().writerTransactionalId());
    }

    @Test
    void registryParsesEveryOption() {
        RegistryCommand r = (RegistryCommand) parse("registry", "--port", "18081", "--bootstrap-servers", "k1:9093,k2:9093",
                "--topic", "schemas", "--host", "127.0.0.1");
        assertEquals(18081, r.config().port());
        assertEquals("127.0.0.1", r.config().host());
        assertEquals("k1:9093,k2:9093", r.config().bootstrapServers());
        assertEquals("schemas", r.config().topic());
    }

    @Test
    void registryRefusesABadPort() {
        assertThrows(CommandLine.ParameterException.class, () -> parse("registry", "--port", "http"));
        assertEquals(2, execute("registry", "--port", "70000").status());
    }

    @Test
    void testIsNotAJavaSubcommand() {
        // `./longhaul test` is handled by the launcher script (mvn verify), never by the JVM.
        assertThrows(CommandLine.UnmatchedArgumentException.class, () -> parse("test"));
    }

    @Test
    void usageErrorsExitWith2() {
        assertEquals(2, execute("no-such-command").status());
        assertEquals(2, execute("bench", "engine", "--model", "m").status());
    }

    @Test
    void aBadFolderIsOneLineOnStderrWithStatus2AndNoStackTrace() {
        Run run = execute("golden", "does/not/exist", "--backend", "scalar");
        assertEquals(2, run.status());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("does/not/exist"), run.err());
    }

    /** A file where a folder should be: the one line says what is wrong with the path, not the path alone. */
    @Test
    void aFileWhereAFolderShouldBeIsSaidSo(@org.junit.jupiter.api.io.TempDir Path dir) throws java.io.IOException {
        Path file = java.nio.file.Files.writeString(dir.resolve("state"), "not a folder");
        Run run = execute("pipeline", "--state-dir", file.toString());
        assertEquals(2, run.status());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains(file + ": exists already (a file where a folder should be?)"), run.err());
    }

    @Test
    void verbosePrintsTheStackTrace() {
        Run run = execute("golden", "does/not/exist", "--backend", "scalar", "--verbose");
        assertEquals(2, run.status());
        assertTrue(run.err().lines().count() > 1, run.err());
        assertTrue(run.err().contains("\tat "), run.err());
    }

    @Test
    void anUnknownBackendNamesTheAvailableOnes() {
        Run run = execute("golden", "does/not/exist", "--backend", "quantum");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("scalar") && run.err().contains("cpu"), run.err());
    }
}
