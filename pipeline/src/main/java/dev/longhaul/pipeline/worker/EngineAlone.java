/*
 * The worker's engine work without Kafka: the same model (or remote server), context budget,
 * prompts, document view and decoding as a Worker, over chunks from any ChunkSource (memory, files). The pipeline
 * benchmark runs the same documents through this and through the whole pipeline, side by side, so
 * their ratio is what Kafka, planning and transactions cost. run() may be called from several
 * threads at once, as a worker runs the orders of several lanes (see OrderEngine).
 */
package dev.longhaul.pipeline.worker;

import java.util.ArrayList;
import java.util.List;

import dev.longhaul.schemas.WorkOrder;

public final class EngineAlone implements AutoCloseable {
    /**
     * What one run produced: results per task kind, document tokens the model read, the share, and
     * the model's outputs (summary texts, then extraction JSON, each in task order).
     */
    public record Result(int summaries, int extractions, long documentTokens, double shareRead, List<String> outputs) {
        public Result {
            outputs = List.copyOf(outputs);
        }
    }

    private final OrderEngine engine;

    public EngineAlone(WorkerConfig config) {
        this.engine = OrderEngine.open(config);
    }

    public int budgetTokens() {
        return engine.budgetTokens();
    }

    public Result run(WorkOrder order, ChunkSource chunks) {
        OrderRunner.Outcome outcome = engine.run(order, chunks, (fraction, tokens) -> { }, new RunCancel());
        if (!(outcome instanceof OrderRunner.Done done)) {
            throw new IllegalStateException("run of " + order.getRequest().getJobId() + " was cancelled");
        }
        List<String> outputs = new ArrayList<>();
        done.summaries().forEach(s -> outputs.add(s.getText()));
        done.extractions().forEach(e -> outputs.add(e.getJson()));
        return new Result(done.summaries().size(), done.extractions().size(), done.documentTokens(), done.shareRead(), outputs);
    }

    /**
     * Runs `orders` with `parallel` of them in progress at a time, as a worker holding that many
     * lanes does (each thread takes the next order); results in the order of `orders`. The first
     * run to fail fails the call with its cause (a run's own failure before one that failed as the
     * bystander of another's Error): the orders not yet started are dropped, and the call returns
     * once the runs in progress have ended.
     */
    public List<Result> runAll(List<WorkOrder> orders, ChunkSource chunks, int parallel) {
        List<java.util.concurrent.Future<Result>> futures = new ArrayList<>();
        var failure = new java.util.concurrent.atomic.AtomicReference<Throwable>();
        try (java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(parallel)) {
            for (WorkOrder order : orders) {
                futures.add(pool.submit(() -> {
                    if (failure.get() != null) {
                        return null; // not started: an earlier order failed
                    }
                    try {
                        return run(order, chunks);
                    } catch (RuntimeException | Error e) {
                        // kept before this thread takes the next order; a bystander's gives way to its cause's own
                        failure.accumulateAndGet(e, (first, next) -> first == null || Worker.bystander(first) && !Worker.bystander(next) ? next : first);
                        throw e;
                    }
                }));
            }
            List<Result> results = new ArrayList<>();
            for (var f : futures) {
                try {
                    results.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    // kept in `failure` already
                }
            }
            Throwable first = failure.get();
            if (first != null) {
                throw first instanceof RuntimeException r ? r : new IllegalStateException(first);
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while orders ran", e);
        }
    }

    @Override
    public void close() {
        engine.close();
    }
}
