/*
 * The embedded development stack: one in-process KRaft broker, Longhaul's schema registry on it,
 * the catalog's topics, and the pipeline application; everything a worker, `longhaul submit` and
 * the tests need, in one JVM, without Docker. With a data directory the broker's log (jobs,
 * results, schemas) and the Streams state survive restarts; without one they live in a
 * temporary folder deleted on close. Ports 0 pick free ones. start() can report each part as it
 * comes up (PARTS, in order), so a command starting the stack can show where the time goes.
 */
package dev.longhaul.ops.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.ops.registry.RegistryConfig;
import dev.longhaul.ops.registry.RegistryServer;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;

public final class DevStack implements AutoCloseable {
    /**
     * Where and how: dataDir null means temporary; ports 0 mean free ones. Without runPipeline
     * only the broker and the registry start (the pipeline config still names the namespace).
     */
    public record Options(Path dataDir, int kafkaPort, int registryPort, PipelineConfig pipeline, boolean runPipeline) {
        public Options(Path dataDir, int kafkaPort, int registryPort, PipelineConfig pipeline) {
            this(dataDir, kafkaPort, registryPort, pipeline, true);
        }

        public static Options temporary(PipelineConfig pipeline) {
            return new Options(null, 0, 0, pipeline);
        }
    }

    /** The parts start() brings up, in order, as named to its progress listener. */
    public static final List<String> PARTS = List.of("broker", "registry", "pipeline");

    private final EmbeddedKafka kafka; // null when the broker runs elsewhere
    private final RegistryServer registry;
    private final Topics topics;
    private final PipelineRunner pipeline; // null when the options leave it out

    private final Path temporaryRoot;

    private final String bootstrapServers;

    private DevStack(EmbeddedKafka kafka, String bootstrapServers, RegistryServer registry, Topics topics, PipelineRunner pipeline,
                     Path temporaryRoot) {
        this.bootstrapServers = bootstrapServers;
        this.temporaryRoot = temporaryRoot;
        this.kafka = kafka;
        this.registry = registry;
        this.topics = topics;
        this.pipeline = pipeline;
    }

    public static DevStack start(Options options) {
        return start(options, part -> { });
    }

    /**
     * Starts the stack, calling {@code started} with each of PARTS once that part is up. A shutdown
     * (Ctrl-C, SIGTERM) while it starts waits for the start to finish, then closes the stack
     * (StartGuard): the command's own hook knows nothing of a stack not yet returned, and the JVM
     * would halt with the broker half up and its temporary folder left behind.
     */
    public static DevStack start(Options options, Consumer<String> started) {
        StartGuard<DevStack> guard = StartGuard.install("stack", StartGuard.WAIT_ON_SHUTDOWN, DevStack::close, () -> { });
        try {
            DevStack stack = startParts(options, started);
            guard.started(stack);
            return stack;
        } catch (RuntimeException | Error e) {
            guard.failed(e);
            throw e;
        } finally {
            guard.remove(); // false while shutting down: the hook closes the stack
        }
    }

    private static DevStack startParts(Options options, Consumer<String> started) {
        Path root = root(options.dataDir());
        EmbeddedKafka kafka;
        try {
            kafka = EmbeddedKafka.builder().port(options.kafkaPort()).defaultPartitions(4).dataDir(root.resolve("kafka")).start();
        } catch (RuntimeException | Error e) {
            deleteIfTemporary(options, root);
            throw e;
        }
        try {
            started.accept("broker");
            return around(kafka, kafka.bootstrapServers(), options, root, started);
        } catch (RuntimeException | Error e) {
            kafka.close();
            deleteIfTemporary(options, root); // a stack that did not start leaves no folder behind
            throw e;
        }
    }

    private static void deleteIfTemporary(Options options, Path root) {
        if (options.dataDir() == null) {
            try (var paths = Files.walk(root)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException ignored) {
                // best effort: the error that stopped the start is the one to report
            }
        }
    }

    /**
     * The registry and the pipeline on a broker that runs elsewhere (a cluster, a container): only
     * the Streams state lives here, in a temporary folder.
     */
    public static DevStack onBroker(String bootstrapServers, int registryPort, PipelineConfig pipeline) {
        return around(null, bootstrapServers, new Options(null, 0, registryPort, pipeline), root(null), part -> { });
    }

    private static Path root(Path dataDir) {
        try {
            return dataDir != null ? dataDir : Files.createTempDirectory("longhaul-stack-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder for the stack", e);
        }
    }

    private static DevStack around(EmbeddedKafka kafka, String bootstrapServers, Options options, Path root,
                                   Consumer<String> started) {
        RegistryServer registry = RegistryServer.start(RegistryConfig.defaults(bootstrapServers)
                .withListener("localhost", options.registryPort()));
        try {
            started.accept("registry");
            Topics topics = new Topics(options.pipeline().kafka().namespace(), new RestSchemaRegistryClient(registry.url()));
            Path state = Files.createDirectories(root.resolve("streams"));
            PipelineRunner pipeline = null;
            if (options.runPipeline()) {
                pipeline = PipelineRunner.start(options.pipeline(), topics, bootstrapServers, state);
                started.accept("pipeline");
            }
            return new DevStack(kafka, bootstrapServers, registry, topics, pipeline, options.dataDir() == null ? root : null);
        } catch (IOException e) {
            registry.close();
            throw new UncheckedIOException("cannot create the pipeline's state folder", e);
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public URI registryUrl() {
        return registry.url();
    }

    /** The catalog, its serdes on this stack's registry. */
    public Topics topics() {
        return topics;
    }

    /** The pipeline application; an IllegalStateException when the options left it out. */
    public PipelineRunner pipeline() {
        if (pipeline == null) {
            throw new IllegalStateException("this stack runs without the pipeline");
        }
        return pipeline;
    }

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** Stops the pipeline, the registry and the broker, and deletes a temporary folder; a second call does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (pipeline != null) {
            pipeline.close();
        }
        registry.close();
        if (kafka != null) {
            kafka.close();
        }
        if (temporaryRoot != null) {
            try (var paths = Files.walk(temporaryRoot)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the stack's temporary folder", e);
            }
        }
    }
}
