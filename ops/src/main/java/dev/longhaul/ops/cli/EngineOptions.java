/*
 * The options every engine command shares: which backend computes, and with how many threads.
 * The backend is looked up by name through the engine's ServiceLoader registry; an unknown name is
 * an error listing the available ones, never a silent fallback. Both default to the effective
 * configuration (backend cpu and all processors unless a file or the environment says otherwise).
 */
package dev.longhaul.ops.cli;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.BackendProvider;
import picocli.CommandLine.Option;

public final class EngineOptions {
    @Option(names = "--backend", paramLabel = "NAME",
            description = "Backend: cpu (Vector API, all threads), scalar (reference) or cuda (NVIDIA GPU 0; "
                    + "fails at start without a driver or device); for `worker` also remote:URL, an OpenAI-compatible "
                    + "server (e.g. remote:http://HOST:8000/v1; one configured in longhaul.properties or LONGHAUL_BACKEND "
                    + "is the workers' only, the other commands then use cpu). Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--threads", paramLabel = "N",
            description = "Compute threads (default: the configuration's threads, else all available processors).")
    Integer threads;

    public String backendName() {
        return backend;
    }

    public int threads() {
        if (threads == null) {
            return Runtime.getRuntime().availableProcessors();
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
        return threads;
    }

    /** Opens the chosen backend; the caller closes it. */
    public Backend open() {
        return BackendProvider.open(backend, threads());
    }
}
