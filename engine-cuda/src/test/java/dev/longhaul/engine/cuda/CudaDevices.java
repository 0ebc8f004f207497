/*
 * Test fixture: whether this machine can open the CUDA backend, probed once per JVM. GPU tests
 * (@Tag("gpu")) call assumeDevice() first so that they report themselves skipped, with the reason,
 * where no device or driver is present. With -Dlonghaul.gpu.required=true (bench/gpu.sh sets it) a
 * missing device fails them instead, so a GPU run cannot pass by skipping.
 */
package dev.longhaul.engine.cuda;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;

public final class CudaDevices {
    private static Optional<String> failure;

    private CudaDevices() {
    }

    /** Why the backend cannot open here, or empty when it can. */
    public static synchronized Optional<String> unavailable() {
        if (failure == null) {
            try (CudaBackend b = CudaBackend.open()) {
                failure = Optional.empty();
            } catch (IllegalStateException e) {
                failure = Optional.of(e.getMessage());
            }
        }
        return failure;
    }

    public static void assumeDevice() {
        if (Boolean.getBoolean("longhaul.gpu.required") && unavailable().isPresent()) {
            fail("-Dlonghaul.gpu.required=true but " + unavailable().get());
        }
        assumeTrue(unavailable().isEmpty(), () -> "no CUDA device: " + unavailable().orElse(""));
    }
}
