/*
 * Continuous batching over one MiniMaxModel: many sequences in flight, each forward step packing
 * decode steps and prefill chunks of different sequences under a token budget (see Scheduler for
 * the packing rule). A sequence's prefill is cut at boundaries that depend only on that sequence,
 * and the model's per-row arithmetic does not depend on the batch, so every sequence produces
 * bit-identical logits and the same tokens as it would alone (and as Generator gives with the
 * same prefill chunk). Each sequence owns its sampler, so seeded sampling is reproducible too.
 *
 * Threads: submit*, feed, cancel and stats may be called from any thread. Either call step() yourself
 * (deterministic tests, or an owner that runs its own loop) or start() once, which runs the step
 * loop on a dedicated platform thread (the loop is CPU-bound, a virtual thread would only pin its
 * carrier) that sleeps while there is no work; not both. Listeners run on the stepping thread.
 * An Error escaping a step of the started loop (out of memory, a listener's) fails every sequence
 * with it, queued ones included, and the loop goes on: no caller is left waiting on a dead loop.
 * close() stops the loop and ends every unfinished sequence as CANCELLED. The model is not owned.
 */
package dev.longhaul.engine.batch;

import dev.longhaul.engine.generate.Completion;
import dev.longhaul.engine.generate.GenerationListener;
import dev.longhaul.engine.generate.PrefillPlan;
import dev.longhaul.engine.generate.SamplingParams;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.SequenceState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

public final class BatchEngine implements AutoCloseable {
    private final MiniMaxModel model;
    private final BatchConfig config;
    private final Map<Long, Lane.Generation> registry = new ConcurrentHashMap<>();
    private final Scheduler scheduler;
    private final AtomicLong nextId = new AtomicLong();
    private final ReentrantLock stepLock = new ReentrantLock();
    private final ReentrantLock wakeLock = new ReentrantLock(); // guards `closed` transitions and the idle wait
    private final Condition wake = wakeLock.newCondition();
    private volatile Thread loop;
    private volatile boolean closed;

    /** Allocates a workspace of maxTokensPerStep rows and maxSequences logit rows in the model's backend. */
    public BatchEngine(MiniMaxModel model, BatchConfig config) {
        this.model = Objects.requireNonNull(model, "model");
        this.config = Objects.requireNonNull(config, "config");
        this.scheduler = new Scheduler(model, config, registry);
    }

    public BatchConfig config() {
        return config;
    }

    /** Queues a new sequence; the prompt is validated here, before any compute. */
    public SequenceHandle submit(int[] promptIds, SamplingParams params, GenerationListener listener) {
        int[] ids = checkedCopy(promptIds);
        Lane.Generation g = generation(ids, null, params, listener, ids.length);
        enqueue(g);
        return handle(g);
    }

    /**
     * Queues a sequence that continues `state` (from this engine's model) with `ids`. The engine
     * takes the state over and advances it: pass state.snapshot() to keep the original.
     */
    public SequenceHandle submit(SequenceState state, int[] ids, SamplingParams params, GenerationListener listener) {
        Objects.requireNonNull(state, "state");
        state.checkBelongsTo(model);
        int[] copy = checkedCopy(ids);
        Lane.Generation g = generation(copy, state, params, listener, state.position() + copy.length);
        enqueue(g);
        return handle(g);
    }

    /** A copy of a prompt's ids, then checked: ids a caller changed after the check would fail the whole step. */
    private int[] checkedCopy(int[] ids) {
        int[] copy = ids == null ? null : ids.clone();
        PrefillPlan.checkPrompt(copy, model.config().vocabSize());
        return copy;
    }

    /**
     * Prefills `prefix` once, then continues each branch from its own snapshot of that state with
     * its suffix and sampling parameters. Handles come back in the order of `branches`.
     */
    public List<SequenceHandle> submitBranched(int[] prefixIds, List<BranchRequest> branches) {
        int[] prefix = checkedCopy(prefixIds);
        if (branches.isEmpty()) {
            throw new IllegalArgumentException("no branches");
        }
        List<Lane.Generation> lanes = new ArrayList<>(branches.size());
        for (BranchRequest b : branches) {
            int[] suffix = b.suffix();
            PrefillPlan.checkTokens(suffix, model.config().vocabSize());
            lanes.add(generation(suffix, null, b.params(), b.listener(), prefix.length + suffix.length));
        }
        enqueue(new Lane.Prefix(nextId.getAndIncrement(), prefix, lanes));
        return lanes.stream().map(this::handle).toList();
    }

    /**
     * Queues ids[from, from + count) to advance `state` (from this engine's model) with no logits and
     * no sampling, cut into PrefillPlan chunks like any prompt, so the state ends exactly as a
     * direct model.forward of the same chunks leaves it. The engine holds the state until the
     * future completes (exceptionally if a forward step fails or the engine closes first); the
     * caller must not touch it, nor feed it again, before then. The ids are copied.
     */
    public CompletableFuture<Void> feed(SequenceState state, int[] ids, int from, int count) {
        Objects.requireNonNull(state, "state");
        state.checkBelongsTo(model);
        Objects.checkFromIndexSize(from, count, ids.length); // copyOfRange would pad with id 0
        int[] input = java.util.Arrays.copyOfRange(ids, from, from + count);
        PrefillPlan.checkTokens(input, model.config().vocabSize());
        Lane.Feed f = new Lane.Feed(nextId.getAndIncrement(), input, state);
        if (count == 0) {
            f.future.complete(null);
            return f.future;
        }
        enqueue(f);
        return f.future;
    }

    /** Stops sequence `id` at the next step (CANCELLED) and frees its slot; false when unknown or finished. */
    public boolean cancel(long id) {
        Lane.Generation g = registry.get(id);
        if (g == null) {
            return false;
        }
        g.cancelRequested = true;
        signal();
        return true;
    }

    /**
     * Runs one step on the calling thread; false when there was nothing to do. Not allowed once
     * start() has been called. A failed forward step fails the sequences in it and rethrows.
     */
    public boolean step() {
        if (loop != null && Thread.currentThread() != loop) {
            throw new IllegalStateException("the engine runs its own step loop; step() is only for engines not started");
        }
        if (closed) {
            throw new IllegalStateException("engine is closed");
        }
        stepLock.lock();
        try {
            return scheduler.step();
        } finally {
            stepLock.unlock();
        }
    }

    /** Starts the step loop on its own thread. */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("engine is closed");
        }
        if (loop != null) {
            throw new IllegalStateException("engine already started");
        }
        loop = Thread.ofPlatform().name("longhaul-batch").daemon(true).unstarted(this::runLoop);
        loop.start();
    }

    /** The counters as of the end of the latest step. */
    public BatchStats stats() {
        return scheduler.stats();
    }

    /** Stops the loop (if started), waits for it, and cancels every unfinished sequence. */
    @Override
    public void close() {
        wakeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            wake.signalAll();
        } finally {
            wakeLock.unlock();
        }
        Thread t = loop;
        if (t != null && t != Thread.currentThread()) {
            boolean interrupted = false;
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        stepLock.lock();
        try {
            scheduler.cancelAll();
        } finally {
            stepLock.unlock();
        }
    }

    private void runLoop() {
        while (!closed) {
            boolean worked;
            stepLock.lock();
            try {
                worked = scheduler.step();
            } catch (RuntimeException e) {
                worked = true; // the failed sequences' futures carry the exception; the others go on
            } catch (Error e) {
                // Out of memory, or an Error from a listener: every sequence fails with it, so that no
                // caller waits for ever on a loop that died; the loop goes on for what comes next.
                scheduler.failAll(e);
                worked = true;
            } finally {
                stepLock.unlock();
            }
            if (!worked) {
                wakeLock.lock();
                try {
                    while (!closed && !scheduler.hasWork()) {
                        wake.awaitUninterruptibly();
                    }
                } finally {
                    wakeLock.unlock();
                }
            }
        }
    }

    private Lane.Generation generation(int[] input, SequenceState state, SamplingParams params,
                                       GenerationListener listener, int promptTokens) {
        Completion completion = new Completion(params, listener);
        return new Lane.Generation(nextId.getAndIncrement(), input, state, completion, promptTokens);
    }

    /** Registers and queues under the wake lock, so that close() either sees the lane or the caller sees closed. */
    private void enqueue(Lane lane) {
        wakeLock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("engine is closed");
            }
            switch (lane) {
                case Lane.Generation g -> registry.put(g.id, g);
                case Lane.Prefix p -> p.branches.forEach(b -> registry.put(b.id, b));
                case Lane.Feed f -> {
                    // not cancellable by id: nothing to register
                }
            }
            scheduler.offer(lane);
            wake.signalAll();
        } finally {
            wakeLock.unlock();
        }
    }

    private void signal() {
        wakeLock.lock();
        try {
            wake.signalAll();
        } finally {
            wakeLock.unlock();
        }
    }

    private SequenceHandle handle(Lane.Generation g) {
        return new SequenceHandle(g.id, g.future, this);
    }
}
