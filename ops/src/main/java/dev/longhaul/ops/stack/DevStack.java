/*
 * The embedded development stack: one in-process KRaft broker, Longhaul's schema registry on it,
 * the catalog's topics, and the pipeline application; everything a worker, `longhaul submit` and
 * the tests need, in one JVM, without Docker. With a data directory the broker's log (jobs,
 * results, schemas) and the Streams state survive restarts; without one they live in a
 * temporary folder deleted on close. Ports 0 pick free ones.
 */
package dev.longhaul.ops.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.ops.registry.RegistryConfig;
import dev.longhaul.ops.registry.RegistryServer;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.RestSchemaRegistryClient;

public final class DevStack implements AutoCloseable {
    /** Where and how: dataDir null means temporary; ports 0 mean free ones. */
    public record Options(Path dataDir, int kafkaPort, int registryPort, PipelineConfig pipeline) {
        public static Options temporary(PipelineConfig pipeline) {
            return new Options(null, 0, 0, pipeline);
        }
    }

    private final EmbeddedKafka kafka;
    private final RegistryServer registry;
    private final Topics topics;
    private final PipelineRunner pipeline;

    private final Path temporaryRoot;

    private DevStack(EmbeddedKafka kafka, RegistryServer registry, Topics topics, PipelineRunner pipeline, Path temporaryRoot) {
        this.temporaryRoot = temporaryRoot;
        this.kafka = kafka;
        this.registry = registry;
        this.topics = topics;
        this.pipeline = pipeline;
    }

    public static DevStack start(Options options) {
        Path root;
        try {
            root = options.dataDir() != null ? options.dataDir() : Files.createTempDirectory("longhaul-stack-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder for the stack", e);
        }
        EmbeddedKafka kafka = EmbeddedKafka.builder().port(options.kafkaPort()).defaultPartitions(4)
                .dataDir(root.resolve("kafka")).start();
        RegistryServer registry = null;
        try {
            registry = RegistryServer.start(RegistryConfig.defaults(kafka.bootstrapServers())
                    .withListener("localhost", options.registryPort()));
            Topics topics = new Topics(options.pipeline().kafka().namespace(), new RestSchemaRegistryClient(registry.url()));
            Path state = Files.createDirectories(root.resolve("streams"));
            PipelineRunner pipeline = PipelineRunner.start(options.pipeline(), topics, kafka.bootstrapServers(), state);
            return new DevStack(kafka, registry, topics, pipeline, options.dataDir() == null ? root : null);
        } catch (IOException e) {
            closeQuietly(registry, kafka);
            throw new UncheckedIOException("cannot create the pipeline's state folder", e);
        } catch (RuntimeException e) {
            closeQuietly(registry, kafka);
            throw e;
        }
    }

    private static void closeQuietly(RegistryServer registry, EmbeddedKafka kafka) {
        if (registry != null) {
            registry.close();
        }
        kafka.close();
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public URI registryUrl() {
        return registry.url();
    }

    /** The catalog, its serdes on this stack's registry. */
    public Topics topics() {
        return topics;
    }

    public PipelineRunner pipeline() {
        return pipeline;
    }

    @Override
    public void close() {
        pipeline.close();
        registry.close();
        kafka.close();
        if (temporaryRoot != null) {
            try (var paths = Files.walk(temporaryRoot)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the stack's temporary folder", e);
            }
        }
    }
}
