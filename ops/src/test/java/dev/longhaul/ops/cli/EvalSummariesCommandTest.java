/*
 * `longhaul eval summaries FILE [--json]` on pairs written by the test: a file with a pair scores it
 * (status 0); a file whose pairs cannot be scored (an empty list, elements without the text fields)
 * prints zeros that mean nothing, so it is an error with status 2, as eval contracts does.
 */
package dev.longhaul.ops.cli;

import static dev.longhaul.ops.cli.CommandLines.execute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.longhaul.ops.cli.CommandLines.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalSummariesCommandTest {
    @Test
    void aPairIsScoredAndAFileWithNothingToScoreIsAnError(@TempDir Path dir) throws Exception {
        Path pairs = dir.resolve("pairs.json");
        Files.writeString(pairs, """
                [{"original_text": "The tenant pays rent on the first day of each month. The landlord repairs the roof. \
                Either party may end the lease with sixty days notice.",
                  "reference_summary": "The tenant pays rent monthly and either party may end the lease with notice."}]
                """);
        Run run = execute("eval", "summaries", pairs.toString(), "--json");
        assertEquals(0, run.status(), run.err());
        JsonNode root = new ObjectMapper().readTree(run.out());
        assertEquals(1, root.path("pairs").asInt(), run.out());

        for (String nothing : new String[] {"[]", "[{\"x\": 1}]"}) {
            Files.writeString(pairs, nothing);
            Run empty = execute("eval", "summaries", pairs.toString(), "--json");
            assertEquals(2, empty.status(), nothing + ": " + empty.out());
            assertTrue(empty.err().contains("no pair"), empty.err());
        }
    }
}
