/*
 * The deterministic analyzer of a job's kind, fed every chunk of the document as it streams past
 * (all of it, also what lies beyond the model's context budget): LOG → LogTemplateMiner,
 * CONTRACT → ContractAnalyzer, REPO → RepoAnalyzer, TEXT → none. finish() gives the analyzer's
 * name, its facts (a JSON tree) and provenance spans.
 *
 * Offsets. Span start/end are byte offsets into the document as Extraction.avsc defines it (chunk
 * bytes concatenated), whatever the analyzer counts in; each analysis names the unit of the
 * offsets inside its own facts ("facts_offsets"): "lines" (1-based line numbers, logs),
 * "utf16_chars" (contracts: characters of the UTF-8-decoded text) or "bytes" (repositories).
 * Contract spans are converted from characters to bytes exactly for valid UTF-8; a malformed
 * sequence (decoded as U+FFFD) shifts the spans after it.
 */
package dev.longhaul.pipeline.worker;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longhaul.pipeline.analyze.contracts.ContractAnalysis;
import dev.longhaul.pipeline.analyze.contracts.ContractAnalyzer;
import dev.longhaul.pipeline.analyze.contracts.Finding;
import dev.longhaul.pipeline.analyze.contracts.Party;
import dev.longhaul.pipeline.analyze.contracts.Span;
import dev.longhaul.pipeline.analyze.logs.LogSummary;
import dev.longhaul.pipeline.analyze.logs.LogTemplateConfig;
import dev.longhaul.pipeline.analyze.logs.LogTemplateMiner;
import dev.longhaul.pipeline.analyze.repo.RepoAnalyzer;
import dev.longhaul.pipeline.analyze.repo.RepoFacts;
import dev.longhaul.schemas.DocumentKind;

interface StreamAnalyzer {
    /** A range of the document, in bytes, supporting one fact; label names the fact. */
    record Provenance(long start, long end, String label) {}

    /** What an analyzer found: its name, facts as JSON, and spans. */
    record Result(String name, ObjectNode facts, List<Provenance> spans) {
        static final Result NONE = new Result(null, null, List.of());
    }

    /** The next chunk of the document; {@code path} is the file of a repository chunk, else null. */
    void accept(String path, byte[] data);

    Result finish();

    /** Facts are written with snake_case names, as RepoFacts declares its own and the CLI prints them. */
    ObjectMapper JSON = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    /** Templates reported in a log's facts (most frequent first); the full count is beside them. */
    int MAX_TEMPLATES = 50;
    /** Spans reported per contract clause category. */
    int MAX_CLAUSE_SPANS = 5;

    static StreamAnalyzer forKind(DocumentKind kind) {
        return switch (kind) {
            case LOG -> new Logs();
            case CONTRACT -> new Contracts();
            case REPO -> new Repo();
            case TEXT, UNKNOWN -> new None();
        };
    }

    final class None implements StreamAnalyzer {
        @Override
        public void accept(String path, byte[] data) {}

        @Override
        public Result finish() {
            return Result.NONE;
        }
    }

    /** Decodes UTF-8 across chunk boundaries (a character split between chunks is completed by the next). */
    final class Utf8 {
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private ByteBuffer pending = ByteBuffer.allocate(0);

        CharSequence decode(byte[] data, boolean last) {
            ByteBuffer in = ByteBuffer.allocate(pending.remaining() + data.length).put(pending).put(data).flip();
            CharBuffer out = CharBuffer.allocate((int) (in.remaining() * (double) decoder.maxCharsPerByte()) + 1);
            decoder.decode(in, out, last);
            if (last) {
                decoder.flush(out);
            }
            pending = in.slice();
            return out.flip();
        }
    }

    final class Logs implements StreamAnalyzer {
        private final LogTemplateMiner miner = new LogTemplateMiner(LogTemplateConfig.defaults());
        private final LineOffsets lines = new LineOffsets();
        private final Utf8 utf8 = new Utf8();

        @Override
        public void accept(String path, byte[] data) {
            lines.accept(data);
            miner.acceptChunk(utf8.decode(data, false));
        }

        @Override
        public Result finish() {
            miner.acceptChunk(utf8.decode(new byte[0], true));
            LogSummary summary = miner.finish();
            List<LogSummary.Template> top = summary.templates().subList(0, Math.min(MAX_TEMPLATES, summary.templates().size()));
            List<Provenance> spans = new ArrayList<>();
            for (LogSummary.Template t : top) {
                long[] s = lines.span(t.firstLine(), t.firstLine());
                spans.add(new Provenance(s[0], s[1], "template:E" + t.id()));
            }
            for (LogSummary.ErrorBurst b : summary.errorBursts()) {
                long[] s = lines.span(b.firstLine(), b.lastLine());
                spans.add(new Provenance(s[0], s[1], "error_burst"));
            }
            ObjectNode facts = JSON.valueToTree(new LogSummary(summary.lines(), summary.linesCut(), top, summary.firstTimestamp(),
                    summary.lastTimestamp(), summary.levels(), summary.errorBasis(), summary.errorBursts(), summary.newTemplates()));
            facts.put("template_count", summary.templates().size());
            facts.put("facts_offsets", "lines");
            return new Result("logs", facts, spans);
        }
    }

    final class Contracts implements StreamAnalyzer {
        private final ContractAnalyzer.Reader reader = new ContractAnalyzer().open();
        private final StringBuilder text = new StringBuilder();
        private final Utf8 utf8 = new Utf8();

        @Override
        public void accept(String path, byte[] data) {
            append(utf8.decode(data, false));
        }

        private void append(CharSequence chars) {
            reader.append(chars);
            // The same bound as the reader's: offsets past it cannot be asked for.
            text.append(chars, 0, Math.min(chars.length(), Math.max(0, ContractAnalyzer.MAX_CHARS - text.length())));
        }

        @Override
        public Result finish() {
            append(utf8.decode(new byte[0], true));
            ContractAnalysis a = reader.finish();
            List<Provenance> spans = new ArrayList<>();
            for (Party p : a.parties()) {
                add(spans, p.span(), "parties");
            }
            add(spans, a.agreementDate(), "agreement_date");
            add(spans, a.effectiveDate(), "effective_date");
            add(spans, a.expirationDate(), "expiration_date");
            add(spans, a.renewalTerm(), "renewal_term");
            add(spans, a.noticePeriodToTerminateRenewal(), "notice_period_to_terminate_renewal");
            add(spans, a.governingLaw(), "governing_law");
            new java.util.TreeMap<>(a.clauses()).forEach((field, list) ->
                    list.stream().limit(MAX_CLAUSE_SPANS).forEach(s -> add(spans, s, field)));
            ObjectNode facts = JSON.valueToTree(a);
            facts.put("facts_offsets", "utf16_chars");
            return new Result("contracts", facts, toBytes(spans));
        }

        private static void add(List<Provenance> spans, Finding f, String label) {
            if (f != null && f.span() != null) {
                add(spans, f.span(), label);
            }
        }

        private static void add(List<Provenance> spans, Span s, String label) {
            if (s != null) {
                spans.add(new Provenance(s.start(), s.end(), label));
            }
        }

        /** Character offsets to byte offsets: one walk over the text, summing UTF-8 lengths up to each offset asked for. */
        private List<Provenance> toBytes(List<Provenance> charSpans) {
            int[] wanted = charSpans.stream()
                    .flatMapToInt(p -> java.util.stream.IntStream.of(clamp(p.start()), clamp(p.end())))
                    .sorted().distinct().toArray();
            java.util.Map<Integer, Long> byteAt = new java.util.HashMap<>();
            long bytes = 0;
            int i = 0;
            for (int w : wanted) {
                for (; i < w; i++) {
                    char c = text.charAt(i);
                    // A surrogate pair is one 4-byte character: 2 bytes counted on each half.
                    bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
                }
                byteAt.put(w, bytes);
            }
            List<Provenance> out = new ArrayList<>();
            for (Provenance p : charSpans) {
                out.add(new Provenance(byteAt.get(clamp(p.start())), byteAt.get(clamp(p.end())), p.label()));
            }
            return out;
        }

        private int clamp(long offset) {
            return (int) Math.min(offset, text.length());
        }
    }

    final class Repo implements StreamAnalyzer {
        private final RepoAnalyzer analyzer = new RepoAnalyzer();

        @Override
        public void accept(String path, byte[] data) {
            analyzer.accept(path == null ? "document" : path, data);
        }

        @Override
        public Result finish() {
            RepoFacts facts = analyzer.finish();
            List<Provenance> spans = new ArrayList<>();
            if (facts.license() != null) {
                facts.license().evidence().forEach(e -> spans.add(new Provenance(e.start(), e.end(), "license")));
            }
            facts.entryPoints().forEach(e -> spans.add(new Provenance(e.start(), e.end(), "entry_points:" + e.kind())));
            ObjectNode tree = JSON.valueToTree(facts);
            tree.put("facts_offsets", "bytes");
            return new Result("repo", tree, spans);
        }
    }
}
