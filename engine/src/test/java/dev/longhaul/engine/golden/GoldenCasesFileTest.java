/*
 * `longhaul golden` on a folder whose cases.json is malformed: each departure from the format is an
 * error naming cases.json and the place in it, before any check runs; never an index exception,
 * and never a pass of checks that did not check (no cases, rows cut short, a chunk plan that leaves
 * part of its prompt out).
 */
package dev.longhaul.engine.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.checkpoint.CheckpointException;
import dev.longhaul.engine.cpu.ScalarBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GoldenCasesFileTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeEach
    void copyGoldenFolder() throws IOException {
        try (Stream<Path> files = Files.list(SharedData.golden("minimax-tiny"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
    }

    /** Edits cases.json, runs the suite, and returns the error, which must name the file and `where`. */
    private CheckpointException refused(String where, Consumer<ObjectNode> edit) throws IOException {
        Path file = dir.resolve("cases.json");
        ObjectNode root = (ObjectNode) JSON.readTree(SharedData.golden("minimax-tiny").resolve("cases.json").toFile());
        edit.accept(root);
        JSON.writeValue(file.toFile(), root);
        try (ScalarBackend backend = new ScalarBackend()) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> GoldenSuite.open(dir).run(backend));
            assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
            assertTrue(e.getMessage().contains(where), "message lacks '" + where + "': " + e.getMessage());
            return e;
        }
    }

    private static ObjectNode firstCase(ObjectNode root) {
        return (ObjectNode) root.get("cases").get(0);
    }

    @Test
    void aMalformedCasesFileIsAnErrorNamingThePlaceNotACrashOrAVacuousPass() throws IOException {
        refused("'cases' must be a non-empty array", root -> root.putArray("cases"));
        refused("needs a non-empty 'name'", root -> firstCase(root).remove("name"));
        refused("input_ids holds \"abc\"", root -> ((ArrayNode) firstCase(root).get("input_ids")).set(0, "abc"));
        refused("input_ids holds 100000", root -> ((ArrayNode) firstCase(root).get("input_ids")).set(0, 100000));
        refused("last_logits must be an array of", root -> {
            ArrayNode last = (ArrayNode) firstCase(root).get("last_logits");
            while (last.size() > 10) {
                last.remove(last.size() - 1);
            }
        });
        refused("derived.slopes key 'abc'", root -> ((ObjectNode) root.get("derived").get("slopes")).putArray("abc"));
    }

    @Test
    void everyRowOfAllPositionsAndEveryChunkIsAccountedFor() throws IOException {
        // the golden folder's cases: find one with all_logits and the chunk plan's case
        ObjectNode golden = (ObjectNode) JSON.readTree(SharedData.golden("minimax-tiny").resolve("cases.json").toFile());
        int withAll = -1;
        for (int i = 0; i < golden.get("cases").size(); i++) {
            if (golden.get("cases").get(i).has("all_logits")) {
                withAll = i;
            }
        }
        assertTrue(withAll >= 0, "the tiny golden folder has a case with all_logits");
        int index = withAll;
        refused("all_logits must hold one row per input id", root ->
                ((ArrayNode) root.get("cases").get(index).get("all_logits")).remove(0));
        refused("chunk_sizes add up to", root -> {
            ObjectNode plan = (ObjectNode) (root.get("chunked_prefill").isArray() ? root.get("chunked_prefill").get(0) : root.get("chunked_prefill"));
            ArrayNode sizes = (ArrayNode) plan.get("chunk_sizes");
            sizes.set(sizes.size() - 1, sizes.get(sizes.size() - 1).asInt() - 1);
        });
        refused("must name a case", root -> {
            ObjectNode plan = (ObjectNode) (root.get("chunked_prefill").isArray() ? root.get("chunked_prefill").get(0) : root.get("chunked_prefill"));
            plan.put("case", "no-such-case");
        });
    }

    @Test
    void aCaseThatExpectsNothingOrAToleranceThatLoosensEverythingIsRefused() throws IOException {
        // a case whose expectations are misspelt would run a forward pass and check nothing
        refused("expects nothing", root -> {
            ObjectNode c = firstCase(root);
            c.set("last_logit", c.remove("last_logits"));
            c.remove("all_logits");
            c.remove("greedy_tokens");
        });
        refused("greedy_tokens must be a non-empty array", root -> firstCase(root).putArray("greedy_tokens"));
        refused("'format' must be", root -> root.put("format", "minimax-golden/2"));
        refused("tolerance.max", root -> ((ObjectNode) root.get("tolerance")).put("max", "1e9"));
        refused("tolerance.max", root -> ((ObjectNode) root.get("tolerance")).put("max", true));
        refused("tolerance.max", root -> ((ObjectNode) root.get("tolerance")).put("max", Double.POSITIVE_INFINITY));
        refused("tolerance.max", root -> ((ObjectNode) root.get("tolerance")).put("max", 1.0));
        refused("derived.rotary_dim must be an integer", root -> ((ObjectNode) root.get("derived")).put("rotary_dim", "abc"));
    }

    @Test
    void aTokenizerOrDerivedValueThatDisagreesWithTheFolderFailsItsCheck() throws IOException {
        // given the case with text 'MiniMax' now claiming another text, and the layer kinds swapped
        ObjectNode root = (ObjectNode) JSON.readTree(SharedData.golden("minimax-tiny").resolve("cases.json").toFile());
        String named = null;
        for (var c : root.get("cases")) {
            if (c.path("text").isTextual()) {
                named = c.get("name").asText();
                ((ObjectNode) c).put("text", c.get("text").asText() + "!");
                break;
            }
        }
        assertTrue(named != null, "the tiny golden folder has a case with text");
        ObjectNode derived = (ObjectNode) root.get("derived");
        var linear = derived.get("linear_layers");
        derived.set("linear_layers", derived.get("full_layers"));
        derived.set("full_layers", linear);
        JSON.writeValue(dir.resolve("cases.json").toFile(), root);

        // then exactly those checks fail, and the rest (the tokenizer of the other texts among them) pass
        try (ScalarBackend backend = new ScalarBackend()) {
            var checks = GoldenSuite.open(dir).run(backend);
            var failed = checks.stream().filter(c -> !c.passed()).map(GoldenSuite.Check::name).sorted().toList();
            assertEquals(java.util.List.of("derived/full_layers", "derived/linear_layers", named + "/tokenizer"), failed, checks.toString());
            assertTrue(checks.stream().filter(c -> c.name().endsWith("/tokenizer")).count() > 1, checks.toString());
        }
    }
}
