/*
 * The documents the pipeline benchmark runs: N slices of a real log, each cut at a line end and
 * taken one after another through the file (wrapping to its start when the file is shorter than
 * N slices), or N synthetic texts when no corpus is wanted. Held in memory: the benchmark hands
 * the same bytes to both sides, and reading files inside a timed round would measure the disk.
 */
package dev.longhaul.ops.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import dev.longhaul.schemas.DocumentKind;

public record BenchDocuments(DocumentKind kind, List<byte[]> texts, String origin) {
    public BenchDocuments {
        texts = List.copyOf(texts);
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no documents");
        }
    }

    public long totalBytes() {
        return texts.stream().mapToLong(t -> t.length).sum();
    }

    /**
     * The documents a bench command's options ask for: `n` seeded synthetic texts (seed 7) or `n`
     * slices of the corpus log, `bytesPerDoc` each; both counts must be positive.
     */
    public static BenchDocuments chosen(boolean synthetic, Path corpus, int n, int bytesPerDoc) throws IOException {
        if (n < 1 || bytesPerDoc < 1) {
            throw new IllegalArgumentException("--documents and --bytes-per-doc must be positive");
        }
        return synthetic ? synthetic(n, bytesPerDoc, 7) : logSlices(corpus, n, bytesPerDoc);
    }

    /** N consecutive slices of about {@code bytesPerDoc} of a log file, each ending at a line end. */
    public static BenchDocuments logSlices(Path log, int n, int bytesPerDoc) throws IOException {
        if (!Files.isRegularFile(log)) {
            throw new IllegalArgumentException("corpus log " + log + " does not exist (run from the repository root with ../shared"
                    + " present, pass --corpus FILE, or use --synthetic)");
        }
        byte[] all = Files.readAllBytes(log);
        if (all.length < bytesPerDoc) {
            throw new IllegalArgumentException(log + " has " + all.length + " bytes, fewer than one document of " + bytesPerDoc);
        }
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (start + bytesPerDoc > all.length) {
                start = 0;
            }
            int end = start + bytesPerDoc;
            // Back up to a line end so that no document starts or ends mid-line, as a real log file would not.
            while (end > start + 1 && all[end - 1] != '\n') {
                end--;
            }
            if (end == start + 1) {
                end = start + bytesPerDoc;
            }
            out.add(Arrays.copyOfRange(all, start, end));
            start = end;
        }
        return new BenchDocuments(DocumentKind.LOG, out, log.getFileName().toString());
    }

    /** N plain texts of {@code bytesPerDoc} bytes of seeded random words, different per document. */
    public static BenchDocuments synthetic(int n, int bytesPerDoc, long seed) {
        String[] words = {"the", "worker", "reads", "a", "long", "document", "and", "writes", "one", "summary", "per",
            "task", "while", "kafka", "keeps", "every", "chunk", "in", "order", "error", "timeout", "retry", "disk", "node"};
        Random random = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder text = new StringBuilder(bytesPerDoc + 16);
            while (text.length() < bytesPerDoc) {
                text.append(words[random.nextInt(words.length)]).append(random.nextInt(12) == 0 ? ".\n" : " ");
            }
            text.setLength(bytesPerDoc);
            out.add(text.toString().getBytes(StandardCharsets.US_ASCII));
        }
        return new BenchDocuments(DocumentKind.TEXT, out, "synthetic(seed " + seed + ")");
    }
}
