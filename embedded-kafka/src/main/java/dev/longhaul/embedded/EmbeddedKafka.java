package dev.longhaul.embedded;

import java.io.IOException;
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

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A single KRaft node (process.roles=broker,controller) running in this JVM: a real broker with
 * transactions, compaction and consumer groups, started in a few seconds without Docker or ZooKeeper.
 *
 * <p>With {@link Builder#dataDir} the log survives restarts (the dev stack keeps its jobs); without
 * it a temporary directory is used and deleted on {@link #close()} (tests).
 */
public final class EmbeddedKafka implements AutoCloseable {

    private final KraftNode node;
    private final Path dataDir;
    private final boolean deleteOnClose;
    private final String bootstrapServers;

    private EmbeddedKafka(KraftNode node, boolean deleteOnClose) {
        this.node = node;
        this.dataDir = node.dir();
        this.deleteOnClose = deleteOnClose;
        this.bootstrapServers = node.address();
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
        createTopic(clientConfig(), new NewTopic(name, partitions, (short) 1).configs(config));
    }

    static void createTopic(Map<String, Object> clientConfig, NewTopic topic) {
        String name = topic.name();
        try (Admin admin = Admin.create(clientConfig)) {
            admin.createTopics(List.of(topic)).all().get();
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
        node.stop();
        if (deleteOnClose) {
            deleteRecursively(dataDir);
        }
    }

    static void deleteRecursively(Path dir) {
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
            // One node: every internal topic has one replica.
            Properties settings = new Properties();
            settings.setProperty("num.partitions", Integer.toString(defaultPartitions));
            settings.setProperty("offsets.topic.replication.factor", "1");
            settings.setProperty("transaction.state.log.replication.factor", "1");
            settings.setProperty("transaction.state.log.min.isr", "1");
            settings.setProperty("share.coordinator.state.topic.replication.factor", "1");
            settings.setProperty("share.coordinator.state.topic.min.isr", "1");
            settings.putAll(overrides);
            KraftNode node = new KraftNode(1, clientPort, quorumPort, dir, "1@localhost:" + quorumPort, settings);
            node.formatIfNew(Uuid.randomUuid().toString());
            node.start();
            return new EmbeddedKafka(node, temporary);
        }
    }
}
