/*
 * One contract's expert labels in the layout of the shared corpus (labels/<name>.json next to
 * docs/<name>.txt): {"categories": {CUAD category name: {"clauses": [text, ...], "answer": text}}}.
 * `clauses` are the spans the annotators highlighted; `answer` is their normalised answer (a date as
 * m/d/yy, "perpetual", "successive 1 year", a jurisdiction, "Yes"/"No", or "" when not present).
 */
package dev.longhaul.pipeline.analyze.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

public record CuadLabels(Map<String, Label> categories) {
    public record Label(List<String> clauses, String answer) {
        static final Label NONE = new Label(List.of(), "");

        public boolean yes() {
            return answer.strip().equalsIgnoreCase("yes") || (!answer.strip().equalsIgnoreCase("no") && !clauses.isEmpty());
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    public static CuadLabels read(Path file) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        Map<String, Label> categories = new TreeMap<>();
        root.path("categories").properties().forEach(e -> {
            List<String> clauses = new ArrayList<>();
            e.getValue().path("clauses").forEach(c -> clauses.add(c.asText()));
            categories.put(e.getKey().toLowerCase(Locale.ROOT), new Label(List.copyOf(clauses), e.getValue().path("answer").asText("")));
        });
        return new CuadLabels(categories);
    }

    /** The label of a category by CUAD name, any capitals; NONE when the file lacks the category. */
    public Label get(String cuadName) {
        return categories.getOrDefault(cuadName.toLowerCase(Locale.ROOT), Label.NONE);
    }
}
