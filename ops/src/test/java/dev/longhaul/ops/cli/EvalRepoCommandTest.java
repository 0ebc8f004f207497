/*
 * `longhaul eval repo DIR [--json]`: on a small tree written here (a .gitignore'd file must not
 * count), on the Longhaul checkout itself (Maven and Java found; no counts pinned, they change
 * with every commit), and on a path that is not a folder (status 2).
 */
package dev.longhaul.ops.cli;

import static dev.longhaul.ops.cli.CommandLines.execute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import dev.longhaul.ops.cli.CommandLines.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalRepoCommandTest {
    @Test
    void aSmallTreeAsJson(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".gitignore"), "build/\n");
        Files.createDirectories(dir.resolve("build"));
        Files.writeString(dir.resolve("build").resolve("Generated.py"), "x = 1\n");
        Files.writeString(dir.resolve("package.json"), "{\"license\": \"MIT\", \"dependencies\": {\"chalk\": \"^5.0.0\"}}");
        Files.writeString(dir.resolve("index.js"), "#!/usr/bin/env node\nconsole.log('hi')\n");

        Run run = execute("eval", "repo", dir.toString(), "--json");

        assertEquals(0, run.status(), run.err());
        JsonNode root = new ObjectMapper().readTree(run.out());
        for (String field : new String[] {"languages", "license", "build_system", "dependencies", "entry_points", "tests"}) {
            assertTrue(root.has(field), field + " in " + root);
        }
        assertEquals("MIT", root.path("license").path("spdx").asText());
        assertEquals("npm", root.path("build_system").path(0).path("name").asText());
        assertEquals("chalk", root.path("dependencies").path(0).path("name").asText());
        assertEquals("shebang", root.path("entry_points").path(0).path("kind").asText());
        List<String> languages = new ArrayList<>();
        root.path("languages").forEach(l -> languages.add(l.path("name").asText()));
        assertTrue(!languages.contains("Python"), "the ignored build/ folder was read: " + languages);
        assertTrue(languages.contains("JavaScript"), languages.toString());
    }

    @Test
    void theLonghaulCheckoutIsAMavenJavaProject() throws Exception {
        // Surefire runs in the module folder; the checkout's root is its parent.
        Path root = Path.of("").toAbsolutePath().getParent();
        assertTrue(Files.exists(root.resolve("pom.xml")) && Files.isDirectory(root.resolve("pipeline")), root.toString());

        Run run = execute("eval", "repo", root.toString(), "--json");

        assertEquals(0, run.status(), run.err());
        JsonNode facts = new ObjectMapper().readTree(run.out());
        assertEquals("Maven", facts.path("build_system").path(0).path("name").asText(), facts.path("build_system").toString());
        assertEquals("Java", facts.path("languages").path(0).path("name").asText(), "most lines are Java");
        assertTrue(facts.path("languages").path(0).path("lines").asLong() > 0);
        assertTrue(facts.path("tests").path("present").asBoolean());
        List<String> kinds = new ArrayList<>();
        facts.path("entry_points").forEach(e -> kinds.add(e.path("kind").asText()));
        assertTrue(kinds.contains("java-main") && kinds.contains("shebang"), kinds.toString());
        List<String> deps = new ArrayList<>();
        facts.path("dependencies").forEach(d -> deps.add(d.path("name").asText()));
        assertTrue(deps.contains("org.apache.kafka:kafka-clients"), deps.toString());
    }

    @Test
    void notAFolderIsAnError(@TempDir Path dir) {
        Run run = execute("eval", "repo", dir.resolve("missing").toString());
        assertEquals(2, run.status());
        assertTrue(run.err().contains("not a folder"), run.err());
    }
}
