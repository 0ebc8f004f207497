/*
 * Runs the log template miner over a folder laid out like Loghub's 2k samples (one folder per
 * system holding NAME.log and its labels NAME.log_structured.csv with LineId, EventId and
 * EventTemplate columns) and scores it with TemplateAccuracy. The miner reads the raw log, header
 * and all, exactly as it reads a document; the labels are joined to its lines by LineId (the
 * 1-based line number). The original labels (NAME.log_structured.csv) are preferred; a folder
 * that only has Loghub-2.0's NAME.log_structured_corrected.csv is scored against those, and the
 * result says which file was used. Reads files; nothing else.
 */
package dev.longhaul.pipeline.analyze.logs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

public final class LoghubBenchmark {
    /** One system's scores and the label file they were computed against. */
    public record SystemResult(String system, double ga, double pa, double paExact, int lines, int templates, String labels) {}

    private static final String LABELS = "_structured.csv";
    private static final String CORRECTED_LABELS = "_structured_corrected.csv";

    private LoghubBenchmark() {}

    /** Every system folder under {@code root} (sorted by name) that has a log and labels. */
    public static List<SystemResult> run(Path root, LogTemplateConfig config) {
        List<SystemResult> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                Path log = findLog(dir);
                if (log != null) {
                    out.add(runSystem(dir.getFileName().toString(), log, config));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Mines one log and scores it against its labels. */
    public static SystemResult runSystem(String system, Path log, LogTemplateConfig config) {
        Path labels = labelsOf(log);
        List<Map<String, String>> rows = Csv.read(labels);
        Map<Long, Integer> assigned = new HashMap<>();
        LogTemplateMiner miner = new LogTemplateMiner(config, assigned::put);
        try {
            // The miner ends a line at LF, CRLF or a lone CR, as Python's universal newlines do (the
            // Loghub files are CRLF, with no lone CR), so its line numbers match LineId.
            miner.acceptChunk(new String(Files.readAllBytes(log), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LogSummary summary = miner.finish();
        Map<Integer, String> templates = new HashMap<>();
        summary.templates().forEach(t -> templates.put(t.id(), t.template()));
        List<String> trueIds = new ArrayList<>();
        List<String> trueTemplates = new ArrayList<>();
        List<Integer> predictedIds = new ArrayList<>();
        List<String> predictedTemplates = new ArrayList<>();
        for (Map<String, String> row : rows) {
            Integer id = assigned.get(Long.parseLong(column(row, "LineId", labels).strip()));
            trueIds.add(column(row, "EventId", labels));
            trueTemplates.add(column(row, "EventTemplate", labels));
            // A labelled line the miner skipped (blank) is a group of its own with no template.
            predictedIds.add(id == null ? -1 - predictedIds.size() : id);
            predictedTemplates.add(id == null ? "" : templates.get(id));
        }
        TemplateAccuracy.Scores s = TemplateAccuracy.score(trueIds, trueTemplates, predictedIds, predictedTemplates);
        return new SystemResult(system, s.ga(), s.pa(), s.paExact(), s.lines(), summary.templates().size(),
                labels.getFileName().toString());
    }

    private static Path findLog(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log"))
                    .filter(f -> labelsOf(f) != null)
                    .sorted()
                    .findFirst()
                    .orElse(null);
        }
    }

    /** NAME.log_structured.csv, else NAME.log_structured_corrected.csv, else null. */
    private static Path labelsOf(Path log) {
        String name = log.getFileName().toString();
        Path original = log.resolveSibling(name + LABELS);
        if (Files.isRegularFile(original)) {
            return original;
        }
        Path corrected = log.resolveSibling(name + CORRECTED_LABELS);
        return Files.isRegularFile(corrected) ? corrected : null;
    }

    private static String column(Map<String, String> row, String name, Path file) {
        String value = row.get(name);
        if (value == null) {
            throw new IllegalArgumentException(file + ": no column " + name);
        }
        return value;
    }
}
