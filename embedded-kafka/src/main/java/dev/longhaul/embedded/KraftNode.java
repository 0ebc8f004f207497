/*
 * One combined KRaft node (process.roles=broker,controller) in this JVM: its settings, the
 * formatting of its log directory on first use, and a server that can be stopped and started
 * again over the same directory and ports. EmbeddedKafka runs one, EmbeddedKafkaCluster several;
 * both hand it the quorum (controller.quorum.voters) and the replication settings they need.
 */
package dev.longhaul.embedded;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

final class KraftNode {
    static final String CONTROLLER = "CONTROLLER";

    private final int nodeId;
    private final int clientPort;
    private final Path dir;
    private final KafkaConfig config;
    private KafkaRaftServer server;

    /**
     * @param voters    controller.quorum.voters, e.g. "1@localhost:9093,2@localhost:9094"
     * @param settings  further broker settings (replication of internal topics, overrides), applied last
     */
    KraftNode(int nodeId, int clientPort, int controllerPort, Path dir, String voters, Properties settings) {
        this.nodeId = nodeId;
        this.clientPort = clientPort;
        this.dir = dir;
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", Integer.toString(nodeId));
        p.setProperty("controller.quorum.voters", voters);
        p.setProperty("listeners", "PLAINTEXT://localhost:" + clientPort + "," + CONTROLLER + "://localhost:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://localhost:" + clientPort);
        p.setProperty("controller.listener.names", CONTROLLER);
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER + ":PLAINTEXT");
        p.setProperty("log.dirs", dir.toString());
        // Few partitions for the internal topics keep startup fast.
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.num.partitions", "4");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("log.cleaner.dedupe.buffer.size", Integer.toString(8 << 20));
        p.putAll(settings);
        this.config = KafkaConfig.fromProps(p, false);
    }

    int nodeId() {
        return nodeId;
    }

    Path dir() {
        return dir;
    }

    String address() {
        return "localhost:" + clientPort;
    }

    synchronized boolean running() {
        return server != null;
    }

    /** Formats the directory for the cluster unless it holds a log already (a restart keeps it). */
    void formatIfNew(String clusterId) {
        if (Files.exists(dir.resolve("meta.properties"))) {
            return;
        }
        try {
            new Formatter()
                    .setNodeId(nodeId)
                    .setClusterId(clusterId)
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

    /**
     * Starts the server; returns once its broker has caught up with the metadata log, which needs a
     * quorum of voters up (so the nodes of a new cluster are started in parallel).
     */
    void start() {
        KafkaRaftServer s = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            s.startup();
        } catch (RuntimeException e) {
            s.shutdown();
            throw new IllegalStateException("embedded Kafka node " + nodeId + " failed to start on port " + clientPort
                    + ": " + e.getMessage(), e);
        }
        synchronized (this) {
            server = s;
        }
    }

    /** A clean shutdown (leadership moves, the log is flushed); no-op when stopped. */
    void stop() {
        KafkaRaftServer s;
        synchronized (this) {
            s = server;
            server = null;
        }
        if (s != null) {
            s.shutdown();
            s.awaitShutdown();
        }
    }
}
