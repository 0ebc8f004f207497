/*
 * `longhaul eval repo DIR [--json]`: reads DIR as a REPO job's document is read (the ingest
 * client's repository source: .gitignore honoured, binaries, symlinks and .git skipped, files in
 * path order, each streamed in chunks) through the repository analyzer and prints its facts.
 * With --json, stdout is RepoFacts as one JSON object (files, bytes, languages, license,
 * build_system, dependencies, dependency_count, entry_points, entry_point_count, tests) plus
 * "skipped", the entries the walk left out. Nothing is scored: a repository carries no labels.
 * Exit 0; 2 when DIR is not a folder or holds no text file.
 */
package dev.longhaul.ops.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longhaul.ingest.DocumentPart;
import dev.longhaul.ingest.DocumentSource;
import dev.longhaul.pipeline.analyze.repo.RepoAnalyzer;
import dev.longhaul.pipeline.analyze.repo.RepoFacts;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "repo", mixinStandardHelpOptions = true,
        description = "Languages, license, build system, dependencies, entry points and tests of a repository folder.")
public final class EvalRepoCommand implements Callable<Integer> {
    /** The chunk size ingest sends (DocumentChunk's bound), so the analyzer sees what a worker sees. */
    private static final int CHUNK_BYTES = 512 * 1024;

    @Parameters(index = "0", paramLabel = "DIR", description = "The repository's root folder.")
    Path dir;

    @Option(names = "--json", description = "Print one JSON object instead of a report.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "not a folder: " + dir);
        }
        DocumentSource.Opened opened;
        try {
            opened = DocumentSource.repository(dir).open(Long.MAX_VALUE);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        RepoAnalyzer analyzer = new RepoAnalyzer();
        byte[] buffer = new byte[CHUNK_BYTES];
        for (DocumentPart part : opened.parts()) {
            try (InputStream in = part.open()) {
                int n;
                while ((n = in.readNBytes(buffer, 0, buffer.length)) > 0) {
                    analyzer.accept(part.path(), buffer, 0, n);
                }
            }
        }
        RepoFacts facts = analyzer.finish();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode report = mapper.valueToTree(facts);
            report.put("skipped", opened.skipped().size());
            out.println(mapper.writeValueAsString(report));
        } else {
            print(out, facts, opened.skipped().size());
        }
        out.flush();
        return 0;
    }

    private static void print(PrintWriter out, RepoFacts facts, int skipped) {
        out.printf("%d files, %d bytes (%d skipped)%n", facts.files(), facts.bytes(), skipped);
        out.println("languages:");
        facts.languages().forEach(l -> out.printf("  %-18s %8d lines %6d files%n", l.name(), l.lines(), l.files()));
        out.println("license: " + (facts.license() == null ? "none found" : facts.license().spdx() + " ("
                + facts.license().evidence().getFirst().path() + ", " + facts.license().evidence().getFirst().source() + ")"));
        out.println("build system:");
        facts.buildSystem().forEach(b -> out.printf("  %-12s %d manifests, e.g. %s%n", b.name(), b.manifests(), b.paths().getFirst()));
        out.printf("dependencies: %d%n", facts.dependencyCount());
        facts.dependencies().forEach(d -> out.printf("  %-6s %s %s (%s)%n", d.ecosystem(), d.name(),
                d.version() == null ? "" : d.version(), d.scope()));
        out.printf("entry points: %d%n", facts.entryPointCount());
        facts.entryPoints().forEach(e -> out.printf("  %-13s %s:%d %s%n", e.kind(), e.path(), e.line(), e.detail()));
        RepoFacts.Tests t = facts.tests();
        out.printf("tests: %d files, %d lines, ~%d cases%n", t.files(), t.lines(), t.cases());
        t.roots().forEach(r -> out.printf("  %s (%d files)%n", r.path(), r.files()));
    }
}
