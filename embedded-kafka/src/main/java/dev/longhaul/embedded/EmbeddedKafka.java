package dev.longhaul.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single KRaft node (process.roles=broker,controller) running in this JVM: a real broker with
 * transactions, compaction and consumer groups, started in a few seconds without Docker or ZooKeeper.
 *
 * <p>With {@link Builder#dataDir} the log survives restarts (the dev stack keeps its jobs); without
 * it a temporary directory is used and deleted on {@link #close()} (tests).
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final String CONTROLLER = "CONTROLLER";

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final boolean deleteOnClose;
    private final String bootstrapServers;

    private EmbeddedKafka(KafkaRaftServer server, Path dataDir, boolean deleteOnClose, String bootstrapServers) {
        this.server = server;
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
        this.bootstrapServers = bootstrapServers;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A broker on free ports over a temporary directory, with default settings. */
    public static EmbeddedKafka start() {
        return builder().start();
    }

    /** host:port for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Client properties that reach this broker. */
    public Map<String, Object> clientConfig() {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    }

    /** Creates a topic unless it exists. {@code config} holds topic-level settings (cleanup.policy...). */
    public void createTopic(String name, int partitions, Map<String, String> config) {
        try (Admin admin = Admin.create(clientConfig())) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(config))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        }
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        if (deleteOnClose) {
            deleteRecursively(dataDir);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free local port", e);
        }
    }

    public static final class Builder {
        private Path dataDir;
        private int port;
        private int controllerPort;
        private int defaultPartitions = 1;
        private final Properties overrides = new Properties();

        private Builder() {
        }

        /** Keep the log here across restarts (formatted on first use). */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** The client listener's port; 0 (default) picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder controllerPort(int port) {
            this.controllerPort = port;
            return this;
        }

        public Builder defaultPartitions(int partitions) {
            this.defaultPartitions = partitions;
            return this;
        }

        /** Any broker setting, e.g. {@code message.max.bytes}. */
        public Builder brokerConfig(String key, String value) {
            overrides.setProperty(key, value);
            return this;
        }

        public EmbeddedKafka start() {
            boolean temporary = dataDir == null;
            Path dir;
            try {
                dir = temporary ? Files.createTempDirectory("longhaul-kafka-") : Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the Kafka data directory", e);
            }
            int clientPort = port == 0 ? freePort() : port;
            int quorumPort = controllerPort == 0 ? freePort() : controllerPort;
            Properties p = new Properties();
            p.setProperty("process.roles", "broker,controller");
            p.setProperty("node.id", "1");
            p.setProperty("controller.quorum.voters", "1@localhost:" + quorumPort);
            p.setProperty("listeners", "PLAINTEXT://localhost:" + clientPort + "," + CONTROLLER + "://localhost:" + quorumPort);
            p.setProperty("advertised.listeners", "PLAINTEXT://localhost:" + clientPort);
            p.setProperty("controller.listener.names", CONTROLLER);
            p.setProperty("inter.broker.listener.name", "PLAINTEXT");
            p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER + ":PLAINTEXT");
            p.setProperty("log.dirs", dir.toString());
            p.setProperty("num.partitions", Integer.toString(defaultPartitions));
            // One node: every internal topic has one replica, and few partitions keep startup fast.
            p.setProperty("offsets.topic.replication.factor", "1");
            p.setProperty("offsets.topic.num.partitions", "4");
            p.setProperty("transaction.state.log.replication.factor", "1");
            p.setProperty("transaction.state.log.min.isr", "1");
            p.setProperty("transaction.state.log.num.partitions", "4");
            p.setProperty("share.coordinator.state.topic.replication.factor", "1");
            p.setProperty("share.coordinator.state.topic.min.isr", "1");
            p.setProperty("group.initial.rebalance.delay.ms", "0");
            p.setProperty("log.cleaner.dedupe.buffer.size", Integer.toString(8 << 20));
            p.putAll(overrides);
            KafkaConfig config = KafkaConfig.fromProps(p, false);
            if (!Files.exists(dir.resolve("meta.properties"))) {
                try {
                    new Formatter()
                            .setNodeId(1)
                            .setClusterId(Uuid.randomUuid().toString())
                            .addDirectory(dir.toString())
                            .setMetadataLogDirectory(dir.toString())
                            .setControllerListenerName(CONTROLLER)
                            .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                            .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                            .run();
                } catch (Exception e) {
                    throw new IllegalStateException("cannot format the KRaft log directory " + dir + ": " + e.getMessage(), e);
                }
            }
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            try {
                server.startup();
            } catch (RuntimeException e) {
                server.shutdown();
                throw new IllegalStateException("embedded Kafka failed to start on port " + clientPort + ": " + e.getMessage(), e);
            }
            return new EmbeddedKafka(server, dir, temporary, "localhost:" + clientPort);
        }
    }
}
