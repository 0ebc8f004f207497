/*
 * One continuation of a shared prefix (BatchEngine.submitBranched): its own suffix (may be empty:
 * it then samples straight from the prefix's last logits), sampling parameters and listener.
 */
package dev.longhaul.engine.batch;

import dev.longhaul.engine.generate.GenerationListener;
import dev.longhaul.engine.generate.SamplingParams;
import java.util.Arrays;
import java.util.Objects;

public record BranchRequest(int[] suffix, SamplingParams params, GenerationListener listener) {
    public BranchRequest {
        suffix = suffix.clone();
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(listener, "listener");
    }

    @Override
    public int[] suffix() {
        return suffix.clone();
    }

    @Override
    public String toString() {
        return "BranchRequest[suffix=" + Arrays.toString(suffix) + ", params=" + params + "]";
    }
}
