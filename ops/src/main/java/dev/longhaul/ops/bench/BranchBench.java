/*
 * The branch-batching benchmark: the same orders of several tasks (a summary and K−1 field
 * extractions) through a worker's engine (EngineAlone) that decodes the task branches one after
 * another (batchSequences 1) and through one that decodes them together in one batch
 * (batchSequences K), alternately in one run after a warm-up of each, so that each round's
 * batched/one-by-one throughput ratio is measured on the machine of that moment. With
 * concurrentOrders C > 1 a third side runs C orders at once on one engine of C·K slots, as a
 * worker holding C lanes does, and each round also gives its ratio to the batched side (one order
 * at a time): what running orders together adds to batching an order's branches.
 *
 * Contract: the sides share one WorkerConfig but for batchSequences, the same bytes, kind and
 * tasks. Equal work is checked, not assumed: the same context budget, and every order's document
 * tokens and outputs (texts and JSON, which the engine's contract makes identical) must match
 * between the sides, or the run fails.
 */
package dev.longhaul.ops.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import dev.longhaul.pipeline.worker.EngineAlone;
import dev.longhaul.pipeline.worker.WorkerConfig;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.WorkOrder;

public final class BranchBench {
    /** Fields asked of the extraction tasks, in order; an order of K tasks asks the first K−1. */
    static final List<String> FIELDS = List.of("first error", "hosts", "users", "time range", "services", "warnings", "ip addresses");
    private static final int CHUNK_BYTES = 256 * 1024;

    /** What to run: the engine, the context budget, tokens per task, tasks per order, rounds. */
    public record Options(Path model, String backend, int threads, int contextTokens, int maxOutputTokens,
                          int tasks, int rounds, int concurrentOrders) {
        public Options {
            if (rounds < 1 || tasks < 2 || tasks > FIELDS.size() + 1 || concurrentOrders < 1) {
                throw new IllegalArgumentException("rounds >= 1, 2 <= tasks <= " + (FIELDS.size() + 1) + " and concurrentOrders >= 1, got "
                        + rounds + ", " + tasks + ", " + concurrentOrders);
            }
        }

        WorkerConfig workerConfig(int batchSequences) {
            // a generous time budget: both sides must get the same context budget, not two measurements
            return WorkerConfig.defaults("bench-branches", "localhost:9092", model).withEngine(backend, threads)
                    .withContext(contextTokens, Duration.ofHours(1)).withOutput(maxOutputTokens).withBatch(batchSequences);
        }
    }

    /** One side of one round: orders done, seconds, document tokens read, results written. */
    public record Side(int orders, double seconds, long documentTokens, long results) {
        public double ordersPerSecond() {
            return orders / seconds;
        }
    }

    /**
     * One round: one branch at a time, then all branches in one batch, then (concurrent, null
     * unless concurrentOrders > 1) several orders at once, on the same orders.
     */
    public record Round(int index, Side oneByOne, Side batched, Side concurrent) {
        public double ratio() {
            return batched.ordersPerSecond() / oneByOne.ordersPerSecond();
        }

        /** Orders at once against one order at a time, both with batched branches; NaN without that side. */
        public double concurrentRatio() {
            return concurrent == null ? Double.NaN : concurrent.ordersPerSecond() / batched.ordersPerSecond();
        }
    }

    public record Report(int budgetTokens, List<Round> rounds) {
        public double medianRatio() {
            return median(rounds.stream().mapToDouble(Round::ratio).toArray());
        }

        public double medianConcurrentRatio() {
            return median(rounds.stream().mapToDouble(Round::concurrentRatio).toArray());
        }

        private static double median(double[] values) {
            double[] r = values.clone();
            java.util.Arrays.sort(r);
            return r.length % 2 == 1 ? r[r.length / 2] : (r[r.length / 2 - 1] + r[r.length / 2]) / 2;
        }
    }

    private final Options options;
    private final BenchDocuments documents;
    private final Consumer<String> log;

    public BranchBench(Options options, BenchDocuments documents, Consumer<String> log) {
        this.options = options;
        this.documents = documents;
        this.log = log;
    }

    /** The tasks of every order: a summary, then tasks − 1 single-field extractions. */
    static List<Task> tasks(int n) {
        List<Task> tasks = new ArrayList<>();
        tasks.add(Task.newBuilder().setType(TaskType.SUMMARIZE).build());
        for (String field : FIELDS.subList(0, n - 1)) {
            tasks.add(Task.newBuilder().setType(TaskType.EXTRACT).setFields(List.of(field)).build());
        }
        return tasks;
    }

    public Report run() {
        int together = options.concurrentOrders();
        log.accept("loading the model: branches one by one, batched " + options.tasks() + " at a time"
                + (together > 1 ? ", and " + together + " orders at once" : ""));
        try (EngineAlone oneByOne = new EngineAlone(options.workerConfig(1));
             EngineAlone batched = new EngineAlone(options.workerConfig(options.tasks()));
             EngineAlone concurrent = together > 1 ? new EngineAlone(options.workerConfig(options.tasks() * together)) : null) {
            if (oneByOne.budgetTokens() != batched.budgetTokens()
                    || (concurrent != null && concurrent.budgetTokens() != batched.budgetTokens())) {
                throw new IllegalStateException("the sides read " + oneByOne.budgetTokens() + ", " + batched.budgetTokens()
                        + (concurrent != null ? " and " + concurrent.budgetTokens() : "")
                        + " document tokens per order: they would do different work");
            }
            MemoryChunks chunks = new MemoryChunks(CHUNK_BYTES);
            List<Task> tasks = tasks(options.tasks());
            List<byte[]> warmup = documents.texts().subList(0, Math.min(together, documents.texts().size()));
            log.accept("warm-up");
            Run warmed = side(batched, chunks, tasks, warmup, 1);
            compare(side(oneByOne, chunks, tasks, warmup, 1), warmed, "warm-up");
            if (concurrent != null) {
                compare(warmed, side(concurrent, chunks, tasks, warmup, together), "warm-up");
            }
            List<Round> rounds = new ArrayList<>();
            for (int r = 1; r <= options.rounds(); r++) {
                // odd rounds run the sides in order, even rounds in reverse, so that drift of the
                // machine over the run (caches, clocks, neighbours) does not favour one side
                Run a = null;
                Run b = null;
                Run c = null;
                if (r % 2 == 0 && concurrent != null) {
                    c = side(concurrent, chunks, tasks, documents.texts(), together);
                }
                if (r % 2 == 0) {
                    b = side(batched, chunks, tasks, documents.texts(), 1);
                    a = side(oneByOne, chunks, tasks, documents.texts(), 1);
                } else {
                    a = side(oneByOne, chunks, tasks, documents.texts(), 1);
                    b = side(batched, chunks, tasks, documents.texts(), 1);
                    if (concurrent != null) {
                        c = side(concurrent, chunks, tasks, documents.texts(), together);
                    }
                }
                log.accept(String.format("round %d one by one: %.3f orders/s", r, a.side.ordersPerSecond()));
                log.accept(String.format("round %d batched:    %.3f orders/s", r, b.side.ordersPerSecond()));
                compare(a, b, "round " + r);
                if (c != null) {
                    log.accept(String.format("round %d %d at once: %.3f orders/s", r, together, c.side.ordersPerSecond()));
                    compare(b, c, "round " + r);
                }
                rounds.add(new Round(r, a.side, b.side, c == null ? null : c.side));
            }
            return new Report(batched.budgetTokens(), rounds);
        }
    }

    private record Run(Side side, List<List<String>> outputs) {}

    /** The orders of `texts` through `engine`, `parallel` at a time (each thread takes the next order). */
    private Run side(EngineAlone engine, MemoryChunks chunks, List<Task> tasks, List<byte[]> texts, int parallel) {
        List<WorkOrder> orders = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            orders.add(chunks.put("branches-" + i, documents.kind(), texts.get(i), tasks));
        }
        List<List<String>> outputs = new ArrayList<>();
        long tokens = 0;
        long t0 = System.nanoTime();
        for (EngineAlone.Result r : engine.runAll(orders, chunks, parallel)) {
            tokens += r.documentTokens();
            outputs.add(r.outputs());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        chunks.clear();
        return new Run(new Side(orders.size(), seconds, tokens, outputs.stream().mapToLong(List::size).sum()), outputs);
    }

    private static void compare(Run a, Run b, String what) {
        if (a.side.documentTokens() != b.side.documentTokens() || !a.outputs.equals(b.outputs)) {
            throw new IllegalStateException(what + ": one side read " + a.side.documentTokens() + " document tokens and wrote "
                    + a.outputs + ", the other " + b.side.documentTokens() + " and " + b.outputs);
        }
    }
}
