/*
 * The step loop's body: which sequences run in the next forward step and what happens to them
 * after it. Each step (1) takes new arrivals, (2) ends cancelled sequences and frees their slots,
 * (3) admits waiting sequences into free slots in arrival order, (4) packs the step under the
 * token budget: first one decode token for every decoding sequence (latency-critical), then, in
 * arrival order, the next PrefillPlan chunk of each prefilling sequence whose whole chunk still
 * fits. The budget decides how many chunks run, never where they are cut. (5) After the forward
 * step, every sequence whose input is complete samples (a Generation) or forks its branches (a
 * Prefix). Single-threaded: called by one thread at a time (BatchEngine holds its step lock);
 * only offer() and the lanes' cancel flags are touched by other threads.
 */
package dev.longhaul.engine.batch;

import dev.longhaul.engine.generate.FinishReason;
import dev.longhaul.engine.generate.GenerationResult;
import dev.longhaul.engine.generate.PrefillPlan;
import dev.longhaul.engine.generate.Timings;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.Segment;
import dev.longhaul.engine.model.SequenceState;
import dev.longhaul.engine.model.Workspace;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

final class Scheduler {
    private final MiniMaxModel model;
    private final BatchConfig config;
    private final PrefillPlan plan;
    private final Workspace workspace;
    private final Map<Long, Lane.Generation> registry; // live generations by id, shared with the engine
    private final Queue<Lane> inbox = new ConcurrentLinkedQueue<>();
    private final List<Lane> active = new ArrayList<>();   // in slots, arrival order
    private final Deque<Lane> waiting = new ArrayDeque<>(); // for a slot, arrival order
    private long steps;
    private long mixedSteps;
    private long segmentCount;
    private long prefilled;
    private long decoded;
    private long finished;
    private long cancelled;
    private volatile BatchStats published = BatchStats.EMPTY;
    // successful ends wait here until the stats that count their work are published, so a caller
    // who sees its future done also sees its tokens in stats()
    private final List<Runnable> completions = new ArrayList<>();

    Scheduler(MiniMaxModel model, BatchConfig config, Map<Long, Lane.Generation> registry) {
        this.model = model;
        this.config = config;
        this.plan = new PrefillPlan(config.prefillChunk());
        this.workspace = model.workspace(config.maxTokensPerStep(), config.maxSequences());
        this.registry = registry;
    }

    /** Thread-safe: queues a lane for the next step. */
    void offer(Lane lane) {
        inbox.add(lane);
    }

    boolean hasWork() {
        return !inbox.isEmpty() || !active.isEmpty() || !waiting.isEmpty();
    }

    BatchStats stats() {
        return published;
    }

    /** Runs one step; false when there was nothing to run. Rethrows a failed forward step after failing its lanes. */
    boolean step() {
        for (Lane lane; (lane = inbox.poll()) != null; ) {
            waiting.addLast(lane);
        }
        long now = System.nanoTime();
        reapCancelled(now);
        do {
            admit(now);
            refuseUnusableStates();
            // a lane refused there leaves a slot a waiting one may take: step() is false only with nothing to run
        } while (active.isEmpty() && !waiting.isEmpty());
        if (active.isEmpty()) {
            publish();
            return false;
        }
        return stepAdmitted(now);
    }

    /** Moves waiting lanes into free slots, each with a state (a new sequence's made here). */
    private void admit(long now) {
        while (active.size() < config.maxSequences() && !waiting.isEmpty()) {
            Lane lane = waiting.pollFirst();
            if (lane.state == null) {
                try {
                    if (lane instanceof Lane.Generation g && g.from != null) {
                        Lane.Branched from = g.from;
                        g.from = null;
                        g.state = from.take(); // a branch: its copy of the prefix's state is made now
                    } else {
                        lane.state = model.newSequence();
                    }
                } catch (RuntimeException | Error e) {
                    // no state for it (device memory, heap): it fails, and is in no list to be lost from
                    fail(lane, e);
                    if (e instanceof Error) {
                        publish();
                        throw e;
                    }
                    continue;
                }
            }
            if (lane.startedAt < 0) {
                lane.startedAt = now;
            }
            active.add(lane);
        }
    }

    /** Packs the active lanes into one forward step under the token budget and takes its results. */
    private boolean stepAdmitted(long now) {
        List<Segment> segments = new ArrayList<>();
        List<Lane> owners = new ArrayList<>();
        int budget = config.maxTokensPerStep();
        int decodes = 0;
        for (Lane lane : active) {
            if (lane instanceof Lane.Generation g && !g.prefilling()) {
                g.one[0] = g.completion.lastToken();
                segments.add(new Segment(g.state, g.one, 0, 1, Segment.Logits.LAST));
                owners.add(g);
                budget--;
                decodes++;
            }
        }
        int prefillTokens = 0;
        for (Lane lane : active) {
            if (lane.prefilling()) {
                int n = plan.next(lane.state.position(), lane.input.length - lane.fed);
                if (n <= budget) {
                    // only a prompt's last chunk needs logits: the others, and a feed's, skip the lm_head
                    Segment.Logits wanted = lane.fed + n == lane.input.length && !(lane instanceof Lane.Feed)
                            ? Segment.Logits.LAST : Segment.Logits.NONE;
                    segments.add(new Segment(lane.state, lane.input, lane.fed, n, wanted));
                    owners.add(lane);
                    budget -= n;
                    prefillTokens += n;
                }
            }
        }
        List<float[][]> logits;
        try {
            logits = model.forward(segments, workspace);
        } catch (RuntimeException | Error e) {
            // each packed sequence fails with the step; with others beside it, saying so: the step's
            // failure need not be its own
            Throwable shared = owners.size() > 1 ? new StepFailedException(owners.size(), e) : e;
            owners.forEach(lane -> fail(lane, shared));
            publish();
            throw e;
        }
        long done = System.nanoTime();
        Error error = null;
        for (int i = 0; i < owners.size(); i++) {
            Lane lane = owners.get(i);
            lane.fed += lane.prefilling() ? segments.get(i).count() : 0;
            if (lane.prefilling()) {
                continue;
            }
            // what goes wrong with one lane's end (a snapshot that found no memory, a listener's
            // Error) ends that lane, and every other lane of the step is still accounted for
            try {
                switch (lane) {
                    case Lane.Generation g -> sample(g, logits.get(i)[0], done);
                    case Lane.Prefix p -> fork(p, logits.get(i)[0], done);
                    case Lane.Feed f -> {
                        active.remove(f);
                        f.state = null; // the caller's again
                        completions.add(() -> f.future.complete(null));
                    }
                }
            } catch (RuntimeException | Error e) {
                fail(lane, e);
                if (e instanceof Error err && error == null) {
                    error = err;
                }
            }
        }
        steps++;
        mixedSteps += decodes > 0 && prefillTokens > 0 ? 1 : 0;
        segmentCount += segments.size();
        prefilled += prefillTokens;
        decoded += decodes;
        publish();
        if (error != null) {
            throw error; // the engine fails the rest: no state can be trusted past an Error
        }
        return true;
    }

    /**
     * Fails, alone, each active lane whose state the model would refuse for the whole step: one a
     * failed step left half advanced (a caller feeding it again), one another model made, or one
     * already in the step under another lane. Left to forward(), either would fail every sequence packed with it.
     */
    private void refuseUnusableStates() {
        java.util.Set<SequenceState> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Lane lane : List.copyOf(active)) {
            RuntimeException problem = null;
            if (!lane.state.usable()) {
                try {
                    lane.state.checkUsable();
                } catch (IllegalStateException e) {
                    problem = e;
                }
            } else if (!lane.state.belongsTo(model)) {
                try {
                    lane.state.checkBelongsTo(model);
                } catch (IllegalArgumentException e) {
                    problem = e;
                }
            } else if (!seen.add(lane.state)) {
                problem = new IllegalStateException("this sequence state is already in the engine for another sequence;"
                        + " a state can run one sequence at a time");
            }
            if (problem != null) {
                fail(lane, problem);
            }
        }
    }

    /** Ends every sequence as CANCELLED, queued ones included (the engine is closing). */
    void cancelAll() {
        for (Lane lane; (lane = inbox.poll()) != null; ) {
            waiting.addLast(lane);
        }
        long now = System.nanoTime();
        List<Lane> all = new ArrayList<>(active);
        all.addAll(waiting);
        Error error = null;
        for (Lane lane : all) {
            // a listener's Error on one lane must not leave the lanes after it, or the completions
            // queued before it, waiting for ever: every lane ends, then the first Error goes on
            try {
                switch (lane) {
                    case Lane.Generation g -> cancel(g, now);
                    case Lane.Prefix p -> {
                        for (Lane.Generation b : List.copyOf(p.branches)) {
                            try {
                                cancel(b, now);
                            } catch (Error e) {
                                error = error == null ? e : error;
                            }
                        }
                        drop(p);
                    }
                    case Lane.Feed f -> end(f, new java.util.concurrent.CancellationException("the batch engine closed"));
                }
            } catch (Error e) {
                error = error == null ? e : error;
            }
        }
        publish();
        if (error != null) {
            throw error;
        }
    }

    /**
     * Fails every sequence with `e`, queued ones included: an Error escaped a step (out of memory, a
     * listener's), and no lane's state can be trusted to go on from there. The lanes of the work
     * that threw it have failed already (with it, or beside others); these had no part in it, and
     * fail as bystanders (StepFailedException.bystander), so that a caller can run them again.
     */
    void failAll(Throwable e) {
        for (Lane lane; (lane = inbox.poll()) != null; ) {
            waiting.addLast(lane);
        }
        List<Lane> all = new ArrayList<>(active);
        all.addAll(waiting);
        StepFailedException bystander = StepFailedException.bystander(all.size(), e);
        all.forEach(lane -> fail(lane, bystander));
        publish();
    }

    private void reapCancelled(long now) {
        List<Lane> all = new ArrayList<>(active);
        all.addAll(waiting);
        for (Lane lane : all) {
            switch (lane) {
                case Lane.Generation g -> {
                    if (g.cancelRequested) {
                        cancel(g, now);
                    }
                }
                case Lane.Prefix p -> {
                    for (Lane.Generation b : List.copyOf(p.branches)) {
                        if (b.cancelRequested) {
                            cancel(b, now);
                            p.branches.remove(b);
                        }
                    }
                    if (p.branches.isEmpty()) {
                        drop(p); // nobody left to continue it
                    }
                }
                case Lane.Feed f -> {
                    // not cancellable: it ends within one chunk, and its caller stops feeding
                }
            }
        }
    }

    private void sample(Lane.Generation g, float[] row, long now) {
        boolean going;
        try {
            going = g.completion.accept(row);
        } catch (RuntimeException e) {
            fail(g, e);
            return;
        }
        if (g.firstTokenAt < 0) {
            g.firstTokenAt = now;
        }
        if (!going) {
            finish(g, now);
        }
    }

    /**
     * The prefix is in the model: every live branch continues from its own copy of the state, made
     * when the branch is admitted (Lane.Branched), so at most as many copies exist as run.
     */
    private void fork(Lane.Prefix p, float[] row, long now) {
        active.remove(p);
        List<Lane.Generation> next = new ArrayList<>();
        int last = p.branches.size() - 1;
        Lane.Branched shared = new Lane.Branched(p.state, p.branches.size());
        for (int i = 0; i <= last; i++) {
            Lane.Generation b = p.branches.get(i);
            b.from = shared;
            b.startedAt = p.startedAt;
            if (b.input.length == 0) {
                sample(b, i == last ? row : row.clone(), now);
            }
            if (!b.completion.finished() && !b.future.isDone()) {
                next.add(b);
            } else if (b.from != null) {
                b.from = null;
                shared.drop(); // ended at its first token (or failed): it takes no copy
            }
        }
        p.state = null;
        p.branches.clear();
        for (int i = next.size() - 1; i >= 0; i--) {
            waiting.addFirst(next.get(i)); // they are older than anything still waiting
        }
    }

    private void cancel(Lane.Generation g, long now) {
        g.completion.cancel();
        finish(g, now);
    }

    private void finish(Lane.Generation g, long now) {
        release(g);
        finished++;
        GenerationResult result = g.completion.result(g.promptTokens, timings(g, now));
        cancelled += result.finishReason() == FinishReason.CANCELLED ? 1 : 0;
        try {
            g.completion.listener().onFinish(result);
        } catch (RuntimeException e) {
            g.future.completeExceptionally(e);
            return;
        } catch (Error e) {
            // the lane is released: its future must end here, whatever the Error does next
            g.future.completeExceptionally(e);
            throw e;
        }
        completions.add(() -> g.future.complete(result));
    }

    private void fail(Lane lane, Throwable e) {
        switch (lane) {
            case Lane.Generation g -> {
                release(g);
                if (!g.future.isDone()) { // finish() may have ended it already (a listener's Error)
                    finished++;
                    g.future.completeExceptionally(e);
                }
            }
            case Lane.Prefix p -> {
                for (Lane.Generation b : List.copyOf(p.branches)) {
                    if (!b.completion.finished() && !b.future.isDone()) { // a branch that ended in fork() keeps its end
                        fail(b, e);
                    }
                }
                drop(p);
            }
            case Lane.Feed f -> end(f, e);
        }
    }

    private void end(Lane.Feed f, Throwable e) {
        active.remove(f);
        waiting.remove(f);
        f.state = null;
        f.future.completeExceptionally(e);
    }

    private void drop(Lane.Prefix p) {
        active.remove(p);
        waiting.remove(p);
        p.branches.clear();
        p.state = null;
    }

    private void release(Lane.Generation g) {
        active.remove(g);
        waiting.remove(g);
        registry.remove(g.id);
        g.state = null;
        if (g.from != null) { // a branch ended before it was admitted
            g.from.drop();
            g.from = null;
        }
    }

    private static Timings timings(Lane.Generation g, long now) {
        if (g.startedAt < 0) {
            return new Timings(now - g.submittedAt, 0, 0);
        }
        long queued = Math.max(0, g.startedAt - g.submittedAt);
        if (g.firstTokenAt < 0) {
            return new Timings(queued, now - g.startedAt, 0);
        }
        return new Timings(queued, g.firstTokenAt - g.startedAt, now - g.firstTokenAt);
    }

    private void publish() {
        int live = active.size();
        published = new BatchStats(steps, mixedSteps, segmentCount,
                new BatchStats.Tokens(prefilled, decoded, steps * config.maxTokensPerStep()),
                new BatchStats.Sequences(live, waiting.size() + inbox.size(), finished, cancelled));
        List<Runnable> ready = List.copyOf(completions);
        completions.clear();
        ready.forEach(Runnable::run);
    }
}
