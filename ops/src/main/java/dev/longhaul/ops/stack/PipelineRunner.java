/*
 * Runs the pipeline topology (plan, dispatch, status) as a KafkaStreams application: creates the
 * catalog's topics if missing, registers the schemas of what it writes, starts, waits until
 * RUNNING, and closes cleanly. The topology itself
 * is a pure builder in the pipeline module; this is its lifecycle, which STYLE.md puts in ops.
 */
package dev.longhaul.ops.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.pipeline.PipelineTopology;
import dev.longhaul.pipeline.TopicsAdmin;
import dev.longhaul.schemas.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;

public final class PipelineRunner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PipelineRunner.class.getName());
    private final KafkaStreams streams;

    private PipelineRunner(KafkaStreams streams) {
        this.streams = streams;
    }

    /** Ensures the topics, starts the application, and returns once it is RUNNING. */
    public static PipelineRunner start(PipelineConfig config, Topics topics, String bootstrapServers, Path stateDir) {
        return start(config, topics, bootstrapServers, stateDir, Map.of());
    }

    /**
     * The same on a broker that wants more of its clients (security.protocol, SASL, TLS stores):
     * clientOverrides go to the admin client that creates the topics and to every Streams client.
     */
    public static PipelineRunner start(PipelineConfig config, Topics topics, String bootstrapServers, Path stateDir,
                                       Map<String, String> clientOverrides) {
        return start(config, topics, bootstrapServers, stateDir, clientOverrides, null);
    }

    /**
     * The same, telling Streams this instance's status endpoint (application.server, host:port;
     * null: none), so that every instance knows where each job's status is (StatusServer).
     */
    public static PipelineRunner start(PipelineConfig config, Topics topics, String bootstrapServers, Path stateDir,
                                       Map<String, String> clientOverrides, String applicationServer) {
        Map<String, Object> adminProps = new HashMap<>(clientOverrides);
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(adminProps)) {
            TopicsAdmin.ensure(admin, topics, config.tenants(), new TopicsAdmin.Layout(config.dispatch().lanes(), 4,
                    (short) config.kafka().replicationFactor()));
        }
        registerOutputSchemas(topics, config.tenants(), config.kafka().applicationId());
        java.util.Properties props = config.streamsProperties(bootstrapServers, stateDir, clientOverrides);
        if (applicationServer != null) {
            props.put(org.apache.kafka.streams.StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
        }
        KafkaStreams streams = new KafkaStreams(PipelineTopology.build(config, topics), props);
        // a registry outage replaces the failed thread after a pause instead of stopping the client
        streams.setUncaughtExceptionHandler(new dev.longhaul.pipeline.StreamFailures());
        try {
            streams.start();
        } catch (RuntimeException e) {
            streams.close(Duration.ofSeconds(10)); // its clients were made with it
            throw e;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (failed(streams.state()) || System.nanoTime() > deadline) {
                KafkaStreams.State state = streams.state();
                streams.close(Duration.ofSeconds(10));
                throw new IllegalStateException("the pipeline did not start (state " + state + ")");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                streams.close(Duration.ofSeconds(10));
                throw new IllegalStateException("interrupted while starting the pipeline", e);
            }
        }
        return new PipelineRunner(streams);
    }

    /**
     * Registers the value schemas of the subjects the pipeline serializes (work, status, dead
     * letters, and workers, under which the dispatcher re-keys heartbeats; the changelogs of the
     * stores that keep Avro values, the status table's and the dispatcher's workers'; with tenants,
     * the jobs and control records their gate admits and each tenant's status; results and letters
     * delivered to tenants are copied as bytes) before it starts: the registry client keeps the ids, so no record
     * written later asks the registry. Left to the first record written, a registration met by a
     * registry outage fails the stream thread, whose tasks, closed dirty under exactly-once, restore
     * their stores from the changelogs in full. A subject refused (a tenant's) is said and left to its
     * first record, which the pipeline handles as before; at the first sign of a registry out of
     * reach the rest are left so too, rather than waiting out every one's timeouts before starting.
     * Returns the subjects' topics not registered.
     */
    static List<String> registerOutputSchemas(Topics topics, java.util.Set<String> tenants, String applicationId) {
        List<dev.longhaul.schemas.Topic<?, ?>> written = new java.util.ArrayList<>(
                List.of(topics.work, topics.status, topics.deadLetters, topics.workers));
        // a store's values are serialized under its changelog topic's name (Kafka Streams names it so)
        written.add(changelog(topics.status, applicationId, dev.longhaul.pipeline.status.JobStatusQuery.STATUS_STORE));
        written.add(changelog(topics.workers, applicationId, dev.longhaul.pipeline.dispatch.LaneDispatcher.WORKERS_STORE));
        if (!tenants.isEmpty()) {
            written.addAll(List.of(topics.jobs, topics.control));
        }
        tenants.stream().sorted().forEach(tenant -> written.add(topics.forTenant(tenant).status));
        List<String> failed = new java.util.ArrayList<>();
        boolean outOfReach = false;
        for (dev.longhaul.schemas.Topic<?, ?> t : written) {
            if (outOfReach) {
                failed.add(t.name());
                continue;
            }
            if (t.values() instanceof dev.longhaul.schemas.wire.AvroSerde<?> serde) {
                try {
                    serde.register(t.name());
                } catch (RuntimeException e) {
                    outOfReach = dev.longhaul.pipeline.StreamFailures.registryOutage(e);
                    failed.add(t.name());
                    LOG.log(System.Logger.Level.WARNING, "could not register the schema of " + t.name() + " before starting"
                            + (dev.longhaul.pipeline.StreamFailures.registryOutage(e) ? " (nor, the registry being out of reach,"
                            + " the others')" : "") + "; the first record written there will: " + e.getMessage());
                }
            }
        }
        return failed;
    }

    /** The changelog of `store` of the application, as a topic with the values of `values`. */
    private static <K, V> dev.longhaul.schemas.Topic<K, V> changelog(dev.longhaul.schemas.Topic<K, V> values, String applicationId,
                                                                     String store) {
        return new dev.longhaul.schemas.Topic<>(applicationId + "-" + store + "-changelog", values.keys(), values.values());
    }

    /** Whether the Streams application has stopped for good: it stops by itself after a fatal error. */
    public boolean failed() {
        return failed(streams().state());
    }

    private static boolean failed(KafkaStreams.State state) {
        return state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR || state == KafkaStreams.State.NOT_RUNNING;
    }

    public KafkaStreams streams() {
        return streams;
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
    }
}
