/*
 * The repository analyzer: reads a tree of files as (path, bytes) chunks in stream order (a file
 * may come in several consecutive chunks; a chunk never holds two files) and reports RepoFacts:
 * languages with line counts, the license, build systems, declared dependencies, entry points
 * and tests. Deterministic (the same files in the same order give the same facts, however they
 * are chunked) and no I/O.
 *
 * Memory is bounded whatever the repository's size: source files are scanned line by line and
 * dropped (one line of at most MAX_LINE bytes is held), only manifests (up to MAX_MANIFEST_BYTES)
 * and license files (up to MAX_LICENSE_BYTES) are held whole until their file ends, and every
 * reported list is capped (MAX_DEPENDENCIES, MAX_ENTRY_POINTS, MAX_LISTED) with the full count
 * kept beside it. Offsets in the facts are byte offsets into the stream of all bytes accepted.
 * Single use, not thread-safe.
 */
package dev.longhaul.pipeline.analyze.repo;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.longhaul.pipeline.analyze.repo.RepoFacts.Dependency;
import dev.longhaul.pipeline.analyze.repo.RepoFacts.EntryPoint;
import dev.longhaul.pipeline.analyze.repo.RepoFacts.Evidence;

public final class RepoAnalyzer {
    /** A manifest longer than this only names its build system; real ones are a few KiB. */
    public static final int MAX_MANIFEST_BYTES = 1 << 20;
    /** License texts run to about 35 KiB (GPL-3.0); the characteristic phrases come early. */
    public static final int MAX_LICENSE_BYTES = 64 << 10;
    public static final int MAX_DEPENDENCIES = 1000;
    public static final int MAX_ENTRY_POINTS = 200;
    /** Cap on the other lists: license evidence, test roots, each build system's paths. */
    public static final int MAX_LISTED = 50;
    /** Bytes of a line kept for the line rules; entry points and test cases show early in a line. */
    static final int MAX_LINE = 1024;

    private final Map<String, long[]> languages = new TreeMap<>();      // name -> {files, lines}
    private final List<Evidence> licenses = new ArrayList<>();
    private final Map<String, List<String>> builds = new TreeMap<>();    // name -> manifest paths (capped)
    private final Map<String, Integer> buildCounts = new TreeMap<>();
    private final List<Dependency> dependencies = new ArrayList<>();
    private final Set<Dependency> seenDependencies = new HashSet<>();
    private int dependencyCount;
    private final List<EntryPoint> entryPoints = new ArrayList<>();
    private int entryPointCount;
    private final Map<String, Long> testRoots = new TreeMap<>();
    private long testFiles;
    private long testLines;
    private long testCases;
    private long files;
    private long offset;
    private File current;
    private boolean finished;

    /** The file being read: what it is, where it starts, and its line state. */
    private static final class File {
        final String path;
        final long start;
        final String testRoot;
        final String buildSystem;
        final boolean license;
        String language;
        ByteArrayOutputStream held;   // a manifest or license text, whole up to its bound
        boolean overflow;
        long newlines;
        byte lastByte = '\n';
        final byte[] line = new byte[MAX_LINE];
        int lineLength;
        long lineStart;

        File(String path, long start) {
            this.path = path;
            this.start = start;
            this.language = Languages.of(path);
            this.testRoot = TestFiles.root(path);
            this.buildSystem = Manifests.buildSystem(path);
            this.license = Licenses.isLicenseFile(path);
            this.held = buildSystem != null || license ? new ByteArrayOutputStream() : null;
            this.lineStart = start;
            this.scansLines = true;
        }

        /** Lines past the first are decoded only when a line rule can use them (set again once line 1 is read). */
        boolean scansLines;

        int holdLimit() {
            return buildSystem != null ? MAX_MANIFEST_BYTES : MAX_LICENSE_BYTES;
        }
    }

    /** Analyzes a whole tree given as (path, content) pairs in order. */
    public static RepoFacts analyze(Iterable<Map.Entry<String, byte[]>> files) {
        RepoAnalyzer analyzer = new RepoAnalyzer();
        for (Map.Entry<String, byte[]> f : files) {
            analyzer.accept(f.getKey(), f.getValue());
        }
        return analyzer.finish();
    }

    public void accept(String path, byte[] data) {
        accept(path, data, 0, data.length);
    }

    /** The next bytes of the stream, all of file {@code path} ('/'-separated, repository-relative). */
    public void accept(String path, byte[] data, int from, int length) {
        if (finished) {
            throw new IllegalStateException("finish() was already called");
        }
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("a repository chunk needs its file's path");
        }
        if (current == null || !current.path.equals(path)) {
            endFile();
            current = new File(path, offset);
            files++;
        }
        File f = current;
        if (f.held != null && !f.overflow) {
            int room = f.holdLimit() - f.held.size();
            f.held.write(data, from, Math.min(room, length));
            f.overflow = length > room;
        }
        for (int i = from; i < from + length; i++) {
            byte b = data[i];
            long at = offset + (i - from);
            boolean keep = f.scansLines;
            if (b == '\n') {
                if (keep) {
                    endLine(f, at);
                }
                f.newlines++;
                f.lineLength = 0;
                f.lineStart = at + 1;
            } else if (keep && f.lineLength < MAX_LINE) {
                f.line[f.lineLength++] = b;
            }
        }
        if (length > 0) {
            f.lastByte = data[from + length - 1];
        }
        offset += length;
    }

    public RepoFacts finish() {
        if (!finished) {
            endFile();
            finished = true;
        }
        List<RepoFacts.Language> langs = new ArrayList<>();
        languages.forEach((name, counts) -> langs.add(new RepoFacts.Language(name, counts[0], counts[1])));
        langs.sort(Comparator.comparingLong(RepoFacts.Language::lines).reversed().thenComparing(RepoFacts.Language::name));
        List<RepoFacts.BuildSystem> systems = new ArrayList<>();
        builds.forEach((name, paths) -> systems.add(new RepoFacts.BuildSystem(name, buildCounts.get(name), paths)));
        systems.sort(Comparator.comparingInt(RepoFacts.BuildSystem::manifests).reversed().thenComparing(RepoFacts.BuildSystem::name));
        List<RepoFacts.TestRoot> roots = new ArrayList<>();
        testRoots.forEach((path, n) -> roots.add(new RepoFacts.TestRoot(path, n)));
        RepoFacts.Tests tests = new RepoFacts.Tests(testFiles > 0, testFiles, testLines, testCases, roots);
        return new RepoFacts(files, offset, langs, license(), systems, dependencies, dependencyCount,
                entryPoints, entryPointCount, tests);
    }

    /**
     * The repository's license: named only by evidence at the root (a license file's text before a
     * manifest's field), because a LICENSE or package.json deeper down belongs to vendored code or
     * a test fixture, not to the repository. Deeper evidence is still listed; spdx is null when the
     * root names no license.
     */
    private RepoFacts.License license() {
        if (licenses.isEmpty()) {
            return null;
        }
        List<Evidence> ordered = new ArrayList<>(licenses);
        ordered.sort(Comparator.comparingInt((Evidence e) -> depth(e.path()))
                .thenComparing(e -> e.source().equals("text") ? 0 : 1)
                .thenComparing(Evidence::path));
        Evidence first = ordered.getFirst();
        return new RepoFacts.License(depth(first.path()) == 0 ? first.spdx() : null, ordered);
    }

    private static int depth(String path) {
        return (int) path.chars().filter(c -> c == '/').count();
    }

    private void endLine(File f, long end) {
        long number = f.newlines + 1;
        int length = f.lineLength > 0 && f.line[f.lineLength - 1] == '\r' ? f.lineLength - 1 : f.lineLength;
        String text = new String(f.line, 0, length, StandardCharsets.UTF_8);
        if (number == 1 && f.language == null && text.startsWith("#!")) {
            f.language = Languages.ofShebang(Languages.interpreter(text));
        }
        EntryPoints.Match match = EntryPoints.scan(f.language, number, text);
        if (match != null) {
            entryPointCount++;
            if (entryPoints.size() < MAX_ENTRY_POINTS) {
                entryPoints.add(new EntryPoint(match.kind(), f.path, number, match.detail(), f.lineStart, end));
            }
        }
        if (f.testRoot != null && TestFiles.isCase(text)) {
            testCases++;
        }
        if (number == 1) {
            f.scansLines = f.testRoot != null || EntryPoints.scans(f.language);
        }
    }

    private void endFile() {
        File f = current;
        if (f == null) {
            return;
        }
        current = null;
        long fileBytes = offset - f.start;
        if (f.lastByte != '\n' && fileBytes > 0) {
            endLine(f, offset);
        }
        long lines = f.newlines + (f.lastByte != '\n' && fileBytes > 0 ? 1 : 0);
        if (f.language != null) {
            long[] counts = languages.computeIfAbsent(f.language, k -> new long[2]);
            counts[0]++;
            counts[1] += lines;
        }
        if (f.testRoot != null) {
            testFiles++;
            testLines += lines;
            if (testRoots.containsKey(f.testRoot) || testRoots.size() < MAX_LISTED) {
                testRoots.merge(f.testRoot, 1L, Long::sum);
            }
        }
        if (f.license && f.held.size() > 0) {
            String spdx = Licenses.ofText(f.held.toString(StandardCharsets.UTF_8));
            if (spdx != null) {
                addLicense(new Evidence(spdx, f.path, "text", f.start, offset));
            }
        }
        if (f.buildSystem != null) {
            manifest(f);
        }
    }

    private void manifest(File f) {
        Manifests.Parsed parsed = f.overflow ? Manifests.Parsed.only(f.buildSystem)
                : Manifests.parse(f.path, f.held.toString(StandardCharsets.UTF_8));
        buildCounts.merge(parsed.buildSystem(), 1, Integer::sum);
        List<String> paths = builds.computeIfAbsent(parsed.buildSystem(), k -> new ArrayList<>());
        if (paths.size() < MAX_LISTED) {
            paths.add(f.path);
        }
        for (Dependency d : parsed.dependencies()) {
            // Modules of one build often repeat a declaration; it is one dependency of the repository.
            Dependency key = new Dependency(d.ecosystem(), d.name(), d.version(), d.scope(), "");
            if (seenDependencies.contains(key)) {
                continue;
            }
            dependencyCount++;
            if (seenDependencies.size() < 10 * MAX_DEPENDENCIES) {
                seenDependencies.add(key);
            }
            if (dependencies.size() < MAX_DEPENDENCIES) {
                dependencies.add(d);
            }
        }
        String spdx = Licenses.ofMetadata(parsed.license());
        if (spdx != null) {
            addLicense(new Evidence(spdx, f.path, "metadata", f.start, offset));
        }
        for (Manifests.Entry e : parsed.entries()) {
            entryPointCount++;
            if (entryPoints.size() < MAX_ENTRY_POINTS) {
                entryPoints.add(new EntryPoint(e.kind(), f.path, 0, e.detail(), f.start, offset));
            }
        }
    }

    /**
     * Lists the evidence, up to MAX_LISTED pieces. Files come in path order, so vendored licenses
     * under "3rdparty/" or "External/" can fill the list before the root's LICENSE arrives: evidence
     * at the root, which names the repository's license, then takes the place of the latest deeper piece.
     */
    private void addLicense(Evidence e) {
        if (licenses.size() < MAX_LISTED) {
            licenses.add(e);
            return;
        }
        if (depth(e.path()) == 0) {
            for (int i = licenses.size() - 1; i >= 0; i--) {
                if (depth(licenses.get(i).path()) > 0) {
                    licenses.set(i, e);
                    return;
                }
            }
        }
    }
}
