/*
 * The evaluator over the shared Loghub 2k corpus: every system folder is scored against its
 * original labels. The numbers are reported by `longhaul eval logs`, not asserted here; the test
 * only guards against breakage (GA far above a trivial baseline).
 */
package dev.longhaul.pipeline.analyze.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longhaul.engine.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class LogTemplateCorpusTest {
    private static final double BREAKAGE_FLOOR = 0.5;

    @Test
    void evaluatesEverySystemOfTheSharedCorpus() throws IOException {
        // Given the shared corpus's Loghub 2k folder
        Path root = SharedData.corpusDir().resolve("logs").resolve("loghub_2k");
        List<String> systems;
        try (Stream<Path> dirs = Files.list(root)) {
            systems = dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList();
        }
        assertTrue(systems.size() >= 8, "expected the Loghub systems under " + root + ", found " + systems);
        // When it is evaluated with the default configuration
        List<LoghubBenchmark.SystemResult> results = LoghubBenchmark.run(root, LogTemplateConfig.defaults());
        // Then every system is scored on all its labelled lines, against the original labels
        assertEquals(systems, results.stream().map(LoghubBenchmark.SystemResult::system).toList());
        for (LoghubBenchmark.SystemResult r : results) {
            assertEquals(2000, r.lines(), r.system());
            assertTrue(r.labels().endsWith(".log_structured.csv"), r.labels());
            assertTrue(r.ga() > BREAKAGE_FLOOR, r.system() + " GA " + r.ga());
            assertTrue(r.pa() >= 0 && r.pa() <= 1, r.system() + " PA " + r.pa());
        }
    }
}
