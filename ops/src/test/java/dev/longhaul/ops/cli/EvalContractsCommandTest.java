/*
 * `longhaul eval contracts DIR [--json]` on a one-contract folder written by the test (own text and
 * label, CUAD layout): the JSON object has the documented shape, a perfect key field scores 1, and a
 * folder without docs/ and labels/ is an error with status 2.
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

class EvalContractsCommandTest {
    private static final String CONTRACT = "LEASE AGREEMENT\nThis Lease Agreement is made as of May 5, 2020 by and between "
            + "Granite Holdings, Inc. (\"Landlord\") and Pebble Cafe LLC (\"Tenant\").\n"
            + "This Agreement shall be governed by the laws of the State of Vermont.\n";
    private static final String LABEL = """
            {"categories": {
              "Parties": {"clauses": ["Granite Holdings, Inc.", "Pebble Cafe LLC"],
                          "answer": "Granite Holdings, Inc. (\\"Landlord\\"); Pebble Cafe LLC (\\"Tenant\\")"},
              "Agreement Date": {"clauses": ["May 5, 2020"], "answer": "5/5/20"},
              "Governing Law": {"clauses": ["laws of the State of Vermont"], "answer": "Vermont"},
              "Anti-Assignment": {"clauses": [], "answer": "No"}
            }}
            """;

    @Test
    void jsonHasFieldsAndKeyFieldsF1(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("docs"));
        Files.createDirectories(dir.resolve("labels"));
        Files.writeString(dir.resolve("docs").resolve("lease.txt"), CONTRACT);
        Files.writeString(dir.resolve("labels").resolve("lease.json"), LABEL);

        Run run = execute("eval", "contracts", dir.toString(), "--json");

        assertEquals(0, run.status(), run.err());
        JsonNode root = new ObjectMapper().readTree(run.out());
        assertEquals(1, root.path("documents").asInt());
        for (String field : new String[] {"parties", "agreement_date", "governing_law", "anti_assignment"}) {
            JsonNode f = root.path("fields").path(field);
            assertEquals(1.0, f.path("f1").asDouble(), 1e-9, field + ": " + f);
            assertTrue(f.has("precision") && f.has("recall"), field);
        }
        assertTrue(root.path("key_fields_f1").isNumber());
    }

    @Test
    void aFolderWithoutTheLayoutIsAnError(@TempDir Path dir) {
        Run run = execute("eval", "contracts", dir.toString());

        assertEquals(2, run.status());
        assertTrue(run.err().contains("no docs/ and labels/"), run.err());
    }
}
