/*
 * The metrics model as Micrometer meters in a PrometheusMeterRegistry, so that /metrics and the
 * dashboard page show the same figures: every meter reads the latest ThroughputSnapshot given to
 * update(). Meters whose tags are only known at run time (workers, dead-letter reasons, consumer
 * groups) are registered the first time a snapshot names them; a worker's meters are removed once
 * a snapshot no longer names it (see Throughput.FORGET_AFTER). Prometheus names (what
 * ops/grafana/longhaul.json queries):
 *   longhaul_jobs_per_second                          SUCCEEDED jobs per second over the window
 *   longhaul_jobs{state}                              jobs known per state (every job not final; every end seen)
 *   longhaul_jobs_finished_total{state}               jobs that reached a final state since the dashboard started
 *   longhaul_tokens_per_second{phase}                 prefill / decode tokens per second, all workers
 *   longhaul_worker_tokens_per_second{phase,worker}   the same per worker
 *   longhaul_tokens_total{phase,worker}               tokens counted (ticks and results) since the dashboard started
 *   longhaul_worker_capacity_tokens_per_second{worker}, longhaul_worker_outstanding_tokens{worker},
 *   longhaul_worker_lanes{worker}, longhaul_worker_alive{worker}   lane load from heartbeats
 *   longhaul_worker_batch_fill{worker,measure}        batch fill over the latest heartbeat's interval,
 *                                                     measure=sequences (per step / slots) or tokens (per step / budget)
 *   longhaul_worker_batch_steps{worker}               engine steps in that interval
 *   longhaul_job_latency_seconds{stage,quantile}      queued / running / end_to_end percentiles of the jobs
 *                                                     finished in the last 15 minutes (Throughput.LATENCY_HORIZON)
 *   longhaul_dead_letters_total{reason}               dead letters by reason code since the dashboard started
 *   longhaul_consumer_lag{group,topic}, longhaul_queue_depth{topic}
 *   longhaul_dashboard_feed_records_total{outcome}    records the feed applied / could not decode,
 *                                                     longhaul_dashboard_feed_failures_total: polls or scans that failed
 * Counters count events stamped since the dashboard started (ThroughputSnapshot.Counters): the
 * feed replays the topics from their beginning at every start, and counting that history again
 * would read as a burst to rate() and increase(). A latency quantile without samples (no job
 * finished in the horizon) is NaN.
 */
package dev.longhaul.ops.dashboard;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

import dev.longhaul.ops.dashboard.ThroughputSnapshot.Latency;
import dev.longhaul.ops.dashboard.ThroughputSnapshot.TokenCount;
import dev.longhaul.ops.dashboard.ThroughputSnapshot.Tokens;
import dev.longhaul.ops.dashboard.ThroughputSnapshot.TopicLag;
import dev.longhaul.ops.dashboard.ThroughputSnapshot.WorkerLoad;
import dev.longhaul.schemas.JobState;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

final class DashboardMeters {
    private static final Map<String, ToDoubleFunction<Latency>> QUANTILES = Map.of(
            "0.5", Latency::p50, "0.9", Latency::p90, "0.99", Latency::p99);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Set<String> registered = new HashSet<>();
    private volatile ThroughputSnapshot latest;

    DashboardMeters(ThroughputSnapshot initial) {
        latest = initial;
        gauge("longhaul.jobs.per.second", Tags.empty(), s -> s.jobsPerSecond());
        for (JobState state : JobState.values()) {
            String name = state.name();
            gauge("longhaul.jobs", Tags.of("state", name), s -> s.jobsByState().getOrDefault(name, 0L));
            if (Throughput.FINAL_STATES.contains(name)) {
                counter("longhaul.jobs.finished", Tags.of("state", name), s -> s.counters().finished().getOrDefault(name, 0L));
            }
        }
        gauge("longhaul.tokens.per.second", Tags.of("phase", "prefill"), s -> s.tokens().prefillPerSecond());
        gauge("longhaul.tokens.per.second", Tags.of("phase", "decode"), s -> s.tokens().decodePerSecond());
        for (String stage : ThroughputSnapshot.STAGES) {
            QUANTILES.forEach((q, f) -> Gauge.builder("longhaul.job.latency", this,
                            m -> quantile(m.latest.latency().get(stage), f))
                    .tags(Tags.of("stage", stage, "quantile", q)).baseUnit("seconds").strongReference(true).register(registry));
        }
        update(initial);
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Makes `snapshot` what every meter reads, registering meters for keys seen the first time. */
    void update(ThroughputSnapshot snapshot) {
        latest = snapshot;
        forgetWorkersNotIn(snapshot);
        for (String worker : snapshot.tokensByWorker().keySet()) {
            once("tokens/" + worker, () -> {
                for (String phase : List.of("prefill", "decode")) {
                    ToDoubleFunction<Tokens> rate = phase.equals("prefill") ? Tokens::prefillPerSecond : Tokens::decodePerSecond;
                    ToDoubleFunction<TokenCount> total = phase.equals("prefill") ? TokenCount::prefill : TokenCount::decode;
                    Tags tags = Tags.of("phase", phase, "worker", worker);
                    gauge("longhaul.worker.tokens.per.second", tags, s -> valueOf(s.tokensByWorker().get(worker), rate));
                    counter("longhaul.tokens", tags, s -> valueOf(s.counters().tokensByWorker().get(worker), total));
                }
            });
        }
        for (WorkerLoad w : snapshot.workers()) {
            String id = w.workerId();
            once("worker/" + id, () -> {
                Tags tags = Tags.of("worker", id);
                gauge("longhaul.worker.capacity.tokens.per.second", tags, s -> valueOf(load(s, id), WorkerLoad::capacityTokensPerSecond));
                gauge("longhaul.worker.outstanding.tokens", tags, s -> valueOf(load(s, id), WorkerLoad::outstandingCostTokens));
                gauge("longhaul.worker.lanes", tags, s -> valueOf(load(s, id), l -> l.lanes().size()));
                gauge("longhaul.worker.alive", tags, s -> valueOf(load(s, id), l -> l.alive() ? 1 : 0));
                gauge("longhaul.worker.batch.fill", tags.and("measure", "sequences"), s -> valueOf(load(s, id), l -> l.batch().sequenceFill()));
                gauge("longhaul.worker.batch.fill", tags.and("measure", "tokens"), s -> valueOf(load(s, id), l -> l.batch().tokenFill()));
                gauge("longhaul.worker.batch.steps", tags, s -> valueOf(load(s, id), l -> l.batch().steps()));
            });
        }
        // reasons of the history too, at zero since the start, so that their first new letter is an increase
        Set<String> reasons = new java.util.TreeSet<>(snapshot.deadLetters().keySet());
        reasons.addAll(snapshot.counters().deadLetters().keySet());
        for (String reason : reasons) {
            once("dead/" + reason, () -> counter("longhaul.dead.letters", Tags.of("reason", reason),
                    s -> s.counters().deadLetters().getOrDefault(reason, 0L)));
        }
        // a lag the latest snapshot does not measure (the probe failing, the group gone) is NaN,
        // unknown, not 0: a scrape must not say the queue is empty when nobody can see it
        for (TopicLag l : snapshot.lag()) {
            String group = l.group();
            String topic = l.topic();
            once("lag/" + group + "/" + topic, () -> gauge("longhaul.consumer.lag", Tags.of("group", group, "topic", topic),
                    s -> s.lag().stream().filter(x -> x.group().equals(group) && x.topic().equals(topic))
                            .mapToDouble(TopicLag::lag).reduce(Double::sum).orElse(Double.NaN)));
        }
        for (String topic : snapshot.queueDepth().keySet()) {
            once("depth/" + topic, () -> gauge("longhaul.queue.depth", Tags.of("topic", topic),
                    s -> s.queueDepth().containsKey(topic) ? s.queueDepth().get(topic) : Double.NaN));
        }
    }

    /**
     * Removes the meters of workers the snapshot no longer names (Throughput forgets a worker gone
     * for a while), so that restarted workers, each with a new id, do not pile up series for ever.
     */
    private void forgetWorkersNotIn(ThroughputSnapshot snapshot) {
        Set<String> named = new HashSet<>(snapshot.tokensByWorker().keySet());
        snapshot.workers().forEach(w -> named.add(w.workerId()));
        Set<String> gone = new HashSet<>();
        for (String key : registered) {
            int slash = key.indexOf('/');
            String kind = key.substring(0, slash);
            String id = key.substring(slash + 1);
            if ((kind.equals("tokens") || kind.equals("worker")) && !named.contains(id)) {
                gone.add(id);
            }
        }
        for (String id : gone) {
            registry.getMeters().stream().filter(m -> id.equals(m.getId().getTag("worker"))).toList().forEach(registry::remove);
            registered.remove("tokens/" + id);
            registered.remove("worker/" + id);
        }
    }

    /**
     * The feed's own health: records applied and undecodable, and polls or partition scans that
     * failed (each retried), so that a feed that stopped moving shows on /metrics.
     */
    void watchFeed(DashboardFeed feed) {
        FunctionCounter.builder("longhaul.dashboard.feed.records", feed, DashboardFeed::records)
                .tags(Tags.of("outcome", "applied")).register(registry);
        FunctionCounter.builder("longhaul.dashboard.feed.records", feed, DashboardFeed::undecodable)
                .tags(Tags.of("outcome", "undecodable")).register(registry);
        FunctionCounter.builder("longhaul.dashboard.feed.failures", feed, DashboardFeed::failures).register(registry);
    }

    /** A latency quantile in seconds; NaN without samples (0 would read as instant). */
    private static double quantile(Latency latency, ToDoubleFunction<Latency> f) {
        return latency == null || latency.count() == 0 ? Double.NaN : f.applyAsDouble(latency) / 1000.0;
    }

    private static WorkerLoad load(ThroughputSnapshot s, String workerId) {
        return s.workers().stream().filter(w -> w.workerId().equals(workerId)).findFirst().orElse(null);
    }

    private static <T> double valueOf(T value, ToDoubleFunction<T> f) {
        return value == null ? 0 : f.applyAsDouble(value);
    }

    private void once(String key, Runnable register) {
        if (registered.add(key)) {
            register.run();
        }
    }

    private void gauge(String name, Tags tags, ToDoubleFunction<ThroughputSnapshot> f) {
        Gauge.builder(name, this, m -> f.applyAsDouble(m.latest)).tags(tags).strongReference(true).register(registry);
    }

    private void counter(String name, Tags tags, ToDoubleFunction<ThroughputSnapshot> f) {
        FunctionCounter.builder(name, this, m -> f.applyAsDouble(m.latest)).tags(tags).register(registry);
    }
}
