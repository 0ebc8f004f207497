/*
 * Where no NVIDIA driver or device is present (the build machines), asking for the "cuda" backend
 * by name finds its provider and fails at once with a message that says the backend is unavailable
 * and why: no silent fallback. On a GPU machine this check is skipped (the gpu tests run instead).
 */
package dev.longhaul.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.longhaul.engine.backend.BackendProvider;
import org.junit.jupiter.api.Test;

class CudaUnavailableTest {
    @Test
    void openingTheCudaBackendWithoutADeviceFailsWithTheReason() {
        assumeTrue(CudaDevices.unavailable().isPresent(), "a CUDA device is present");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> BackendProvider.open("cuda", 4));
        String msg = e.getMessage();
        assertTrue(msg.startsWith("CUDA backend unavailable: "), msg);
        assertTrue(msg.contains("libcuda") || msg.contains("cuInit") || msg.contains("no CUDA device")
                || msg.contains("kernels"), "the message names the cause: " + msg);
        assertTrue(!msg.contains("\n"), "one line: " + msg);
        if (msg.contains("libcuda.so.1) could not be loaded")) {
            assertTrue(msg.contains("libcuda.so.1: "), "the loader's own reason, also on a second attempt: " + msg);
        }
    }
}
