/*
 * Text in, text out, over a model folder: loads the model and its tokenizer, encodes the prompt
 * (no special tokens added), generates with the engine's Generator (stopping at the tokenizer's
 * eos token when it names one) and streams the decoded continuation to a consumer as tokens
 * arrive. Shared by `longhaul generate` and the demo. The caller owns the backend.
 */
package dev.longhaul.ops.engine;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.generate.GenerationResult;
import dev.longhaul.engine.generate.Generator;
import dev.longhaul.engine.generate.SamplingParams;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

public final class PromptGeneration {
    /** Prefill tokens per forward step; long prompts stream through in chunks of this size. */
    public static final int PREFILL_CHUNK = 512;

    private PromptGeneration() {
    }

    /** The generation's result and its timings in tokens per second. */
    public record Outcome(GenerationResult result, long loadNanos) {
        public double prefillTokensPerSecond() {
            return perSecond(result.promptTokens(), result.prefillNanos());
        }

        /** Tokens after the first over the decode time (the first token ends the prefill). */
        public double decodeTokensPerSecond() {
            return perSecond(result.tokenCount() - 1, result.decodeNanos());
        }

        /** "prompt 5 tokens, generated 32 (LENGTH); prefill 812.3 tokens/s, decode 41.0 tokens/s". */
        public String summary() {
            return String.format(Locale.ROOT, "prompt %d tokens, generated %d (%s); prefill %.1f tokens/s, decode %.1f tokens/s",
                    result.promptTokens(), result.tokenCount(), result.finishReason(),
                    prefillTokensPerSecond(), decodeTokensPerSecond());
        }

        private static double perSecond(long tokens, long nanos) {
            return tokens <= 0 || nanos <= 0 ? 0 : tokens / (nanos / 1e9);
        }
    }

    /** Generates from `prompt` with the model's own partial RoPE; `onText` receives the continuation. */
    public static Outcome run(Path modelDir, Backend backend, String prompt, SamplingParams params, Consumer<String> onText) {
        return run(modelDir, MiniMaxModel.RopeMode.PARTIAL, backend, prompt, params, onText);
    }

    /** As above, with the RoPE mode chosen (HF_FULL_HEAD reproduces unmodified Hugging Face). */
    public static Outcome run(Path modelDir, MiniMaxModel.RopeMode rope, Backend backend, String prompt,
                              SamplingParams params, Consumer<String> onText) {
        if (prompt == null || prompt.isEmpty()) {
            throw new IllegalArgumentException("the prompt is empty; give some text to continue");
        }
        long start = System.nanoTime();
        try (MiniMaxModel model = MiniMaxModel.load(modelDir, backend, rope);
             TextTokenizer tokenizer = TextTokenizer.load(modelDir)) {
            int[] ids = tokenizer.encode(prompt);
            SamplingParams withStop = tokenizer.eosTokenId().isPresent()
                    ? params.withStopTokens(tokenizer.eosTokenId().getAsInt())
                    : params;
            long loaded = System.nanoTime() - start;
            TextStream text = new TextStream(tokenizer, onText);
            IntConsumer onToken = text::accept;
            GenerationResult result = new Generator(model, PREFILL_CHUNK).generate(ids, withStop, onToken);
            text.finish();
            return new Outcome(result, loaded);
        }
    }
}
