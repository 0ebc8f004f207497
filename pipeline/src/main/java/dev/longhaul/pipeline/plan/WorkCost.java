/*
 * The cost of a job in tokens, from its size alone (the planner has not read the document).
 * Legend: n = document tokens = ceil(bytes * tokensPerByte); one layer in every N is softmax
 * attention; s = softmaxScaleTokens, the length at which a softmax layer's attention costs as much
 * as its linear part; t = output tokens of all tasks. Per layer, averaged over the stack:
 *   lightning layers (share 1 - 1/N): n                 (linear: fixed-size recurrent state)
 *   softmax layers   (share 1/N):     n + n^2 / (2 s)   (the causal attention triangle)
 *   cost = (1 - 1/N) n + (1/N)(n + n^2 / (2 s)) + t = n + n^2 / (2 s N) + t
 * The model reads at most c = modelContextTokens of a document (the worker's context budget; a
 * longer one is streamed past the analyzers and read through a view), so n above is min(n, c), and
 * the tokens streamed without the model add (n - c) / 64: tokenizing and scanning is cheap next to a
 * forward pass, but not free.
 * softmaxShare is the softmax layers' part of that cost; the cost is rounded to the nearest token.
 */
package dev.longhaul.pipeline.plan;

import dev.longhaul.pipeline.PipelineConfig;

public record WorkCost(long documentTokens, long costTokens, double softmaxShare) {
    /** A token streamed past the model costs this fraction of one the model reads (see above). */
    static final double STREAM_DISCOUNT = 64;

    public static WorkCost estimate(PipelineConfig.Cost model, long bytes, int tasks) {
        double all = Math.ceil(bytes * model.tokensPerByte());
        double n = Math.min(all, model.modelContextTokens());
        double streamed = (all - n) / STREAM_DISCOUNT;
        double softmaxLayerShare = 1.0 / model.softmaxEveryNthLayer();
        double lightning = (1 - softmaxLayerShare) * n;
        double softmax = softmaxLayerShare * (n + n * n / (2.0 * model.softmaxScaleTokens()));
        double output = (double) tasks * model.outputTokensPerTask();
        double cost = lightning + softmax + output + streamed;
        double share = cost == 0 ? 0 : softmax / cost;
        return new WorkCost(saturate(all), saturate(Math.rint(cost)), share);
    }

    private static long saturate(double tokens) {
        return tokens >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) tokens;
    }
}
