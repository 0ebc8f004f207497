/*
 * The shared golden folders (F32 weights, tolerance 1e-4 from cases.json) on the CUDA backend:
 * every check must pass, including the greedy continuations the CPU backends also reproduce.
 * Skipped where no device exists.
 */
package dev.longhaul.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.golden.GoldenSuite;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Tag("gpu")
class GoldenCudaTest {
    @BeforeAll
    static void device() {
        CudaDevices.assumeDevice();
    }

    @ParameterizedTest
    @ValueSource(strings = {"minimax-tiny", "minimax-tiny-b"})
    void everyCheckPasses(String folder) {
        try (CudaBackend backend = CudaBackend.open()) {
            List<GoldenSuite.Check> checks = GoldenSuite.open(SharedData.golden(folder)).run(backend);
            checks.forEach(System.out::println);
            assertTrue(checks.size() > 10, "too few checks ran");
            List<GoldenSuite.Check> failed = checks.stream().filter(c -> !c.passed()).toList();
            assertTrue(failed.isEmpty(), "failed on " + backend.device() + ": " + failed);
        }
    }
}
