/*
 * Where a log line's header (timestamp, level, host, component) ends and its free-text content
 * begins, learnt from the first lines of a document without knowing the format. The content is
 * what templates are mined from; the header gives the level and the timestamp.
 *
 * A line is cut into fields: whitespace-separated words, a [bracketed group] being one field.
 * Each field gets a coarse class (number-like, bracketed, level word, month/day name, separator
 * such as `-`, component such as `sshd[42]:`, plain word, word with digits). Over the sample, a
 * column (the i-th field of every line) is consistent when one class covers HEADER_SHARE of its
 * lines. The header is the longest run of consistent leading columns that ends on a "strong" column
 * (number, bracket, level, date, separator, component): a plain word is kept in the header only
 * when a strong column follows it, since a document's content usually starts with a word too;
 * one exception, a plain word right after the level that behaves like a component (few names,
 * each followed by many different words), as in `Info CBS Loaded ...`. A flag column that is
 * inconsistent may sit inside the header when a timestamp or level after it proves the header.
 * When the last header column is a component (`name:`), each line looks for its own colon a field
 * early or late, as in `syslogd 1.4.1: restart.`. Formats that separate fields with `|` cut at
 * the usual number of bars. A line whose first field does not have the header's class (a stack
 * trace's continuation) is all content.
 *
 * Immutable once learnt; split() is thread-safe.
 */
package dev.longhaul.pipeline.analyze.logs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

final class LogHeader {
    /** What the header of one line says, and where its content starts. */
    record Split(String content, String level, String timestamp) {}

    private enum FieldClass { NUMBER, BRACKET, LEVEL, CALENDAR, SEPARATOR, COMPONENT, WORD, MIXED }

    private static final double HEADER_SHARE = 0.9;
    private static final int MAX_FIELDS = 12;
    private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "FINE", "FINER", "FINEST", "CONFIG",
            "VERBOSE", "INFO", "INFORMATION", "NOTICE", "WARN", "WARNING", "ERROR", "ERR", "SEVERE", "FATAL",
            "FAILURE", "CRITICAL", "CRIT", "ALERT", "EMERG", "EMERGENCY", "PANIC");
    // Android-style one-letter levels count only in a column made of them.
    private static final Map<String, String> LETTER_LEVELS = Map.of("V", "VERBOSE", "D", "DEBUG", "I", "INFO",
            "W", "WARN", "E", "ERROR", "F", "FATAL", "A", "ASSERT");
    private static final Map<String, String> LEVEL_ALIASES = Map.of("WARNING", "WARN", "ERR", "ERROR",
            "CRIT", "CRITICAL", "INFORMATION", "INFO", "EMERGENCY", "EMERG");
    private static final Set<String> CALENDAR = Set.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG",
            "SEP", "OCT", "NOV", "DEC", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN");
    // found, not matched as .*X.*: `.` stops at U+0085 and the like, and the backtracking over a
    // long field then cost time quadratic in its length
    private static final Pattern DATE_OR_TIME = Pattern.compile("\\d[:./-]\\d");
    private static final Pattern EPOCH_SECONDS = Pattern.compile("1\\d{9}");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}(:\\d+)?");
    private static final Pattern SHORT_NUMBER = Pattern.compile("\\d{1,4}");
    private static final Pattern STAMP_EDGES = Pattern.compile("^\\[|[\\],]$");

    private final int headerFields;     // leading fields that are header (whitespace mode)
    private final int pipes;            // > 0: header is everything before this many '|'
    private final boolean componentEnd; // last header column is `name:`; each line finds its colon
    private final FieldClass firstClass;
    private final int levelColumn;      // -1: no level in the header
    private final boolean letterLevels;
    private final boolean[] temporal;   // header columns that make up the timestamp

    private LogHeader(int headerFields, int pipes, boolean componentEnd, FieldClass firstClass,
            int levelColumn, boolean letterLevels, boolean[] temporal) {
        this.headerFields = headerFields;
        this.pipes = pipes;
        this.componentEnd = componentEnd;
        this.firstClass = firstClass;
        this.levelColumn = levelColumn;
        this.letterLevels = letterLevels;
        this.temporal = temporal;
    }

    /** A header that is empty: every line is all content. */
    static LogHeader none() {
        return new LogHeader(0, 0, false, null, -1, false, new boolean[0]);
    }

    /** Learns the header layout from the first lines of a document (blank lines are ignored). */
    static LogHeader learn(List<String> all) {
        List<String> sample = headed(all);
        List<List<String>> rows = new ArrayList<>();
        int piped = 0;
        Map<Integer, Integer> pipeCounts = new HashMap<>();
        for (String line : sample) {
            if (line.isBlank()) {
                continue;
            }
            int bars = (int) line.chars().filter(c -> c == '|').count();
            if (bars >= 2) {
                piped++;
                pipeCounts.merge(bars, 1, Integer::sum);
            }
            rows.add(fields(line));
        }
        if (rows.isEmpty()) {
            return none();
        }
        int pipes = 0;
        if (piped >= HEADER_SHARE * rows.size()) {
            // The usual number of bars; content with a bar of its own does not move the cut.
            pipes = pipeCounts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
            rows.clear();
            for (String line : sample) {
                // lines with fewer bars (continuations, frames of a stack trace) have no header
                if (!line.isBlank() && line.chars().filter(c -> c == '|').count() >= pipes) {
                    rows.add(pipeFields(line, pipes));
                }
            }
        }
        int columns = pipes > 0 ? pipes : MAX_FIELDS;
        FieldClass[] dominant = new FieldClass[columns];
        boolean[] temporal = new boolean[columns];
        boolean[] levelWords = new boolean[columns];
        boolean[] levelLetters = new boolean[columns];
        for (int col = 0; col < columns; col++) {
            dominant[col] = dominantClass(rows, col);
            temporal[col] = share(rows, col, LogHeader::isTemporal) >= HEADER_SHARE;
            levelWords[col] = share(rows, col, f -> LEVELS.contains(bare(f))) >= HEADER_SHARE;
            levelLetters[col] = share(rows, col, f -> LETTER_LEVELS.containsKey(bare(f))) >= HEADER_SHARE;
        }
        int header = pipes > 0 ? pipes : headerEnd(dominant, temporal, levelWords, levelLetters);
        if (pipes == 0 && header > 0 && header < columns && (levelWords[header - 1] || levelLetters[header - 1])
                && dominant[header] == FieldClass.WORD && isComponent(rows, header)) {
            header++;
        }
        int levelColumn = -1;
        boolean letters = false;
        for (int col = 0; col < header && levelColumn < 0; col++) {
            if (levelWords[col] || levelLetters[col]) {
                levelColumn = col;
                letters = !levelWords[col];
            }
        }
        // A bare day number between a month and a time (`Jun 14 15:16:01`) is part of the stamp.
        for (int col = 1; col + 1 < header; col++) {
            temporal[col] |= dominant[col] == FieldClass.NUMBER && temporal[col - 1] && temporal[col + 1];
        }
        temporal = Arrays.copyOf(temporal, header);
        boolean componentEnd = pipes == 0 && header > 0 && dominant[header - 1] == FieldClass.COMPONENT;
        FieldClass first = header > 0 && pipes == 0 ? dominant[0] : null;
        return new LogHeader(header, pipes, componentEnd, first, levelColumn, letters, temporal);
    }

    /**
     * The sample without its indented lines (a stack trace's `\tat ...` frames, wrapped message
     * text), when those are fewer than half: they carry no header, and counted in they made every
     * column fall short of HEADER_SHARE, so one Java exception among the first lines left the whole
     * log without levels or timestamps. split() takes such a line as all content (its first field
     * is not of the header's first class).
     */
    private static List<String> headed(List<String> sample) {
        List<String> flush = new ArrayList<>();
        int nonBlank = 0;
        for (String line : sample) {
            if (line.isBlank()) {
                continue;
            }
            nonBlank++;
            if (!Character.isWhitespace(line.charAt(0))) {
                flush.add(line);
            }
        }
        return flush.size() * 2 >= nonBlank ? flush : sample;
    }

    /**
     * Whether the plain-word column after a level is a component without a colon (`Info CBS
     * Loaded ...`) rather than the content's first word: a component is one of a few names, and
     * each name is followed by many different words, where a content word is mostly followed by
     * the same next word of its event.
     */
    private static boolean isComponent(List<List<String>> rows, int col) {
        Map<String, Set<String>> next = new HashMap<>();
        for (List<String> row : rows) {
            if (col + 1 < row.size()) {
                next.computeIfAbsent(row.get(col), k -> new java.util.HashSet<>()).add(TokenMasker.mask(row.get(col + 1)));
            }
        }
        int pairs = next.values().stream().mapToInt(Set::size).sum();
        return !next.isEmpty() && next.size() <= Math.max(3, rows.size() / 20) && pairs >= 3 * next.size();
    }

    /** True when the header has a level column. */
    boolean hasLevel() {
        return levelColumn >= 0;
    }

    /**
     * The header's field count: the consistent leading columns up to the last strong one. One
     * inconsistent column may sit inside the header (a flag that is `-` on most lines but names an
     * alert on others) when a timestamp or level column after it proves the header goes on. A
     * component column (`name:`) ends the header.
     */
    private static int headerEnd(FieldClass[] dominant, boolean[] temporal, boolean[] levelWords, boolean[] letters) {
        int header = 0;
        int gap = -1;
        boolean proven = true;
        for (int col = 0; col < dominant.length; col++) {
            if (dominant[col] == null) {
                if (gap >= 0) {
                    break;
                }
                gap = col;
                proven = false;
                continue;
            }
            proven |= temporal[col] || levelWords[col] || letters[col];
            boolean strong = dominant[col] != FieldClass.WORD && dominant[col] != FieldClass.MIXED;
            if (strong && proven) {
                header = col + 1;
            }
            if (dominant[col] == FieldClass.COMPONENT) {
                break;
            }
        }
        return header;
    }

    /**
     * Cuts one line into content, level (canonical upper case, or null) and timestamp text (or null).
     * Fields are stripped as learn() strips them: between bars they carry spaces ("| DEBUG    |").
     */
    Split split(String line) {
        if (headerFields == 0) {
            return new Split(line.strip(), null, null);
        }
        List<int[]> spans = pipes > 0 ? pipeSpans(line, pipes) : spans(line, headerFields + 2);
        if (spans.size() < headerFields
                || (firstClass != null && classify(line.substring(spans.get(0)[0], spans.get(0)[1]).strip()) != firstClass)) {
            return new Split(line.strip(), null, null);
        }
        int end = headerFields;
        if (componentEnd) {
            end = componentEnd(line, spans);
        }
        int contentStart = pipes > 0 ? spans.get(pipes - 1)[1] + 1 : spans.get(end - 1)[1];
        String content = contentStart >= line.length() ? "" : line.substring(contentStart).strip();
        String level = null;
        if (levelColumn >= 0 && levelColumn < end) {
            level = canonicalLevel(bare(text(line, spans.get(levelColumn)).strip()));
        }
        StringBuilder stamp = new StringBuilder();
        for (int col = 0; col < Math.min(end, temporal.length); col++) {
            if (temporal[col]) {
                String f = text(line, spans.get(col)).strip();
                stamp.append(stamp.isEmpty() ? "" : " ").append(STAMP_EDGES.matcher(f).replaceAll(""));
            }
        }
        return new Split(content, level, stamp.isEmpty() ? null : stamp.toString());
    }

    /** The header's last field is the first `name:` field from one before the usual place on. */
    private int componentEnd(String line, List<int[]> spans) {
        for (int i = headerFields - 2; i < Math.min(spans.size(), headerFields + 2); i++) {
            if (i >= 0 && classify(text(line, spans.get(i)).strip()) == FieldClass.COMPONENT) {
                return i + 1;
            }
        }
        return headerFields;
    }

    private String canonicalLevel(String word) {
        if (letterLevels && LETTER_LEVELS.containsKey(word)) {
            return LETTER_LEVELS.get(word);
        }
        if (LEVELS.contains(word)) {
            return LEVEL_ALIASES.getOrDefault(word, word);
        }
        return null;
    }

    private static FieldClass dominantClass(List<List<String>> rows, int col) {
        Map<FieldClass, Integer> counts = new HashMap<>();
        int present = 0;
        for (List<String> row : rows) {
            if (col < row.size()) {
                present++;
                counts.merge(classify(row.get(col)), 1, Integer::sum);
            }
        }
        if (present < HEADER_SHARE * rows.size()) {
            return null;
        }
        var top = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
        return top.getValue() >= HEADER_SHARE * rows.size() ? top.getKey() : null;
    }

    private static double share(List<List<String>> rows, int col, java.util.function.Predicate<String> test) {
        long hits = rows.stream().filter(r -> col < r.size() && test.test(r.get(col))).count();
        return (double) hits / rows.size();
    }

    private static FieldClass classify(String field) {
        if (field.length() > 1 && field.startsWith("[") && field.endsWith("]")) {
            return FieldClass.BRACKET;
        }
        if (field.equals("-") || field.equals("--") || field.equals("|")) {
            return FieldClass.SEPARATOR;
        }
        String bare = bare(field);
        if (LEVELS.contains(bare)) {
            return FieldClass.LEVEL;
        }
        if (CALENDAR.contains(bare.length() > 3 ? bare.substring(0, 3) : bare) && bare.length() >= 3
                && bare.chars().allMatch(Character::isLetter)) {
            return FieldClass.CALENDAR;
        }
        boolean letter = field.chars().anyMatch(Character::isLetter);
        boolean digit = field.chars().anyMatch(Character::isDigit);
        if (letter && field.endsWith(":") && field.length() > 1) {
            return FieldClass.COMPONENT;
        }
        if (!letter) {
            return digit ? FieldClass.NUMBER : FieldClass.SEPARATOR;
        }
        return digit ? FieldClass.MIXED : FieldClass.WORD;
    }

    /**
     * A date, a time, epoch seconds or a month/day name; a [bracket] when every word in it is one
     * of those or a short number (`[Sun Dec 04 04:47:44 2005]`, not `[main@127 0:0:0]`). An IPv4 address is not a date.
     */
    private static boolean isTemporal(String field) {
        if (field.length() > 1 && field.startsWith("[") && field.endsWith("]")) {
            String[] words = field.substring(1, field.length() - 1).strip().split("\\s+");
            // A bare day or year (`04`, `2005`) counts inside a bracket that also holds a date or time.
            return Arrays.stream(words).allMatch(w -> !w.startsWith("[") && (isTemporal(w) || SHORT_NUMBER.matcher(w).matches()))
                    && Arrays.stream(words).anyMatch(w -> w.chars().anyMatch(Character::isDigit));
        }
        String bare = STAMP_EDGES.matcher(field).replaceAll("");
        if (classify(field) == FieldClass.CALENDAR) {
            return true;
        }
        boolean letterFree = bare.chars().noneMatch(Character::isLetter);
        return letterFree && DATE_OR_TIME.matcher(bare).find() && !IPV4.matcher(bare).matches()
                || EPOCH_SECONDS.matcher(bare).matches();
    }

    /**
     * The field without its leading brackets and trailing brackets or punctuation, upper case:
     * `[error]` -> ERROR. A loop, not a pattern: "[\\])>:,]+$" tried from every position of a long
     * run of those characters costs time quadratic in the run (a 64K-character field of colons took
     * seconds, on every line).
     */
    static String bare(String field) {
        int from = 0;
        int to = field.length();
        while (from < to && "[(<".indexOf(field.charAt(from)) >= 0) {
            from++;
        }
        while (to > from && "])>:,".indexOf(field.charAt(to - 1)) >= 0) {
            to--;
        }
        return field.substring(from, to).toUpperCase(Locale.ROOT);
    }

    private static String text(String line, int[] span) {
        return line.substring(span[0], span[1]);
    }

    private static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        for (int[] s : spans(line, MAX_FIELDS)) {
            out.add(text(line, s));
        }
        return out;
    }

    private static List<String> pipeFields(String line, int pipes) {
        List<String> out = new ArrayList<>();
        for (int[] s : pipeSpans(line, pipes)) {
            out.add(text(line, s).strip());
        }
        return out;
    }

    /** The first {@code max} fields as [start, end) spans; a [group] (nesting allowed) is one field. */
    private static List<int[]> spans(String line, int max) {
        List<int[]> out = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (out.size() < max) {
            while (i < n && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int start = i;
            if (line.charAt(i) == '[') {
                int depth = 0;
                int j = i;
                for (; j < n; j++) {
                    char c = line.charAt(j);
                    depth += c == '[' ? 1 : c == ']' ? -1 : 0;
                    if (depth == 0) {
                        break;
                    }
                }
                if (j < n && (j + 1 == n || Character.isWhitespace(line.charAt(j + 1)))) {
                    out.add(new int[] {start, j + 1});
                    i = j + 1;
                    continue;
                }
            }
            while (i < n && !Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            out.add(new int[] {start, i});
        }
        return out;
    }

    /** The spans between the first {@code pipes} bars (fewer when the line has fewer). */
    private static List<int[]> pipeSpans(String line, int pipes) {
        List<int[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < line.length() && out.size() < pipes; i++) {
            if (line.charAt(i) == '|') {
                out.add(new int[] {start, i});
                start = i + 1;
            }
        }
        return out;
    }
}
