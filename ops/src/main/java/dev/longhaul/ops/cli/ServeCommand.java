/*
 * `longhaul serve --model DIR [--port 8000] [--host 127.0.0.1] [--backend cpu] [--threads N]`:
 * exposes Longhaul's own engine through the OpenAI-compatible API (GET /v1/models, POST
 * /v1/completions and /v1/chat/completions, streaming or not; see ServeServer), with every request
 * one sequence of one continuous batch. A worker started with `--backend remote:http://HOST:PORT/v1`
 * runs its orders against it exactly as against vLLM or SGLang. Runs until interrupted.
 * Every request needs the API key (`--api-key`, or LONGHAUL_SERVE_API_KEY; otherwise one is
 * generated at start and printed); a worker sends it from OPENAI_API_KEY, as OpenAI clients do.
 * `--no-api-key` serves anyone who can reach the port.
 */
package dev.longhaul.ops.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.batch.BatchConfig;
import dev.longhaul.ops.http.BearerToken;
import dev.longhaul.ops.serve.ServeServer;
import dev.longhaul.ops.serve.ServedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model folder over an OpenAI-compatible HTTP API (completions, chat completions, streaming).")
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "HF-format model folder: config.json, *.safetensors, tokenizer.json.")
    Path model;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "Address to listen on (0.0.0.0 for every interface). Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", defaultValue = "8000", paramLabel = "PORT", description = "Port. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--max-sequences", defaultValue = "8", paramLabel = "N",
            description = "Requests decoded together in one batch; more wait in arrival order. Default: ${DEFAULT-VALUE}.")
    int maxSequences;

    @Option(names = "--max-waiting", defaultValue = "248", paramLabel = "N",
            description = "Requests that may wait for a batch slot; more are answered 429 with Retry-After (OpenAI's clients "
                    + "retry those). Default: ${DEFAULT-VALUE}.")
    int maxWaiting;

    @Option(names = "--max-sequence-memory", paramLabel = "BYTES",
            description = "Bytes of sequence state (KV cache, lightning state) the requests in progress may hold together, each "
                    + "reserving its prompt plus max_tokens: a request needing more alone is answered 400, one past the total 429. "
                    + "Suffixes k, m, g. Default: half the JVM heap on the CPU backends, no bound on cuda (device memory).")
    String maxSequenceMemory;

    @Option(names = "--prefill-chunk", defaultValue = "256", paramLabel = "N",
            description = "Prompt tokens per prefill step of one request. Default: ${DEFAULT-VALUE}.")
    int prefillChunk;

    @Option(names = "--api-key", defaultValue = "${env:LONGHAUL_SERVE_API_KEY}", paramLabel = "KEY",
            description = "Key every request must send as `Authorization: Bearer KEY` (default: LONGHAUL_SERVE_API_KEY from the environment, "
                    + "else one generated at start and printed).")
    String apiKey;

    @Option(names = "--no-api-key", description = "Serve without a key: anyone who can reach the port may use the model.")
    boolean noApiKey;

    @Mixin
    EngineOptions engine;

    @Spec
    CommandSpec spec;

    /** A byte count: digits with an optional k, m or g (powers of 1024). */
    static long bytes(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)([kKmMgG]?)").matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("--max-sequence-memory must be a byte count such as 2g or 512m, not " + text);
        }
        int shift = switch (m.group(2).toLowerCase(java.util.Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        long value = Long.parseLong(m.group(1));
        if (value < 1 || value > Long.MAX_VALUE >> shift) {
            throw new IllegalArgumentException("--max-sequence-memory is out of range: " + text);
        }
        return value << shift;
    }

    @Override
    public Integer call() throws Exception {
        if (maxWaiting < 0) {
            throw new IllegalArgumentException("--max-waiting must be 0 or more, not " + maxWaiting);
        }
        BatchConfig batch = new BatchConfig(prefillChunk + maxSequences - 1, prefillChunk, maxSequences);
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        Optional<BearerToken> key = noApiKey ? Optional.empty()
                : Optional.of(BearerToken.configuredOrGenerated(apiKey == null ? "" : apiKey));
        try (Backend backend = engine.open();
             ServedModel served = ServedModel.load(model, backend, batch);
             ServeServer server = new ServeServer(served, host, port, key, Math.addExact(maxSequences, maxWaiting),
                     maxSequenceMemory != null ? bytes(maxSequenceMemory)
                             // on cuda the KV cache is in device memory, which the heap says nothing of
                             : engine.backendName().startsWith("cuda") ? Long.MAX_VALUE : ServeServer.defaultSequenceBudget())) {
            // the JVM halts once its hooks return: this one waits until the server below has closed,
            // so that requests in flight are answered (503) rather than reset
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stopped.countDown();
                try {
                    closed.await(45, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "longhaul-serve-shutdown"));
            var out = spec.commandLine().getOut();
            out.printf("serving %s on %s (backend %s, %d sequences per batch)%n", served.id(), server.url(),
                    engine.backendName(), maxSequences);
            boolean configuredKey = apiKey != null && !apiKey.isBlank(); // a secret the operator has: not printed to logs
            out.println(key.map(k -> "API key: " + (configuredKey ? "the configured one" : k.value())
                            + " (send Authorization: Bearer KEY; a worker reads it from OPENAI_API_KEY)")
                    .orElse("no API key: anyone who can reach " + server.url() + " may use the model"));
            out.flush();
            stopped.await();
        } finally {
            closed.countDown();
        }
        return 0;
    }
}
