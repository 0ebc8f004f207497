/*
 * What the repository analyzer found in one tree of files: a plain record tree that Jackson writes
 * as JSON with snake_case names (languages, license, build_system, dependencies, entry_points,
 * tests). Every list is in a deterministic order and capped (RepoAnalyzer's limits), with the
 * uncapped count beside it where a cap can bite. Offsets (start, end) are byte offsets into the
 * stream the analyzer was given: the files' bytes concatenated in the order they arrived, which is
 * the document a REPO job's chunks make.
 */
package dev.longhaul.pipeline.analyze.repo;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * @param files         files read
 * @param bytes         bytes read
 * @param languages     lines and files per language, most lines first; files of no known language are left out
 * @param license       the repository's license as an SPDX id or expression (null unless the root names one) and
 *                      every piece of evidence found; null when no file names a license
 * @param buildSystem   build systems by their manifests, most manifests first
 * @param dependencies  declared dependencies, in order of the manifests' paths then declaration
 * @param dependencyCount declared dependencies before the cap
 * @param entryPoints   ways the code is started, in stream order
 * @param entryPointCount entry points before the cap
 * @param tests         test files by convention
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RepoFacts(
        long files,
        long bytes,
        List<Language> languages,
        License license,
        List<BuildSystem> buildSystem,
        List<Dependency> dependencies,
        int dependencyCount,
        List<EntryPoint> entryPoints,
        int entryPointCount,
        Tests tests) {

    public RepoFacts {
        languages = List.copyOf(languages);
        buildSystem = List.copyOf(buildSystem);
        dependencies = List.copyOf(dependencies);
        entryPoints = List.copyOf(entryPoints);
    }

    /** Lines (newline-terminated or final) and files of one language. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Language(String name, long files, long lines) {}

    /** The license: an SPDX id ("MIT") or expression ("MIT OR Apache-2.0"), and each piece of evidence. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record License(String spdx, List<Evidence> evidence) {
        public License {
            evidence = List.copyOf(evidence);
        }
    }

    /**
     * One place that names a license: a license file's text ("text"), a manifest's field
     * ("metadata"), or an SPDX-License-Identifier line ("spdx-tag"); the span is the file or the line.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Evidence(String spdx, String path, String source, long start, long end) {}

    /** A build system and its manifests (paths capped, count not). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record BuildSystem(String name, int manifests, List<String> paths) {
        public BuildSystem {
            paths = List.copyOf(paths);
        }
    }

    /**
     * One declared dependency: the ecosystem ("maven", "npm", "pypi", "cargo", "go"), its name as the
     * ecosystem writes it (groupId:artifactId for Maven), the version or requirement as declared
     * (null when none, e.g. managed by a parent POM), the scope ("compile", "test", "dev", ...) and
     * the manifest that declares it.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Dependency(String ecosystem, String name, String version, String scope, String path) {}

    /**
     * A way the code is started: kind ("java-main", "kotlin-main", "python-main", "go-main",
     * "shebang", "dockerfile", "npm-bin", "npm-main", "npm-start", "python-script", "cargo-bin"),
     * the file, its 1-based line (0 for a manifest entry), what it runs, and the line's span.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record EntryPoint(String kind, String path, long line, String detail, long start, long end) {}

    /**
     * Test files by convention (a test directory, or a test file name such as FooTest.java,
     * test_foo.py, foo_test.go, foo.spec.ts), their lines, the test cases their lines declare
     * (@Test, def test_, func Test, it(/test( calls), and the directories that hold them.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Tests(boolean present, long files, long lines, long cases, List<TestRoot> roots) {
        public Tests {
            roots = List.copyOf(roots);
        }
    }

    /** A directory of tests (the path up to its test directory, or a test file's folder) and its test files. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TestRoot(String path, long files) {}
}
