/* The shared golden folders through the scalar reference backend: every check must pass. */
package dev.longhaul.engine.golden;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.cpu.ScalarBackend;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GoldenScalarTest {
    static Path golden(String name) {
        return SharedData.golden(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"minimax-tiny", "minimax-tiny-b"})
    void everyCheckPasses(String folder) {
        try (ScalarBackend backend = new ScalarBackend()) {
            List<GoldenSuite.Check> checks = GoldenSuite.open(golden(folder)).run(backend);
            checks.forEach(System.out::println);
            assertTrue(checks.size() > 10, "too few checks ran");
            List<GoldenSuite.Check> failed = checks.stream().filter(c -> !c.passed()).toList();
            assertTrue(failed.isEmpty(), "failed: " + failed);
        }
    }
}
