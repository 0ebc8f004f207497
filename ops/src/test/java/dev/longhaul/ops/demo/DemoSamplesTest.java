/*
 * The demo's generated documents: the same seed gives the same bytes and another seed other bytes;
 * contracts hold every clause kind and state their facts; logs parse line by line (timestamps in
 * order, the four levels, stack traces only under ERROR lines); sizes land in the requested range.
 */
package dev.longhaul.ops.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;

import dev.longhaul.ingest.DocumentSource;
import dev.longhaul.schemas.DocumentKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoSamplesTest {
    private static final Instant START = Instant.parse("2025-03-14T12:00:00Z");

    @Test
    void contractsAreDeterministicPerSeed() {
        String a = new ContractGenerator(42).next(50_000).text();
        String b = new ContractGenerator(42).next(50_000).text();
        String c = new ContractGenerator(43).next(50_000).text();
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    @Test
    void everyContractHoldsEveryClauseKindAndStatesItsFacts() {
        ContractGenerator generator = new ContractGenerator(7);
        for (int i = 0; i < 20; i++) {
            ContractGenerator.Contract contract = generator.next(20_000 + 5_000 * i);
            String text = contract.text();
            ContractGenerator.Facts f = contract.facts();
            for (ContractGenerator.Clause clause : ContractGenerator.Clause.values()) {
                assertTrue(text.contains(". " + clause.heading + "\n"), "contract " + i + " lacks the article " + clause.heading);
            }
            String preamble = text.substring(0, text.indexOf("RECITALS"));
            assertTrue(preamble.contains(f.provider()) && preamble.contains(f.customer()), "parties in the preamble of contract " + i);
            assertNotEquals(f.provider(), f.customer());
            assertTrue(preamble.contains(ContractGenerator.LONG_DATE.format(f.effectiveDate()) + " (the \"Effective Date\")"));
            assertTrue(text.contains("initial term of " + f.termMonths() + " months"));
            assertTrue(text.contains("governed by and construed in accordance with the laws of " + f.governingLaw()),
                    "governing law of contract " + i);
            assertTrue(text.startsWith(f.title() + "\n"));
        }
    }

    @Test
    void contractsReachTheirSizeAndLookLikeAgreements() {
        String text = new ContractGenerator(3).next(320_000).text();
        assertTrue(text.length() >= 320_000 && text.length() < 321_000, "size " + text.length());
        assertTrue(text.contains("SCHEDULE A\nSTATEMENT OF WORK") && text.contains("SCHEDULE B\nFEES")
                && text.contains("SCHEDULE C\nSERVICE LEVELS") && text.contains("IN WITNESS WHEREOF"));
        // Most of a long contract is its statement of work, milestone after milestone, none repeated.
        Matcher m = java.util.regex.Pattern.compile("\nA\\.(\\d+)  Milestone ").matcher(text);
        Set<Integer> milestones = new TreeSet<>();
        while (m.find()) {
            assertTrue(milestones.add(Integer.parseInt(m.group(1))));
        }
        assertTrue(milestones.size() > 300, milestones.size() + " milestones");
        assertTrue(text.chars().allMatch(ch -> ch == '\n' || (ch >= 0x20 && ch < 0x7f)), "plain ASCII text");
    }

    @Test
    void logsAreDeterministicPerSeed() {
        assertEquals(new LogGenerator(5).next(START, 100_000), new LogGenerator(5).next(START, 100_000));
        assertNotEquals(new LogGenerator(5).next(START, 100_000), new LogGenerator(6).next(START, 100_000));
    }

    @Test
    void logsParseAsTimestampedLinesWithStackTracesUnderErrors() {
        String log = new LogGenerator(11).next(START, 1_000_000);
        assertTrue(log.length() >= 1_000_000 && log.length() < 1_010_000, "size " + log.length());
        Set<String> levels = new TreeSet<>();
        Set<String> services = new TreeSet<>();
        Instant previous = START;
        String lastLevel = null;
        int traceLines = 0;
        int errors = 0;
        List<String> lines = log.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher m = LogGenerator.LINE.matcher(line);
            if (m.matches()) {
                Instant ts = Instant.parse(m.group(1));
                assertFalse(ts.isBefore(previous), "line " + (i + 1) + " goes back in time: " + line);
                previous = ts;
                lastLevel = m.group(2).strip();
                levels.add(lastLevel);
                services.add(m.group(3));
                errors += lastLevel.equals("ERROR") ? 1 : 0;
            } else {
                assertTrue(LogGenerator.TRACE.matcher(line).matches(), "line " + (i + 1) + " is neither a log line nor a trace: " + line);
                assertEquals("ERROR", lastLevel, "a stack trace under a non-ERROR line at " + (i + 1));
                traceLines++;
            }
        }
        assertEquals(Set.of("DEBUG", "ERROR", "INFO", "WARN"), levels);
        assertTrue(services.size() >= 5, "services " + services);
        assertTrue(errors >= 10 && errors < lines.size() / 20, errors + " errors in " + lines.size() + " lines");
        assertTrue(traceLines > 3 * errors, traceLines + " trace lines for " + errors + " errors");
        assertTrue(log.contains("Caused by: "), "a chained exception");
    }

    @Test
    void theSampleSetIsTheSameFilesForTheSameSeedAtRealisticSizes(@TempDir Path a, @TempDir Path b) throws IOException {
        List<DemoSamples.Sample> first = DemoSamples.write(a, 1, 1.0);
        List<DemoSamples.Sample> second = DemoSamples.write(b, 1, 1.0);
        assertEquals(EnumSet.of(DocumentKind.CONTRACT, DocumentKind.LOG),
                EnumSet.copyOf(first.stream().map(DemoSamples.Sample::kind).toList()));
        long total = 0;
        for (int i = 0; i < first.size(); i++) {
            Path fa = file(first.get(i));
            Path fb = file(second.get(i));
            assertEquals(a, fa.getParent());
            assertArrayEquals(Files.readAllBytes(fa), Files.readAllBytes(fb), fa.getFileName().toString());
            long size = Files.size(fa);
            assertTrue(size >= 100_000 && size <= 3_100_000, fa.getFileName() + " has " + size + " bytes");
            assertTrue(first.get(i).tasks().size() >= 2, "a summary and an extraction for " + first.get(i).jobId());
            total += size;
        }
        assertTrue(total > 4_000_000 && total < 5_000_000, total + " bytes in all");
    }

    @Test
    void aSmallScaleGivesSmallDocumentsWithTheSameShape(@TempDir Path dir) throws IOException {
        List<DemoSamples.Sample> samples = DemoSamples.write(dir, 9, 0.01);
        assertEquals(4, samples.size(), "two contracts and two logs");
        for (DemoSamples.Sample s : samples) {
            String text = Files.readString(file(s));
            assertTrue(text.length() >= 4_096 && text.length() < 40_000, s.jobId() + ": " + text.length());
            if (s.kind() == DocumentKind.CONTRACT) {
                assertTrue(text.contains(ContractGenerator.Clause.GOVERNING_LAW.heading));
            } else {
                assertTrue(LogGenerator.LINE.matcher(text.lines().findFirst().orElseThrow()).matches());
            }
        }
    }

    private static Path file(DemoSamples.Sample s) {
        return ((DocumentSource.FileSource) s.source()).file();
    }
}
