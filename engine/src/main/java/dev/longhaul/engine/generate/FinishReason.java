/*
 * Why a generation ended. STOP: the sampler drew one of the request's stop tokens (the stop token
 * is not part of the output, see GenerationResult.stopToken), or the request's constraint found
 * the output complete (no stop token then). LENGTH: maxTokens tokens were produced. CANCELLED:
 * the caller cancelled it; the tokens produced until then are kept.
 */
package dev.longhaul.engine.generate;

public enum FinishReason {
    STOP,
    LENGTH,
    CANCELLED
}
