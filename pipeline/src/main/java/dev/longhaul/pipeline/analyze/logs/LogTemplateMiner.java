/*
 * The log analyzer: reads one document's lines as they stream past (whole lines, or the chunks
 * the model reads, split here at newlines) and mines templates online; finish() returns the
 * LogSummary. Deterministic: the same text gives the same summary whatever the chunking.
 *
 * The first headerSampleLines lines are held back to learn the header layout (LogHeader), then
 * parsed; afterwards every line is parsed as it arrives and dropped. Memory is bounded by the
 * number of templates (the tree, a few numbers per template, the reported lists capped at
 * maxReported) plus the sample and one partial line, whatever the document's length.
 *
 * Error lines are those whose header level is ERROR or worse; when the header has no level,
 * those whose content names an error, failure, exception or panic. A burst is a window of
 * burstWindowLines lines with at least burstFactor times the error lines the rate before it
 * predicts (and at least MIN_BURST_SHARE of the window); adjacent burst windows join.
 * Not thread-safe: one miner per document.
 */
package dev.longhaul.pipeline.analyze.logs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

public final class LogTemplateMiner {
    /** Told which template each line joined, as soon as it is known (after the header sample). */
    @FunctionalInterface
    public interface Assignments {
        void assigned(long lineNumber, int templateId);
    }

    private static final Set<String> ERROR_LEVELS = Set.of("ERROR", "SEVERE", "FATAL", "FAILURE", "CRITICAL",
            "ALERT", "EMERG", "PANIC", "ASSERT");
    private static final Pattern ERROR_WORDS = Pattern.compile(
            "(?i)\\b(errors?|fail(s|ed|ure)?|fatal|exception|panic|crash(ed)?)\\b");
    private static final double MIN_BURST_SHARE = 0.05;
    /** A line longer than this is cut: a document without newlines must not grow the buffer. */
    static final int MAX_LINE_CHARS = 1 << 16;

    private final LogTemplateConfig config;
    private final Assignments assignments;
    private final TokenMasker masker = new TokenMasker();
    private final TemplateTree tree;
    private final List<String> sample = new ArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private boolean afterCr; // the last char read was a CR: an LF next is part of its line break
    private final List<long[]> spans = new ArrayList<>();         // per template id: first line, last line, first index
    private final List<String> firstStamps = new ArrayList<>();   // per template id
    private final Map<String, Long> levels = new TreeMap<>();
    private LogHeader header;
    private long physicalLine;
    private long lines;
    private String firstTimestamp;
    private String lastTimestamp;

    // The current error window and the burst being extended.
    private long windowStart;
    private long windowLines;
    private long windowErrors;
    private String windowFirstStamp;
    private String windowLastStamp;
    private long linesBefore;
    private long errorsBefore;
    private long lastLineNumber;
    private boolean partialCut; // the line in `partial` went past MAX_LINE_CHARS
    private long linesCut;
    private LogSummary.ErrorBurst openBurst;
    private final List<LogSummary.ErrorBurst> bursts = new ArrayList<>();

    public LogTemplateMiner(LogTemplateConfig config) {
        this(config, (line, id) -> { });
    }

    public LogTemplateMiner(LogTemplateConfig config, Assignments assignments) {
        this.config = config;
        this.assignments = assignments;
        this.tree = new TemplateTree(config);
    }

    /**
     * A piece of the document; lines may straddle pieces. A line ends at LF, CRLF or a lone CR (as
     * BufferedReader.readLine ends one, and LineOffsets counts them), a CRLF split between pieces too.
     */
    public void acceptChunk(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (afterCr) {
                afterCr = false;
                if (c == '\n') {
                    continue; // the LF of a CRLF, whose CR ended the line
                }
            }
            if (c == '\n' || c == '\r') {
                endPartial();
                afterCr = c == '\r';
            } else if (partial.length() < MAX_LINE_CHARS) {
                partial.append(c);
            } else {
                partialCut = true;
            }
        }
    }

    private void endPartial() {
        linesCut += partialCut ? 1 : 0;
        partialCut = false;
        accept(partial.toString());
        partial.setLength(0);
    }

    /**
     * One whole line (without its newline; a trailing carriage return is dropped); past
     * MAX_LINE_CHARS it is read as its first MAX_LINE_CHARS chars and counted in linesCut, as
     * acceptChunk does.
     */
    public void accept(String line) {
        physicalLine++;
        if (line.length() > MAX_LINE_CHARS) {
            linesCut++;
            line = line.substring(0, MAX_LINE_CHARS);
        }
        String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        if (header == null) {
            sample.add(text);
            if (sample.size() >= config.headerSampleLines()) {
                learnHeader();
            }
            return;
        }
        parse(physicalLine, text);
    }

    /** Ends the document: parses what is still held and reports. The miner is spent afterwards. */
    public LogSummary finish() {
        if (!partial.isEmpty()) {
            endPartial();
        }
        if (header == null) {
            learnHeader();
        }
        closeWindow();
        closeBurst();
        return summary();
    }

    private void learnHeader() {
        header = LogHeader.learn(sample);
        long number = 1;
        for (String text : sample) {
            parse(number++, text);
        }
        sample.clear();
    }

    private void parse(long number, String text) {
        if (text.isBlank()) {
            return;
        }
        LogHeader.Split split = header.split(text);
        TemplateTree.Cluster cluster = tree.add(masker.tokens(split.content()));
        lines++;
        if (cluster.id == spans.size()) {
            spans.add(new long[] {number, number, lines});
            firstStamps.add(split.timestamp());
        }
        spans.get(cluster.id)[1] = number;
        if (split.timestamp() != null) {
            firstTimestamp = firstTimestamp == null ? split.timestamp() : firstTimestamp;
            lastTimestamp = split.timestamp();
        }
        if (split.level() != null) {
            levels.merge(split.level(), 1L, Long::sum);
        }
        boolean error = header.hasLevel()
                ? split.level() != null && ERROR_LEVELS.contains(split.level())
                : ERROR_WORDS.matcher(split.content()).find();
        countError(number, error, split.timestamp());
        assignments.assigned(number, cluster.id);
    }

    private void countError(long number, boolean error, String stamp) {
        lastLineNumber = number;
        if (windowLines == 0) {
            windowStart = number;
            windowFirstStamp = stamp;
        }
        windowLines++;
        windowErrors += error ? 1 : 0;
        windowLastStamp = stamp != null ? stamp : windowLastStamp;
        if (windowLines == config.burstWindowLines()) {
            closeWindow();
            windowLines = 0;
            windowErrors = 0;
        }
    }

    /** Judges the window against the error rate of the lines before it, then adds it to that rate. */
    private void closeWindow() {
        if (windowLines == 0) {
            return;
        }
        // The first window has no history to be unusual against; a last window under half the
        // size is too short to call a rate unusual.
        if (linesBefore > 0 && 2 * windowLines >= config.burstWindowLines()) {
            double expected = windowLines * (double) errorsBefore / linesBefore;
            boolean burst = windowErrors >= config.burstFactor() * expected
                    && windowErrors >= MIN_BURST_SHARE * windowLines && windowErrors > 0;
            if (burst && openBurst != null) {
                openBurst = new LogSummary.ErrorBurst(openBurst.firstLine(), lastLineNumber,
                        openBurst.errorLines() + windowErrors, openBurst.expected() + expected,
                        openBurst.firstTimestamp(), windowLastStamp);
            } else if (burst) {
                openBurst = new LogSummary.ErrorBurst(windowStart, lastLineNumber, windowErrors, expected,
                        windowFirstStamp, windowLastStamp);
            } else {
                closeBurst();
            }
        }
        linesBefore += windowLines;
        errorsBefore += windowErrors;
    }

    /** Keeps the maxReported largest bursts. */
    private void closeBurst() {
        if (openBurst == null) {
            return;
        }
        bursts.add(openBurst);
        openBurst = null;
        bursts.sort(Comparator.comparingLong(LogSummary.ErrorBurst::errorLines).reversed()
                .thenComparingLong(LogSummary.ErrorBurst::firstLine));
        while (bursts.size() > config.maxReported()) {
            bursts.remove(bursts.size() - 1);
        }
    }

    private LogSummary summary() {
        List<LogSummary.Template> templates = new ArrayList<>();
        List<LogSummary.NewTemplate> fresh = new ArrayList<>();
        // "Late" counts non-blank lines, so blank lines do not make a template look new.
        double late = config.lateFraction() * lines;
        for (TemplateTree.Cluster c : tree.clusters()) {
            long[] span = spans.get(c.id);
            templates.add(new LogSummary.Template(c.id, c.template(), c.count, span[0], span[1]));
            // Ids are in order of appearance, so the reported ones are the earliest late arrivals.
            if (span[2] > late && fresh.size() < config.maxReported()) {
                fresh.add(new LogSummary.NewTemplate(c.id, c.template(), span[0], firstStamps.get(c.id), c.count));
            }
        }
        templates.sort(Comparator.comparingLong(LogSummary.Template::count).reversed()
                .thenComparingInt(LogSummary.Template::id));
        return new LogSummary(lines, linesCut, templates, firstTimestamp, lastTimestamp, levels,
                header.hasLevel() ? "level" : "keyword", bursts, fresh);
    }
}
