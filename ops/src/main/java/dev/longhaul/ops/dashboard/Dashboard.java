/*
 * The ops dashboard: a DashboardFeed reading the pipeline's topics into a Throughput model, a
 * LagProbe measuring consumer lag, the same figures as Prometheus meters, and the HTTP server that
 * serves the page, its event stream, the JSON API and /metrics. start() returns once the server
 * listens; the feed catches up in the background (from the topics' beginning), so early answers
 * may be partial. Job lookups go to the pipeline's Streams status store when a KafkaStreams is
 * given and hosts the job, else to the feed's job table. Cancels, pauses, resumes and priority changes go through ingest's JobControl.
 * close() stops everything it started, never the given KafkaStreams. Every request but the page's
 * static files needs the bearer token (token(); pageUrl() is the page's address carrying it).
 */
package dev.longhaul.ops.dashboard;

import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.ingest.IngestConfig;
import dev.longhaul.ingest.JobControl;
import dev.longhaul.ingest.JobIds;
import dev.longhaul.ops.dashboard.ThroughputSnapshot.JobRow;
import dev.longhaul.ops.http.BearerToken;
import dev.longhaul.pipeline.status.JobStatusQuery;
import dev.longhaul.pipeline.worker.WorkerConfig;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.SchemaRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

public final class Dashboard implements AutoCloseable, DashboardApi {
    /** Lag costs a few Admin round trips; measuring it every two seconds is plenty for a chart. */
    private static final long LAG_INTERVAL_MILLIS = 2_000;
    /** Failed lag probes in a row after which the last figures are dropped as stale. */
    private static final int STALE_LAG_PROBES = 5;
    private int lagFailures; // the lag thread's own

    private final Throughput model;
    private final DashboardFeed feed;
    private final LagProbe lag;
    private final DashboardMeters meters;
    private final JobControl control;
    /** Where job commands are sent from (onCommandThread). */
    private final ExecutorService commands;
    private final Optional<JobStatusQuery> statusStore;
    private final EventStream events = new EventStream();
    private final ObjectMapper json = new ObjectMapper();
    private final ScheduledExecutorService ticks;
    private final ScheduledExecutorService lagTicks;
    private final DashboardServer server;
    private final BearerToken token;

    private Dashboard(DashboardConfig config, String bootstrapServers, Topics topics, SchemaRegistry registry,
                      Optional<KafkaStreams> pipeline) {
        this.model = new Throughput(Clock.systemUTC(), config.rateWindow());
        this.meters = new DashboardMeters(model.snapshot());
        this.statusStore = pipeline.map(JobStatusQuery::new);
        this.token = BearerToken.configuredOrGenerated(config.token());
        Map<String, String> overrides = config.kafkaClientOverrides();
        // what is opened is closed again, last first, if a later part fails (a client override one
        // kind of client refuses, a port in use): a failed start leaves no client or thread behind
        List<AutoCloseable> opened = new java.util.ArrayList<>();
        try {
            this.commands = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "longhaul-dashboard-commands");
                t.setDaemon(true);
                return t;
            });
            opened.add(commands::shutdownNow);
            this.control = opened(opened, new JobControl(IngestConfig.defaults(bootstrapServers).withNamespace(topics.namespace())
                    .withClientOverrides(overrides), registry));
            this.lag = opened(opened, new LagProbe(bootstrapServers, overrides, topics,
                    List.of(WorkerConfig.groupId(topics.namespace()), config.pipelineApplicationId())));
            this.feed = opened(opened, new DashboardFeed(bootstrapServers, overrides, topics, model));
            meters.watchFeed(feed);
            this.ticks = daemonScheduler("longhaul-dashboard-ticks");
            opened.add(ticks::shutdownNow);
            this.lagTicks = daemonScheduler("longhaul-dashboard-lag");
            opened.add(lagTicks::shutdownNow);
            long push = config.pushInterval().toMillis();
            ticks.scheduleWithFixedDelay(this::push, 0, push, TimeUnit.MILLISECONDS);
            // the lag probe's admin calls can take seconds against a slow broker: on a thread of their own,
            // so that the page's pushes and /metrics keep their pace meanwhile
            lagTicks.scheduleWithFixedDelay(this::measureLag, 0, LAG_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
            this.server = new DashboardServer(config, token, this, events, json);
        } catch (RuntimeException | Error e) {
            dev.longhaul.pipeline.Failures.closeAfter(e, opened);
            throw e;
        }
    }

    private static <T extends AutoCloseable> T opened(List<AutoCloseable> opened, T resource) {
        opened.add(resource);
        return resource;
    }

    private static ScheduledExecutorService daemonScheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts the dashboard against a running broker and registry. `pipeline` is the pipeline's
     * KafkaStreams when it runs in this JVM (job lookups then read its status store).
     */
    public static Dashboard start(DashboardConfig config, String bootstrapServers, Topics topics, SchemaRegistry registry,
                                  Optional<KafkaStreams> pipeline) {
        return new Dashboard(config, bootstrapServers, topics, registry, pipeline);
    }

    /** The page's address, e.g. http://localhost:8080/ (the API under it needs token()). */
    public URI url() {
        return server.url();
    }

    /** The bearer token every API request needs: the configured one, or the one generated at start. */
    public String token() {
        return token.value();
    }

    /**
     * The address to open in a browser: url() with the token in the fragment (#token=...), which
     * the page reads and then removes from the address bar; a fragment is never sent to a server,
     * so the token stays out of request lines and access logs.
     */
    public URI pageUrl() {
        return URI.create(url() + "#token=" + token.value());
    }

    /** The metrics model (for embedding programs and tests). */
    public Throughput throughput() {
        return model;
    }

    public PrometheusMeterRegistry meterRegistry() {
        return meters.registry();
    }

    @Override
    public ThroughputSnapshot snapshot() {
        return model.snapshot();
    }

    @Override
    public Optional<JobRow> job(String jobId) {
        JobIds.requireValid(jobId);
        if (statusStore.isPresent()) {
            try {
                Optional<JobStatus> s = statusStore.get().latest(jobId);
                if (s.isPresent()) {
                    return Optional.of(JobRow.of(s.get()));
                }
            } catch (InvalidStateStoreException e) {
                // The store is migrating (a rebalance) or hosted elsewhere: the feed's table answers.
            } catch (IllegalStateException e) {
                // The pipeline's streams stopped (failed, or shutting down): KafkaStreams.store() throws
                // this, not InvalidStateStoreException; the feed's table answers here too.
            }
        }
        return model.job(jobId);
    }

    @Override
    public void cancel(String jobId) {
        JobIds.requireValid(jobId);
        onCommandThread(() -> control.cancel(jobId));
    }

    @Override
    public void pause(String jobId, boolean paused) {
        JobIds.requireValid(jobId);
        onCommandThread(() -> paused ? control.pause(jobId) : control.resume(jobId));
    }

    @Override
    public void setPriority(String jobId, int priority) {
        JobIds.requireValid(jobId);
        onCommandThread(() -> control.setPriority(jobId, priority));
    }

    /**
     * Runs a command on the dashboard's command threads, platform threads, and waits for it: the
     * HTTP handlers are virtual threads, and the producer waits for metadata inside synchronized
     * (up to max.block.ms with Kafka away), which on a JDK before 24 pins the carrier thread; a
     * few such waits would freeze every other request, the event stream and /metrics included.
     */
    private void onCommandThread(java.util.concurrent.Callable<?> command) {
        try {
            commands.submit(command).get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending a command", e);
        }
    }

    @Override
    public String scrape() {
        return meters.registry().scrape();
    }

    private void push() {
        try {
            ThroughputSnapshot s = model.snapshot();
            meters.update(s);
            events.publish(json.writeValueAsString(s));
        } catch (JsonProcessingException | RuntimeException e) {
            // A failed tick must not cancel the schedule; the next one tries again.
        }
    }

    private void measureLag() {
        try {
            model.onLag(lag.measure());
            model.onKafkaReached();
            lagFailures = 0;
        } catch (RuntimeException e) {
            // The broker is briefly unreachable (or anything else went wrong): keep the previous
            // figures for a few probes, then show none rather than old ones as current; a task
            // that threw would never be scheduled again. The page says so from the first failure:
            // the feed's poll does not fail while the broker is away, it only brings nothing.
            model.onKafkaFailure(System.currentTimeMillis(), String.valueOf(e.getMessage()));
            if (++lagFailures == STALE_LAG_PROBES) {
                model.onLag(List.of());
            }
        }
    }

    @Override
    public void close() {
        server.close();
        stopBackground();
    }

    private void stopBackground() {
        commands.shutdownNow();
        ticks.shutdownNow();
        lagTicks.shutdownNow();
        try {
            // the lag probe's consumer is its thread's until that ends: closed from here meanwhile, it would throw
            lagTicks.awaitTermination(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            feed.close();
        } finally {
            try {
                lag.close();
            } finally {
                control.close();
            }
        }
    }
}
