/*
 * Service-provider entry for a Backend: registered in META-INF/services and chosen by name.
 * `create` fails with a clear message when the hardware the backend needs is absent.
 */
package dev.longhaul.engine.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

public interface BackendProvider {
    String name();

    Backend create(int threads);

    /** The backend registered under `name`, created with `threads` threads; no fallback. */
    static Backend open(String name, int threads) {
        return provider(name).create(threads);
    }

    /** Checks that a backend is registered under `name`, creating nothing (a command checks its options first). */
    static void check(String name) {
        provider(name);
    }

    private static BackendProvider provider(String name) {
        List<String> known = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.name().equals(name)) {
                return p;
            }
            known.add(p.name());
        }
        throw new IllegalArgumentException("unknown backend '" + name + "'; available: " + known);
    }
}
