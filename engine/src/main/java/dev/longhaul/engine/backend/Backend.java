/*
 * The seam between the model and the hardware, at the granularity of the math (ARCHITECTURE.md,
 * STYLE.md). Weights, activations, lightning states and KV caches are handles the backend owns;
 * data crosses only through upload/download. Implementations are found with ServiceLoader through
 * BackendProvider and chosen by name; there is no fallback from one to another.
 *
 * Contract for every implementation: each operation on a row depends only on that row's inputs
 * (and, for attention, on its own sequence's state), and is computed in the same order whatever
 * the number of rows, so a sequence's results do not depend on what else shares its batch.
 */
package dev.longhaul.engine.backend;

import java.util.List;

public interface Backend extends AutoCloseable {
    String name();

    /** Threads the backend computes with. */
    int threads();

    // ---- memory ----

    Weight weight(MatrixView view);

    Tensor allocate(int rows, int cols);

    void upload(float[] src, Tensor dst, int row);

    void download(Tensor src, int row, float[] dst);

    /** dst[0 .. rows) = src[0 .. rows), same shape. */
    void copy(Tensor src, Tensor dst);

    /** A new, empty key/value cache for `kvHeads` heads of `headDim` values. */
    KvCache newKvCache(int kvHeads, int headDim);

    // ---- math ----

    /** out[t] = table[ids[t]] (row lookup, widened to float32). */
    void embed(Weight table, int[] ids, int count, Tensor out);

    /** out[t] = gamma ⊙ x[t] / sqrt(mean(x[t]²) + eps), statistics in float32. gamma is a [1, cols] weight. */
    void rmsNorm(Tensor x, int rows, Weight gamma, float eps, Tensor out);

    /** out[t] = x[t] · wᵀ for t < rows. */
    void matmul(Tensor x, int rows, Weight w, Tensor out);

    /** One product of a matmuls group: out[t] = x[t] · wᵀ for t < rows. */
    record Product(Tensor x, int rows, Weight w, Tensor out) {
    }

    /**
     * Independent products (none reads another's output), each with exactly the results matmul
     * gives it; this default runs them one after another. A backend may run them together, so that
     * small products (a decode step's projections, one token's experts) share one parallel region.
     */
    default void matmuls(List<Product> products) {
        for (Product p : products) {
            matmul(p.x(), p.rows(), p.w(), p.out());
        }
    }

    /** x ← silu(x) = x·sigmoid(x), elementwise over the first `rows` rows. */
    void silu(Tensor x, int rows);

    /** gate ← sigmoid(gate) ⊙ y (the lightning output gate). */
    void sigmoidGate(Tensor gate, Tensor y, int rows);

    /** gate ← silu(gate) ⊙ up (SwiGLU). */
    void swiglu(Tensor gate, Tensor up, int rows);

    /** out = alpha·h + beta·a (the α/β residual). out may alias h or a. */
    void residual(float alpha, Tensor h, float beta, Tensor a, int rows, Tensor out);

    /**
     * The end of a forward step: a backend that holds operations back (CUDA graphs) sends them to
     * its device now, so that a step whose results stay on the device (a prefill chunk without
     * logits) neither waits for the next step nor leaves its failure to it. Does nothing by default.
     */
    default void endStep() {
    }

    /**
     * residual(alpha, h, beta, a, rows, out), then rmsNorm(out, rows, gamma, eps, normOut), with the
     * bits of the two calls (a residual is always followed by the next norm). A backend may do both
     * in one pass; normOut may alias h.
     */
    default void residualNorm(float alpha, Tensor h, float beta, Tensor a, int rows, Tensor out, Weight gamma,
                              float eps, Tensor normOut) {
        residual(alpha, h, beta, a, rows, out);
        rmsNorm(out, rows, gamma, eps, normOut);
    }

    /**
     * Lightning attention for each task: qkv rows are silu'd per-head interleaved [q_h ‖ k_h ‖ v_h];
     * a one-row task runs the recurrent form, longer ones the block form, in blocks of at most
     * decay.block() tokens (a backend may use smaller ones: the block size changes only the order of
     * the sums, MINIMAX.md §5.3); each task's state [n·D, D] is read and advanced; out gets [rows, n·D].
     * A state with rows beyond n·D has room for a float per head there (n·D·D + h), which a backend
     * may use to keep a slow head's state scaled, so that many short chunks do not drift from one
     * long one (the CPU backends do: LightningKernels.begin); SequenceState allocates that room.
     */
    void lightning(Tensor qkv, DecayTable decay, int headDim, List<SegmentTask> tasks, Tensor out);

    /**
     * Softmax attention with GQA for each task: RoPE (rotate-half over the first rotaryDim dims,
     * base theta) on q and k rows at positions task.position + t, appends k and v to the task's
     * cache, and writes causal attention over the whole cache to out [rows, n·D].
     */
    void softmaxAttention(Tensor q, Tensor k, Tensor v, AttentionShape shape, List<SegmentTask> tasks, Tensor out);

    /**
     * MoE routing: softmax over each row's router logits (float32), top-k (ties to the lower
     * index), renormalised. experts/weights receive rows·k entries in descending probability.
     */
    void route(Tensor routerLogits, int rows, int k, int[] experts, float[] weights);

    /**
     * The experts of a step of few rows, routed without a trip to the host: the result of route()
     * followed, for each expert in increasing id, by its rows through gate, up, SwiGLU and down,
     * added into `out` (zeroed first) scaled by their routing weights, with each row's bits exactly
     * those of that path, so that a row computes the same numbers whichever path its step takes.
     * Returns false, having done nothing, where the backend has no such path (the default) or this
     * step does not suit it; the caller then routes on the host.
     */
    default boolean routedExperts(Tensor g, int rows, Tensor routerLogits, int k, Experts experts, ExpertScratch scratch,
                                  Tensor out) {
        return false;
    }

    /** One MoE layer's expert weights, by expert id. */
    record Experts(List<Weight> gate, List<Weight> up, List<Weight> down) {
    }

    /** Room for the rows·k routed rows: gate and up outputs [·, I], down outputs [·, H]. */
    record ExpertScratch(Tensor gate, Tensor up, Tensor down) {
    }

    /** dst[i] = src[rowIndex[i]] for i < count. */
    void gatherRows(Tensor src, int[] rowIndex, int count, Tensor dst);

    /** dst[rowIndex[i]] += scale[i] · src[i] for i < count, in order of i. */
    void scatterAddRows(Tensor src, int[] rowIndex, float[] scale, int count, Tensor dst);

    /** dst ← 0 over the first rows. */
    void zero(Tensor dst, int rows);

    @Override
    void close();

    /** Shape constants of a softmax attention layer. */
    record AttentionShape(int heads, int kvHeads, int headDim, int rotaryDim, double ropeTheta) {
    }
}
