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
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A single KRaft node (process.roles=broker,controller) running in this JVM: a real broker with
 * transactions, compaction and consumer groups, started in a few seconds without Docker or ZooKeeper.
 *
 * <p>With {@link Builder#dataDir} the log survives restarts (the dev stack keeps its jobs); without
 * it a temporary directory is used and deleted on {@link #close()} (tests).
 *
 * <p>With {@link Builder#saslSsl} the client listener requires SASL_SSL with SCRAM-SHA-512 and the
 * StandardAuthorizer denies whatever no ACL allows; the controller listener and an internal
 * listener (inter-broker, and this class's own admin calls) stay PLAINTEXT on loopback, and their
 * principal, User:ANONYMOUS, is a super user along with the given ones. {@link #clientConfig()}
 * then goes through the internal listener; {@link #scramUser} creates SCRAM credentials through the
 * Admin API and {@link #saslClientConfig} gives what a client of the secure listener sets.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final String INTERNAL = "INTERNAL";
    private static final String SCRAM = "SCRAM-SHA-512";

    private final KraftNode node;
    private final Path dataDir;
    private final boolean deleteOnClose;
    private final String bootstrapServers;
    private final String adminServers;
    private final SaslSsl security;

    private EmbeddedKafka(KraftNode node, boolean deleteOnClose, String adminServers, SaslSsl security) {
        this.node = node;
        this.dataDir = node.dir();
        this.deleteOnClose = deleteOnClose;
        this.bootstrapServers = node.address();
        this.adminServers = adminServers;
        this.security = security;
    }

    /**
     * The secure client listener's TLS material: the broker's key store and the trust store its
     * clients use (PKCS12), with one password, and the super users besides User:ANONYMOUS.
     */
    public record SaslSsl(Path keyStore, Path trustStore, String password, List<String> superUsers) {
        public SaslSsl {
            superUsers = List.copyOf(superUsers);
        }
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

    /** Client properties that reach this broker (on a secure broker: the internal, super-user listener). */
    public Map<String, Object> clientConfig() {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, adminServers);
    }
    /**
     * What a client of the secure listener sets to log in as `user` (SASL_SSL, SCRAM-SHA-512, the
     * trust store), by Kafka's property names; bootstrap.servers not included.
     */
    public Map<String, String> saslClientConfig(String user, String password) {
        if (security == null) {
            throw new IllegalStateException("this broker was started without saslSsl");
        }
        return Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", SCRAM,
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";",
                "ssl.truststore.location", security.trustStore().toString(),
                "ssl.truststore.password", security.password(),
                "ssl.truststore.type", "PKCS12");
    }

    /** Creates (or replaces) SCRAM-SHA-512 credentials for `user` with the Admin API. */
    public void scramUser(String user, String password) {
        try (Admin admin = Admin.create(clientConfig())) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password))).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create SCRAM credentials for " + user + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating SCRAM credentials", e);
        }
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

    /** Starts tried when a picked port was taken before the broker bound it. */
    static final int START_TRIES = 3;

    /** Whether a start failed because a port was in use. */
    static boolean bindFailure(Throwable e) {
        return anyCause(e, c -> c instanceof java.net.BindException) || mentions(e, "Address already in use");
    }

    /** Whether a message in e's cause chain holds `text` (a bind failure names its address). */
    static boolean mentions(Throwable e, String text) {
        return anyCause(e, c -> String.valueOf(c.getMessage()).contains(text));
    }

    private static boolean anyCause(Throwable e, java.util.function.Predicate<Throwable> test) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (test.test(c)) {
                return true;
            }
        }
        return false;
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
        private Path temporaryParent;
        private int port;
        private int controllerPort;
        private int defaultPartitions = 1;
        private final Properties overrides = new Properties();
        private SaslSsl security;

        private java.util.function.IntSupplier portPicker = EmbeddedKafka::freePort;

        private Builder() {
        }

        /** Where picked ports come from (tests of the retry on a port taken meanwhile). */
        Builder portPicker(java.util.function.IntSupplier picker) {
            this.portPicker = picker;
            return this;
        }

        /** Keep the log here across restarts (formatted on first use). */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Where the temporary data folder is made when no dataDir is given (default: java.io.tmpdir). */
        public Builder temporaryParent(Path dir) {
            this.temporaryParent = dir;
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

        /** The client listener requires SASL_SSL (SCRAM-SHA-512) and ACLs are enforced. */
        public Builder saslSsl(SaslSsl value) {
            this.security = value;
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
                dir = !temporary ? Files.createDirectories(dataDir)
                        : temporaryParent != null ? Files.createTempDirectory(temporaryParent, "longhaul-kafka-")
                        : Files.createTempDirectory("longhaul-kafka-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the Kafka data directory", e);
            }
            // Ports picked here are free when picked, not when the broker binds them: another
            // process (a parallel test) may take one in between. A start that fails to bind a
            // picked port is tried again on new ones. A start that fails for good leaves no
            // temporary folder behind.
            try {
                return startIn(dir, temporary);
            } catch (RuntimeException | Error e) {
                if (temporary) {
                    deleteRecursively(dir);
                }
                throw e;
            }
        }

        private EmbeddedKafka startIn(Path dir, boolean temporary) {
            for (int attempt = 1; ; attempt++) {
                int[] picked = distinctFreePorts(3);
                int clientPort = port == 0 ? picked[0] : port;
                int quorumPort = controllerPort == 0 ? picked[1] : controllerPort;
                // One node: every internal topic has one replica.
                Properties settings = new Properties();
                settings.setProperty("num.partitions", Integer.toString(defaultPartitions));
                settings.setProperty("offsets.topic.replication.factor", "1");
                settings.setProperty("transaction.state.log.replication.factor", "1");
                settings.setProperty("transaction.state.log.min.isr", "1");
                settings.setProperty("share.coordinator.state.topic.replication.factor", "1");
                settings.setProperty("share.coordinator.state.topic.min.isr", "1");
                int internalPort = security == null ? clientPort : picked[2];
                if (security != null) {
                    secure(settings, clientPort, internalPort, quorumPort);
                }
                settings.putAll(overrides);
                try {
                    // inside: a setting Kafka refuses (an override, a fixed port equal to a picked one) leaves no folder either
                    KraftNode node = new KraftNode(1, clientPort, quorumPort, dir, "1@localhost:" + quorumPort, settings);
                    node.formatIfNew(Uuid.randomUuid().toString());
                    node.start();
                    return new EmbeddedKafka(node, temporary, "localhost:" + internalPort, security);
                } catch (RuntimeException e) {
                    // only a port picked here is worth another try: a fixed one taken stays taken
                    boolean onFixedPort = (port != 0 && mentions(e, ":" + port)) || (controllerPort != 0 && mentions(e, ":" + controllerPort));
                    if (attempt < START_TRIES && bindFailure(e) && !onFixedPort) {
                        continue;
                    }
                    throw e;
                }
            }
        }

        /** n different ports, each free when picked (held open together, so never the same one twice). */
        private int[] distinctFreePorts(int n) {
            int[] ports = new int[n];
            List<ServerSocket> held = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    int p = portPicker.getAsInt();
                    ports[i] = p;
                    try {
                        ServerSocket s = new ServerSocket();
                        s.bind(new java.net.InetSocketAddress(p));
                        held.add(s);
                    } catch (IOException taken) {
                        // a picker handing out a port in use (or the same one twice): the start's
                        // bind fails on it and is tried again
                    }
                }
            } finally {
                for (ServerSocket s : held) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // closing a listening socket we opened
                    }
                }
            }
            return ports;
        }

        private void secure(Properties p, int clientPort, int internalPort, int quorumPort) {
            p.setProperty("listeners", "SASL_SSL://localhost:" + clientPort + "," + INTERNAL + "://localhost:" + internalPort
                    + "," + KraftNode.CONTROLLER + "://localhost:" + quorumPort);
            p.setProperty("advertised.listeners", "SASL_SSL://localhost:" + clientPort + "," + INTERNAL + "://localhost:" + internalPort);
            p.setProperty("inter.broker.listener.name", INTERNAL);
            p.setProperty("listener.security.protocol.map", "SASL_SSL:SASL_SSL," + INTERNAL + ":PLAINTEXT," + KraftNode.CONTROLLER + ":PLAINTEXT");
            p.setProperty("sasl.enabled.mechanisms", SCRAM);
            p.setProperty("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;");
            p.setProperty("listener.name.sasl_ssl.ssl.keystore.location", security.keyStore().toString());
            p.setProperty("listener.name.sasl_ssl.ssl.keystore.password", security.password());
            p.setProperty("listener.name.sasl_ssl.ssl.key.password", security.password());
            p.setProperty("listener.name.sasl_ssl.ssl.keystore.type", "PKCS12");
            p.setProperty("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            p.setProperty("allow.everyone.if.no.acl.found", "false");
            // The loopback PLAINTEXT listeners (controller, internal) authenticate nobody: their
            // principal is ANONYMOUS, and the broker's own requests arrive through them.
            p.setProperty("super.users", String.join(";", Stream.concat(Stream.of("ANONYMOUS"),
                    security.superUsers().stream()).map(u -> "User:" + u).toList()));
        }
    }
}
