/*
 * Runs one request's sequence in the shared batch and turns its tokens into text. The engine's
 * listener runs on the batch's step thread and must never wait, so it only queues token ids; the
 * request's own (virtual) thread takes them, decodes them (OutputText, stop strings), hands each
 * new piece to the caller (the streaming answer writes it out at once), and cancels the sequence
 * when a stop string ends it or a streaming client goes away (the caller's write fails; it also
 * writes an SSE comment when nothing was written for a second, see Pieces.idle). A non-streaming
 * caller writes nothing before the end, so its client going away is not seen: that sequence runs
 * to its end (max_tokens at most), as the README says. The outcome's
 * text is the concatenation of the pieces. finish_reason: "stop" for eos, a stop string or a
 * complete constrained output; "length" at max_tokens.
 *
 * A client that stops reading (a hung process, a dropped connection whose send buffer filled)
 * blocks the request's thread in a write, where neither stop strings nor a closed connection can
 * be noticed: the listener cancels the sequence once that thread has made no progress for
 * STALLED while tokens wait, so the batch slot goes to someone else rather than being held until
 * max_tokens, and what the server held for the generation (its permit) is given back then. The
 * stuck thread itself ends when its write fails.
 */
package dev.longhaul.ops.serve;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.longhaul.engine.batch.SequenceHandle;
import dev.longhaul.engine.generate.FinishReason;
import dev.longhaul.engine.generate.GenerationResult;

final class CompletionRun {
    /** Receives each new piece of text as soon as it is safe to send. */
    interface Pieces {
        void accept(String piece) throws IOException;

        /**
         * Nothing was written for IDLE (queued for a slot, prefilling, text held back): a streaming
         * answer writes something the client ignores, so that a client gone away is noticed and its
         * sequence cancelled then, not only at its next piece. Does nothing by default.
         */
        default void idle() throws IOException {
        }
    }

    /** How long a run waits for an event before it calls Pieces.idle(). */
    static final Duration IDLE = Duration.ofSeconds(1);

    /** How long the request's thread may be stuck (in a write) while tokens wait before the sequence is cancelled. */
    static final Duration STALLED = Duration.ofSeconds(30);

    /** The finished completion, with OpenAI's finish_reason and token counts. */
    record Outcome(String text, String finishReason, int promptTokens, int completionTokens) {}

    private record End(GenerationResult result, Throwable failure) {}

    private CompletionRun() {
    }

    static Outcome run(ServedModel model, GenerationRequest request, Pieces pieces) throws IOException {
        return run(model, request, pieces, java.util.concurrent.ConcurrentHashMap.newKeySet());
    }

    /**
     * The same, with the sequence in `live` while it runs, so that a server closing can cancel it:
     * the run then answers 503 (an error event once a stream has begun) on its open connection.
     */
    static Outcome run(ServedModel model, GenerationRequest request, Pieces pieces, java.util.Set<SequenceHandle> live) throws IOException {
        return run(model, request, pieces, live, STALLED);
    }

    static Outcome run(ServedModel model, GenerationRequest request, Pieces pieces, java.util.Set<SequenceHandle> live,
                       Duration stalled) throws IOException {
        return run(model, request, pieces, live, stalled, () -> { });
    }

    /**
     * The same, calling `ended` once the sequence has ended (or could not start), on whatever thread
     * saw it: the request's own thread may still be stuck in a write to a client that stopped
     * reading, and what was held for the generation (a permit) need not wait for it.
     */
    static Outcome run(ServedModel model, GenerationRequest request, Pieces pieces, java.util.Set<SequenceHandle> live,
                       Duration stalled, Runnable ended) throws IOException {
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        AtomicLong progress = new AtomicLong(System.nanoTime()); // the request's thread was last free then
        AtomicReference<SequenceHandle> self = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean stalledOut = new java.util.concurrent.atomic.AtomicBoolean();
        long stalledNanos = stalled.toNanos();
        SequenceHandle handle;
        try {
            handle = model.submit(request.promptIds(), request.params(), id -> {
                // on the step thread: never wait; a cancel only asks the engine to stop at its next step
                events.add(id);
                if (System.nanoTime() - progress.get() > stalledNanos) {
                    SequenceHandle h = self.get();
                    if (h != null && !stalledOut.getAndSet(true)) {
                        h.cancel();
                    }
                }
            });
            self.set(handle);
        } catch (IllegalArgumentException e) {
            ended.run();
            throw ApiError.invalid(null, e.getMessage());
        } catch (IllegalStateException e) {
            ended.run();
            throw new ApiError(503, "server_error", null, null, "the engine is shutting down: " + e.getMessage());
        }
        // Completes after the sequence's last onToken, on the same thread, so End is queued last.
        handle.result().whenComplete((result, failure) -> {
            try {
                ended.run(); // first: a client that reads its last event may send its next request at once
            } finally {
                events.add(new End(result, failure));
            }
        });
        live.add(handle);
        try {
            return follow(handle, events, request, model, pieces, progress, stalledOut, stalled);
        } finally {
            live.remove(handle);
        }
    }

    private static Outcome follow(SequenceHandle handle, BlockingQueue<Object> events, GenerationRequest request, ServedModel model,
                                  Pieces pieces, AtomicLong progress, java.util.concurrent.atomic.AtomicBoolean stalledOut,
                                  Duration stalled) throws IOException {
        OutputText output = new OutputText(model.tokenizer(), request.stops());
        StringBuilder text = new StringBuilder();
        boolean done = false;
        try {
            while (true) {
                progress.set(System.nanoTime());
                Object event = events.poll(IDLE.toMillis(), TimeUnit.MILLISECONDS);
                progress.set(System.nanoTime());
                if (event == null) {
                    pieces.idle();
                } else if (event instanceof Integer id) {
                    String piece = output.accept(id);
                    if (output.stopped() && !done) {
                        done = true;
                        handle.cancel();
                    }
                    send(piece, text, pieces);
                } else {
                    End end = (End) event;
                    if (end.failure != null) {
                        throw new ApiError(500, "server_error", null, null, "generation failed: " + end.failure);
                    }
                    if (stalledOut.get() && !output.stopped() && end.result.finishReason() == FinishReason.CANCELLED) {
                        throw new ApiError(408, "timeout", null, "client_stalled", "the client read nothing of its stream for "
                                + stalled.toSeconds() + " s, so its generation was stopped to free its batch slot");
                    }
                    send(output.finish(), text, pieces);
                    return outcome(request, end.result, output, text);
                }
            }
        } catch (InterruptedException e) {
            handle.cancel();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (IOException | RuntimeException e) {
            handle.cancel();
            throw e;
        }
    }

    private static Outcome outcome(GenerationRequest request, GenerationResult result, OutputText output, StringBuilder text) {
        String reason;
        // the stop token the model generated counts, as vLLM and OpenAI count it, though it is not in the text
        int tokens = result.tokenCount() + (result.stopToken().isPresent() ? 1 : 0);
        if (output.stopped()) {
            reason = "stop";
            tokens = output.tokens();
        } else if (result.finishReason() == FinishReason.CANCELLED) {
            throw new ApiError(503, "server_error", null, null, "the engine stopped this request (shutting down)");
        } else {
            reason = result.finishReason() == FinishReason.LENGTH ? "length" : "stop";
        }
        return new Outcome(text.toString(), reason, request.promptIds().length, tokens);
    }

    private static void send(String piece, StringBuilder text, Pieces pieces) throws IOException {
        if (!piece.isEmpty()) {
            text.append(piece);
            pieces.accept(piece);
        }
    }
}
