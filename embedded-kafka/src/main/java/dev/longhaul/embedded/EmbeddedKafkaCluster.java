/*
 * A KRaft cluster of N combined broker+controller nodes in this JVM, every node a voter of the
 * metadata quorum: for tests of what a single node cannot show, replicated topics and a broker
 * that goes away. Topics default to replication factor min(3, N) with min.insync.replicas
 * min(2, N), the internal topics (offsets, transactions) likewise, so that with three nodes any one
 * may be stopped and the cluster keeps accepting acks=all writes and transactions. stop(i) shuts
 * node i down cleanly, start(i) brings it back over the same log directory and ports.
 * The data lives in a temporary folder deleted on close().
 */
package dev.longhaul.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

public final class EmbeddedKafkaCluster implements AutoCloseable {
    private final List<KraftNode> nodes;
    private final Path root;
    private final String bootstrapServers;
    private final short replicationFactor;

    private EmbeddedKafkaCluster(List<KraftNode> nodes, Path root, short replicationFactor) {
        this.nodes = nodes;
        this.root = root;
        this.replicationFactor = replicationFactor;
        this.bootstrapServers = nodes.stream().map(KraftNode::address).collect(Collectors.joining(","));
    }

    /** {@code size} nodes on free ports, each with {@code defaultPartitions} partitions per new topic. */
    public static EmbeddedKafkaCluster start(int size, int defaultPartitions) {
        if (size < 1) {
            throw new IllegalArgumentException("a cluster needs at least one node: " + size);
        }
        Path root;
        try {
            root = Files.createTempDirectory("longhaul-kafka-cluster-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cluster's data directory", e);
        }
        int[] clientPorts = new int[size];
        int[] controllerPorts = new int[size];
        List<String> voters = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            clientPorts[i] = EmbeddedKafka.freePort();
            controllerPorts[i] = EmbeddedKafka.freePort();
            voters.add((i + 1) + "@localhost:" + controllerPorts[i]);
        }
        short rf = (short) Math.min(3, size);
        Properties settings = replication(rf, Math.min(2, size), defaultPartitions);
        List<KraftNode> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            nodes.add(new KraftNode(i + 1, clientPorts[i], controllerPorts[i], root.resolve("node-" + (i + 1)),
                    String.join(",", voters), settings));
        }
        String clusterId = Uuid.randomUuid().toString();
        nodes.forEach(n -> n.formatIfNew(clusterId));
        EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(nodes, root, rf);
        try {
            // In parallel: a node's startup waits for a quorum of voters.
            allAtOnce(nodes, KraftNode::start);
        } catch (RuntimeException e) {
            cluster.close();
            throw new IllegalStateException("the embedded Kafka cluster did not start: " + e.getMessage(), e);
        }
        return cluster;
    }

    private static Properties replication(short rf, int minIsr, int defaultPartitions) {
        Properties p = new Properties();
        p.setProperty("num.partitions", Integer.toString(defaultPartitions));
        p.setProperty("default.replication.factor", Short.toString(rf));
        p.setProperty("min.insync.replicas", Integer.toString(minIsr));
        p.setProperty("offsets.topic.replication.factor", Short.toString(rf));
        p.setProperty("transaction.state.log.replication.factor", Short.toString(rf));
        p.setProperty("transaction.state.log.min.isr", Integer.toString(minIsr));
        p.setProperty("share.coordinator.state.topic.replication.factor", Short.toString(rf));
        p.setProperty("share.coordinator.state.topic.min.isr", Integer.toString(minIsr));
        return p;
    }

    /** Every node's host:port, for {@code bootstrap.servers} (clients find the live ones). */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public int size() {
        return nodes.size();
    }

    /** The replication factor new topics get by default. */
    public short replicationFactor() {
        return replicationFactor;
    }

    public Map<String, Object> clientConfig() {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    }

    /** Creates a topic with the cluster's replication factor unless it exists. */
    public void createTopic(String name, int partitions, Map<String, String> config) {
        EmbeddedKafka.createTopic(clientConfig(), new NewTopic(name, partitions, replicationFactor).configs(config));
    }

    /** Shuts node {@code index} (0-based) down cleanly; its log directory and ports are kept for start(). */
    public void stop(int index) {
        nodes.get(index).stop();
    }

    /** Starts node {@code index} again over its log; returns once it has caught up with the metadata. */
    public void start(int index) {
        KraftNode node = nodes.get(index);
        if (!node.running()) {
            node.start();
        }
    }

    public boolean running(int index) {
        return nodes.get(index).running();
    }

    @Override
    public void close() {
        // In parallel: a node shutting down alone waits for controlled shutdown by a quorum.
        allAtOnce(nodes, KraftNode::stop);
        EmbeddedKafka.deleteRecursively(root);
    }

    /**
     * Runs the action on every node at once, a thread each, and waits for all. Not the common
     * pool's runAsync: with fewer workers than nodes (a 3-CPU host has 2) the last node's start or
     * stop waited for the others, and a stop left alone waits minutes for a quorum already gone.
     */
    private static void allAtOnce(List<KraftNode> nodes, java.util.function.Consumer<KraftNode> action) {
        try (var threads = java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofPlatform().name("kraft-node-", 0).factory())) {
            CompletableFuture.allOf(nodes.stream().map(n -> CompletableFuture.runAsync(() -> action.accept(n), threads))
                    .toArray(CompletableFuture[]::new)).join();
        }
    }
}
