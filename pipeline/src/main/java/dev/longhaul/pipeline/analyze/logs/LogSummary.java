/*
 * What the log analyzer reports for one document: the templates mined with their counts, the
 * timestamps of the first and last lines that carry one (as written in the log), the histogram of
 * header levels, windows with an unusual rate of error lines, and templates first seen late in the
 * stream. Plain records: Jackson writes and reads them as JSON with no annotations.
 */
package dev.longhaul.pipeline.analyze.logs;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * @param lines          non-blank lines read
 * @param linesCut       lines longer than LogTemplateMiner.MAX_LINE_CHARS, of which only that many chars were read
 * @param templates      every template, most frequent first
 * @param firstTimestamp timestamp text of the first line that has one, or null
 * @param lastTimestamp  timestamp text of the last line that has one, or null
 * @param levels         lines per canonical level (INFO, WARN, ERROR, ...); empty when the header has no level
 * @param errorBasis     how error lines were recognised: "level" (from the header) or "keyword" (error words in the content)
 * @param errorBursts    windows whose error lines far exceed the rate seen before them, largest first
 * @param newTemplates   templates first seen after the configured share of the stream, in order of appearance
 */
public record LogSummary(
        long lines,
        long linesCut,
        List<Template> templates,
        String firstTimestamp,
        String lastTimestamp,
        Map<String, Long> levels,
        String errorBasis,
        List<ErrorBurst> errorBursts,
        List<NewTemplate> newTemplates) {

    public LogSummary {
        templates = List.copyOf(templates);
        levels = Collections.unmodifiableMap(new TreeMap<>(levels));
        errorBursts = List.copyOf(errorBursts);
        newTemplates = List.copyOf(newTemplates);
    }

    /** One template; lines are numbered from 1 as in the document. */
    public record Template(int id, String template, long count, long firstLine, long lastLine) {}

    /** Consecutive windows [firstLine, lastLine] with errorLines where about `expected` were due. */
    public record ErrorBurst(long firstLine, long lastLine, long errorLines, double expected,
            String firstTimestamp, String lastTimestamp) {}

    /** A template that appeared for the first time late in the document. */
    public record NewTemplate(int id, String template, long firstLine, String firstTimestamp, long count) {}
}
