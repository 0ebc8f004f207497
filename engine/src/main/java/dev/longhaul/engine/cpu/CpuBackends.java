/*
 * ServiceLoader entries for the two CPU backends: "scalar" (the single-threaded reference) and
 * "cpu" (Vector API, all requested threads).
 */
package dev.longhaul.engine.cpu;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.BackendProvider;

public final class CpuBackends {
    private CpuBackends() {
    }

    public static final class Scalar implements BackendProvider {
        @Override
        public String name() {
            return "scalar";
        }

        @Override
        public Backend create(int threads) {
            return new ScalarBackend();
        }
    }

    public static final class Vector implements BackendProvider {
        @Override
        public String name() {
            return "cpu";
        }

        @Override
        public Backend create(int threads) {
            return new VectorBackend(threads);
        }
    }
}
