/* The shared golden folders through the Vector API CPU backend with two threads: every check must pass. */
package dev.longhaul.engine.golden;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.cpu.VectorBackend;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GoldenVectorTest {
    @ParameterizedTest
    @ValueSource(strings = {"minimax-tiny", "minimax-tiny-b"})
    void everyCheckPasses(String folder) {
        try (VectorBackend backend = new VectorBackend(2)) {
            List<GoldenSuite.Check> checks = GoldenSuite.open(GoldenScalarTest.golden(folder)).run(backend);
            checks.forEach(System.out::println);
            assertTrue(checks.size() > 10, "too few checks ran");
            List<GoldenSuite.Check> failed = checks.stream().filter(c -> !c.passed()).toList();
            assertTrue(failed.isEmpty(), "failed: " + failed);
        }
    }
}
