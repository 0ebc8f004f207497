/*
 * `--backend cuda` on the engine commands where no NVIDIA driver or device exists (the build
 * machines): each command finds the backend by name and stops at once with status 2 and the
 * backend's one-line reason, never computing on the CPU instead. Skipped on a GPU machine.
 */
package dev.longhaul.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.cuda.CudaBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CudaBackendCommandLineTest {
    @BeforeAll
    static void noDevice() {
        try (CudaBackend gpu = CudaBackend.open()) {
            assumeTrue(false, "a CUDA device is present: " + gpu.device());
        } catch (IllegalStateException expected) {
            // no driver or device: the case under test
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"golden", "generate", "bench engine", "worker"})
    void engineCommandsRefuseToStartWithoutADevice(String command) {
        String model = SharedData.golden("minimax-tiny").toString();
        String[] args = switch (command) {
            case "golden" -> new String[] {"golden", "--backend", "cuda", model};
            case "generate" -> new String[] {"generate", "--backend", "cuda", "--model", model, "--prompt", "hi",
                "--max-tokens", "2"};
            case "bench engine" -> new String[] {"bench", "engine", "--backend", "cuda", "--model", model,
                "--prompt-tokens", "8", "--generate", "2"};
            default -> new String[] {"worker", "--backend", "cuda", "--model", model, "--bootstrap-servers",
                "localhost:1"};
        };
        CommandLines.Run run = CommandLines.execute(args);
        assertEquals(2, run.status(), command + ": " + run.err());
        assertTrue(run.err().contains("CUDA backend unavailable: "), command + " says why: " + run.err());
    }
}
