/*
 * Where ingest tests find the shared read-only corpus (Loghub logs, CUAD contracts): the sibling
 * "corpus" of the golden folder named by the system property longhaul.golden.dir (set by surefire
 * from the root pom), else ../../shared/corpus or ../shared/corpus from the working directory.
 * Ingest must not depend on engine, so this mirrors engine's SharedData in a few lines. Also reads
 * the corpus's own SHA-256 of each file from MANIFEST.json: an independent digest to check ours
 * against. Test-only code.
 */
package dev.longhaul.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class Corpus {
    /** A CUAD contract (about 40 KB). */
    static final String CONTRACT = "contracts/cuad/docs/AIRSPANNETWORKSINC_04_11_2000-EX-10.5-Distributor Agreement.txt";
    /** The full Loghub Linux log (2,375,732 bytes, CRLF). */
    static final String LINUX_LOG = "logs/full/Linux.log";
    /** A 2k-line Loghub sample. */
    static final String HDFS_LOG = "logs/loghub_2k/HDFS/HDFS_2k.log";

    private Corpus() {}

    static Path dir() {
        String golden = System.getProperty("longhaul.golden.dir");
        List<Path> candidates = golden == null || golden.isBlank()
                ? List.of(Path.of("..", "..", "shared", "corpus"), Path.of("..", "shared", "corpus"))
                : List.of(Path.of(golden).resolveSibling("corpus"));
        for (Path c : candidates) {
            if (Files.isDirectory(c)) {
                return c.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("shared corpus not found at " + candidates + "; set -Dlonghaul.golden.dir");
    }

    static Path file(String relative) {
        return dir().resolve(relative);
    }

    /** The SHA-256 MANIFEST.json records for {@code relative}. */
    static String manifestSha256(String relative) {
        try {
            String json = Files.readString(dir().resolve("MANIFEST.json"));
            Matcher row = Pattern.compile("\\{[^{}]*\"rel\":\\s*\"" + Pattern.quote(relative) + "\"[^{}]*}").matcher(json);
            if (!row.find()) {
                throw new IllegalStateException(relative + " is not in MANIFEST.json");
            }
            Matcher sha = Pattern.compile("\"sha256\":\\s*\"([0-9a-f]{64})\"").matcher(row.group());
            if (!sha.find()) {
                throw new IllegalStateException("no sha256 for " + relative + " in MANIFEST.json");
            }
            return sha.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
