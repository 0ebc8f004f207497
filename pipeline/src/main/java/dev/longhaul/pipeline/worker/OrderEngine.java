/*
 * What a worker runs its orders on, chosen once by WorkerConfig.backend(): the model in this
 * process (WorkerEngine, backend "cpu", "scalar", ...), or an OpenAI-compatible server
 * (RemoteEngine, backend "remote:http://host:port/v1") for models too large for one worker.
 * Either way the worker's guarantees are the same: the same prompts and document view, one result
 * per task, committed exactly once by the Worker. Contract: run() is called by one thread at a
 * time, each time after reset(); cancel() may be called from any thread and ends the run in
 * progress (Cancelled outcome), or the next one when it comes between reset() and run(), so a
 * cancel sent while a run is being handed to another thread is never lost; a failure to start
 * (model folder, unreachable server) is thrown by open(), never hidden.
 */
package dev.longhaul.pipeline.worker;

import dev.longhaul.schemas.WorkOrder;

interface OrderEngine extends AutoCloseable {
    /** Document tokens the model reads per job at most (the context budget). */
    int budgetTokens();

    /** Prefill speed for heartbeats: measured at start locally, observed on finished runs remotely. */
    double prefillTokensPerSecond();

    OrderRunner.Outcome run(WorkOrder order, ChunkSource chunks, OrderRunner.Progress progress);

    /** How full the engine's steps were since the previous call (one heartbeat window); NONE when it does not batch here. */
    BatchFill batchFill();

    /** Stops the run in progress at its next step (any thread); before run() starts, that run. */
    void cancel();

    /** Clears a cancel left from an earlier run; called before each run() is handed over. */
    void reset();

    @Override
    void close();

    /** The engine the configuration names; fails at start rather than falling back. */
    static OrderEngine open(WorkerConfig config) {
        return config.remoteUrl().isPresent() ? RemoteEngine.open(config) : new WorkerEngine(config);
    }
}
