/*
 * What a worker runs its orders on, chosen once by WorkerConfig.backend(): the model in this
 * process (WorkerEngine, backend "cpu", "scalar", ...), or an OpenAI-compatible server
 * (RemoteEngine, backend "remote:http://host:port/v1") for models too large for one worker.
 * Either way the worker's guarantees are the same: the same prompts and document view, one result
 * per task, committed exactly once by the Worker. Contract: run() may be called by several threads
 * at once, each with its own ChunkSource and RunCancel (the worker runs one order per lane, up to
 * WorkerConfig.concurrentOrders), and each run's results are those it gives alone; a cancel
 * requested on a run's RunCancel, before or during it, ends that run alone (Cancelled outcome); a
 * failure to start (model folder, unreachable server) is thrown by open(), never hidden.
 */
package dev.longhaul.pipeline.worker;

import dev.longhaul.schemas.WorkOrder;

interface OrderEngine extends AutoCloseable {
    /** Document tokens the model reads per job at most (the context budget). */
    int budgetTokens();

    /** Prefill speed for heartbeats: measured at start locally, observed on finished runs remotely. */
    double prefillTokensPerSecond();

    OrderRunner.Outcome run(WorkOrder order, ChunkSource chunks, OrderRunner.Progress progress, RunCancel cancel);

    /** How full the engine's steps were since the previous call (one heartbeat window); NONE when it does not batch here. */
    BatchFill batchFill();

    /** Ends the runs still in progress (their callers get Cancelled or an exception) and frees the engine. */
    @Override
    void close();

    /** The engine the configuration names; fails at start rather than falling back. */
    static OrderEngine open(WorkerConfig config) {
        return config.remoteUrl().isPresent() ? RemoteEngine.open(config) : new WorkerEngine(config);
    }
}
