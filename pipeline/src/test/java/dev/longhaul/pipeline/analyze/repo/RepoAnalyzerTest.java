/*
 * The repository analyzer on small trees written here: languages and lines, licenses from text
 * and metadata, build systems, dependencies of each manifest format, entry points with spans that
 * point at their lines, tests, and the same facts however the stream is chunked.
 */
package dev.longhaul.pipeline.analyze.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

class RepoAnalyzerTest {
    private static final String MIT = """
            MIT License

            Copyright (c) 2024 Someone

            Permission is hereby granted, free of charge, to any person obtaining a copy
            of this software and associated documentation files (the "Software"), to deal
            in the Software without restriction...

            The above copyright notice and this permission notice shall be included in all
            copies or substantial portions of the Software.
            """;

    private static final String POM = """
            <project xmlns="http://maven.apache.org/POM/4.0.0">
              <groupId>org.example</groupId><artifactId>app</artifactId><version>1.2.0</version>
              <properties><jackson.version>2.17.0</jackson.version></properties>
              <licenses><license><name>The Apache Software License, Version 2.0</name></license></licenses>
              <dependencyManagement><dependencies><dependency><groupId>x</groupId><artifactId>managed</artifactId>
                <version>9</version></dependency></dependencies></dependencyManagement>
              <dependencies>
                <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId>
                  <version>${jackson.version}</version></dependency>
                <dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId><scope>test</scope></dependency>
              </dependencies>
            </project>
            """;

    private static final String MAIN = """
            package org.example;

            public final class App {
                public static void main(String[] args) {
                    System.out.println("hi");
                }
            }
            """;

    /** A small Maven project with an MIT LICENSE file, a script and a test. */
    private static Map<String, String> mavenTree() {
        Map<String, String> files = new TreeMap<>();
        files.put("LICENSE", MIT);
        files.put("pom.xml", POM);
        files.put("src/main/java/org/example/App.java", MAIN);
        files.put("src/test/java/org/example/AppTest.java", "class AppTest {\n    @Test\n    void runs() {}\n\n    @Test\n    void stops() {}\n}\n");
        files.put("scripts/run", "#!/usr/bin/env bash\nexec java -jar app.jar \"$@\"\n");
        files.put("README.md", "# App\n\nNo trailing newline");
        files.put("Dockerfile", "FROM eclipse-temurin:21\nCOPY app.jar /app.jar\nENTRYPOINT [\"java\", \"-jar\", \"/app.jar\"]\n");
        return files;
    }

    @Test
    void aMavenProjectsFacts() {
        // given a small Maven project, when analyzed
        Map<String, String> files = mavenTree();
        RepoFacts facts = analyze(files, Integer.MAX_VALUE);
        // then languages count lines, a final line without newline included
        Map<String, RepoFacts.Language> langs = new TreeMap<>();
        facts.languages().forEach(l -> langs.put(l.name(), l));
        assertEquals(7 + 7, langs.get("Java").lines(), "App.java and AppTest.java");
        assertEquals(3, langs.get("Markdown").lines());
        assertEquals(2, langs.get("Shell").lines(), "an extensionless script is classified by its shebang");
        assertEquals(2, langs.get("Java").files());
        // the LICENSE text wins over the POM's field, both are evidence
        assertEquals("MIT", facts.license().spdx());
        assertEquals(List.of("LICENSE:MIT:text", "pom.xml:Apache-2.0:metadata"), facts.license().evidence().stream()
                .map(e -> e.path() + ":" + e.spdx() + ":" + e.source()).toList());
        assertEquals("Maven", facts.buildSystem().getFirst().name());
        // direct dependencies only, the property resolved, an unmanaged version null
        assertEquals(List.of("com.fasterxml.jackson.core:jackson-databind:2.17.0:compile", "org.junit.jupiter:junit-jupiter:null:test"),
                facts.dependencies().stream().map(d -> d.name() + ":" + d.version() + ":" + d.scope()).toList());
        // entry points, each span covering its line in the stream
        String stream = concatenated(files);
        List<String> kinds = facts.entryPoints().stream().map(RepoFacts.EntryPoint::kind).toList();
        assertEquals(List.of("dockerfile", "shebang", "java-main"), kinds);
        for (RepoFacts.EntryPoint e : facts.entryPoints()) {
            String line = stream.substring((int) e.start(), (int) e.end());
            assertTrue(line.contains(e.kind().equals("shebang") ? "#!/usr/bin/env bash" : e.detail()), e + " -> " + line);
        }
        assertEquals(4, facts.entryPoints().get(2).line());
        // tests by convention, with cases
        assertTrue(facts.tests().present());
        assertEquals(1, facts.tests().files());
        assertEquals(2, facts.tests().cases());
        assertEquals("src/test", facts.tests().roots().getFirst().path());
    }

    @Test
    void chunkingDoesNotChangeTheFacts() {
        Map<String, String> files = mavenTree();
        RepoFacts whole = analyze(files, Integer.MAX_VALUE);
        for (int size : new int[] {1, 3, 7, 64}) {
            assertEquals(whole, analyze(files, size), "chunks of " + size);
        }
    }

    @Test
    void npmPythonCargoAndGoManifests() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("cli/package.json", """
                {"name": "tool", "license": "ISC", "bin": {"tool": "bin/tool.js"}, "main": "index.js",
                 "scripts": {"start": "node index.js"},
                 "dependencies": {"left-pad": "^1.3.0"}, "devDependencies": {"jest": "29.7.0"}}
                """);
        files.put("cli/src/util.test.ts", "test('adds', () => {});\nit(\"subtracts\", () => {});\n");
        files.put("py/pyproject.toml", """
                [build-system]
                build-backend = "hatchling.build"

                [project]
                name = "thing"
                license = {text = "BSD-3-Clause"}
                dependencies = [
                  "requests>=2.31",  # http
                  "numpy[extra] ==1.26; python_version > '3.9'",
                ]

                [project.scripts]
                thing = "thing.cli:main"
                """);
        files.put("py/requirements-dev.txt", "# tools\npytest==8.0\n-r requirements.txt\nblack\n");
        files.put("py/thing/cli.py", "def main():\n    pass\n\nif __name__ == \"__main__\":\n    main()\n");
        files.put("py/tests/test_cli.py", "def test_main():\n    assert True\n");
        files.put("rs/Cargo.toml", """
                [package]
                name = "rs"
                license = "MIT OR Apache-2.0"

                [dependencies]
                serde = { version = "1.0", features = ["derive"] }
                anyhow = "1"

                [dev-dependencies]
                proptest = "1.4"
                """);
        files.put("go/go.mod", "module example.com/x\n\ngo 1.22\n\nrequire (\n\tgithub.com/pkg/errors v0.9.1\n\tgolang.org/x/sys v0.1.0 // indirect\n)\n");
        files.put("go/main.go", "package main\n\nfunc main() {\n}\n");
        RepoFacts facts = analyze(files, 5);
        List<String> deps = facts.dependencies().stream()
                .map(d -> d.ecosystem() + " " + d.name() + " " + d.version() + " " + d.scope()).toList();
        assertEquals(List.of(
                "npm left-pad ^1.3.0 runtime", "npm jest 29.7.0 dev",
                "pypi requests >=2.31 runtime", "pypi numpy ==1.26 runtime",
                "pypi pytest ==8.0 runtime", "pypi black null runtime",
                "cargo serde 1.0 runtime", "cargo anyhow 1 runtime", "cargo proptest 1.4 dev",
                "go github.com/pkg/errors v0.9.1 direct", "go golang.org/x/sys v0.1.0 indirect"), deps);
        assertEquals(List.of("Cargo", "Go modules", "Hatch", "npm", "pip"),
                facts.buildSystem().stream().map(RepoFacts.BuildSystem::name).sorted().toList());
        List<String> entries = facts.entryPoints().stream().map(e -> e.kind() + " " + e.detail()).toList();
        assertTrue(entries.contains("npm-bin tool: bin/tool.js"), entries.toString());
        assertTrue(entries.contains("npm-start node index.js"), entries.toString());
        assertTrue(entries.contains("python-script thing: thing.cli:main"), entries.toString());
        assertTrue(entries.contains("python-main if __name__ == \"__main__\":"), entries.toString());
        assertTrue(entries.contains("go-main func main() {"), entries.toString());
        // licenses below the root, all from metadata: listed in path order
        assertEquals(List.of("ISC", "BSD-3-Clause", "MIT OR Apache-2.0"),
                facts.license().evidence().stream().map(RepoFacts.Evidence::spdx).toList());
        assertNull(facts.license().spdx(), "no license at the root: the packages' own licenses are not the repository's");
        assertEquals(2, facts.tests().files());
        assertEquals(3, facts.tests().cases());
    }

    /** Vendored licenses sorted before the root's LICENSE fill the evidence list: the root's still names the license. */
    @Test
    void theRootLicenseNamesItEvenAfterAListFullOfVendoredOnes() {
        Map<String, String> files = new TreeMap<>();
        for (int i = 0; i <= RepoAnalyzer.MAX_LISTED; i++) {
            files.put(String.format("External/lib%02d/LICENSE", i), MIT);
        }
        files.put("LICENSE", "                                 Apache License\n                           Version 2.0, January 2004\n"
                + "                        http://www.apache.org/licenses/\n");
        RepoFacts facts = analyze(files, Integer.MAX_VALUE);
        assertEquals("Apache-2.0", facts.license().spdx());
        assertEquals(RepoAnalyzer.MAX_LISTED, facts.license().evidence().size());
        assertEquals("LICENSE", facts.license().evidence().getFirst().path());
    }

    @Test
    void licenseTextsByTheirPhrases() {
        assertEquals("Apache-2.0", Licenses.ofText("Apache License\n Version 2.0, January 2004\n http://www.apache.org/licenses/"));
        assertEquals("GPL-3.0", Licenses.ofText("GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007"));
        assertEquals("GPL-2.0", Licenses.ofText("GNU GENERAL PUBLIC LICENSE\nVersion 2, June 1991"));
        assertEquals("LGPL-2.1", Licenses.ofText("GNU LESSER GENERAL PUBLIC LICENSE\nVersion 2.1, February 1999"));
        assertEquals("MPL-2.0", Licenses.ofText("Mozilla Public License Version 2.0\n=================================="));
        assertEquals("EPL-2.0", Licenses.ofText("Eclipse Public License - v 2.0\n\nTHE ACCOMPANYING PROGRAM"));
        assertEquals("Unlicense", Licenses.ofText("This is free and unencumbered software released into the public domain."));
        assertEquals("ISC", Licenses.ofText("Permission to use, copy, modify, and/or distribute this software for any purpose with or without"
                + " fee is hereby granted, provided that the above copyright notice and this permission notice appear in all copies."));
        assertEquals("BSD-3-Clause", Licenses.ofText("Redistribution and use in source and binary forms, with or without modification,"
                + " are permitted... 3. Neither the name of the copyright holder nor the names of its contributors may be used"));
        assertEquals("BSD-2-Clause", Licenses.ofText("Redistribution and use in source and binary forms, with or without modification,"
                + " are permitted provided that the following conditions are met:"));
        assertNull(Licenses.ofText("All rights reserved."));
        assertEquals("Apache-2.0", Licenses.ofMetadata("https://www.apache.org/licenses/LICENSE-2.0.txt"));
        assertEquals("MIT", Licenses.ofMetadata("The MIT License"));
        assertEquals("EPL-2.0", Licenses.ofMetadata("Eclipse Public License v2.0"));
        assertEquals("MIT OR Apache-2.0", Licenses.ofMetadata("MIT OR Apache-2.0"));
    }

    @Test
    void noLicenseAndABrokenManifestAreFacts() {
        Map<String, String> files = new TreeMap<>();
        files.put("package.json", "{ not json");
        files.put("a.py", "print(1)\n");
        RepoFacts facts = analyze(files, 4);
        assertNull(facts.license());
        assertEquals("npm", facts.buildSystem().getFirst().name());
        assertTrue(facts.dependencies().isEmpty());
        assertTrue(!facts.tests().present());
    }

    @Test
    void anSpdxTagAboveALicenseTextAndManifestsWithLongStringsOrHeaders() {
        assertEquals("Apache-2.0", Licenses.ofText("SPDX-License-Identifier: Apache-2.0\n\nCopyright 2026 Someone\n"));
        // a long string with escapes, and a header line of 30,000 spaces, each once overflowed the
        // regex's stack or took seconds; the manifest still gives its facts
        Map<String, String> files = new TreeMap<>();
        files.put("pyproject.toml", "[project]\nname = \"x\"\nlicense = { text = \"" + "MIT \\\"quoted\\\" ".repeat(2000) + "\" }\n"
                + "dependencies = [\"requests>=2\"]\n[a" + " ".repeat(30_000) + "b\n");
        RepoFacts facts = analyze(files, 4096);
        assertEquals("pyproject", facts.buildSystem().getFirst().name());
        assertEquals(List.of("requests"), facts.dependencies().stream().map(RepoFacts.Dependency::name).toList());
    }

    @Test
    void aSetupPyGivesItsRequirementsAndAMegabyteOfUnclosedListsIsReadOnce() {
        Map<String, String> files = new TreeMap<>();
        files.put("setup.py", "from setuptools import setup\nsetup(name='x', install_requires=[\n    'requests>=2',\n    \"click\",\n])\n");
        assertEquals(List.of("requests", "click"), analyze(files, 4096).dependencies().stream().map(RepoFacts.Dependency::name).toList());
        // a lazy pattern once tried each of these 58,000 openings against the rest of the file (minutes)
        files.put("setup.py", "install_requires=[".repeat(58_000));
        RepoFacts facts = analyze(files, 4096);
        assertEquals("setuptools", facts.buildSystem().getFirst().name());
        assertTrue(facts.dependencies().isEmpty(), facts.dependencies().toString());
    }

    @Test
    void tomlArrayStringsAreReadInOnePass() {
        assertEquals(List.of("a", "b", "c\\\"d", "e'f"), TomlManifests.strings("[\"a\", 'b', \"c\\\"d\", \"e'f\"]"));
        assertEquals(List.of("a"), TomlManifests.strings("[\"a\", \"unterminated, 'x']"), "an unterminated string ends the array");
        // an unterminated string of escaped quotes: find() from each of its quotes scanned to the end
        String crafted = "[\"" + "\\\"".repeat(200_000);
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
            for (int k = 0; k < 20; k++) {
                assertEquals(List.of(), TomlManifests.strings(crafted));
            }
        });
    }

    @Test
    void spdxTagsAreReadInAnyCommentAndALongRunOfSpacesAfterOneIsReadOnce() {
        assertEquals("MIT", Licenses.spdxTag("// SPDX-License-Identifier: MIT\nint x;"));
        assertEquals("Apache-2.0 OR MIT", Licenses.spdxTag("/* SPDX-License-Identifier: Apache-2.0 OR MIT */"));
        assertEquals("GPL-2.0-only", Licenses.spdxTag("<!-- SPDX-License-Identifier: GPL-2.0-only -->\r\n<p>"));
        // a first tag that is no expression (a character outside SPDX's) is passed over for the next
        assertEquals("BSD-3-Clause", Licenses.spdxTag("SPDX-License-Identifier: see <LICENSE>\nSPDX-License-Identifier: BSD-3-Clause\n"));
        assertNull(Licenses.spdxTag("SPDX-License-Identifier:   \n"));
        assertEquals("MIT", Licenses.ofText("SPDX-License-Identifier: MIT\n"));
        // this line took the old lazy pattern about 47 s (quadratic in the run of spaces); it is
        // read once now. The bound only catches a return to quadratic time, with a hundredfold slack.
        String crafted = "SPDX-License-Identifier: a" + " ".repeat(64_000) + "!";
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
            assertNull(Licenses.spdxTag(crafted));
            Licenses.ofText(crafted);
        });
        // license files by name, but not source files whose names start so
        for (String yes : List.of("LICENSE", "LICENSE.md", "licence.txt", "COPYING", "COPYING.LESSER", "LICENSE-MIT",
                "LICENSE_APACHE-2.0.txt", "UNLICENSE", "a/b/License.rst")) {
            assertTrue(Licenses.isLicenseFile(yes), yes);
        }
        for (String no : List.of("Licenses.java", "LicenseManager.ts", "licenses.js", "license.py", "license-check.sh",
                "licensing.md", "LICENSE.json")) {
            assertTrue(!Licenses.isLicenseFile(no), no);
        }
        // "Simplified" holds "mpl" but names no Mozilla license
        assertEquals("BSD-2-Clause", Licenses.ofMetadata("BSD 2-Clause \"Simplified\" License"));
        assertEquals("MPL-2.0", Licenses.ofMetadata("MPL 2.0"));
    }

    @Test
    void cargoDependenciesWrittenAsDottedKeysOrTablesAreOneDependencyEach() {
        Map<String, String> files = new TreeMap<>();
        files.put("Cargo.toml", """
                [package]
                name = "x"

                [dependencies]
                serde.workspace = true
                serde.features = ["derive"]
                "serde_json".workspace = true
                anyhow = "1"

                [dependencies.tokio]
                version = "1.38"
                features = ["full"]

                [target.'cfg(unix)'.dependencies.nix]
                version = "0.27"

                [dev-dependencies.proptest]
                version = "1.4"

                [dependencies.local]
                path = "../local"
                """);
        List<String> deps = analyze(files, 16).dependencies().stream()
                .map(d -> d.name() + " " + d.version() + " " + d.scope()).toList();
        assertEquals(List.of("serde null runtime", "serde_json null runtime", "anyhow 1 runtime", "tokio 1.38 runtime",
                "nix 0.27 runtime", "proptest 1.4 dev", "local path:../local runtime"), deps);
    }

    @Test
    void manifestsSavedWithAByteOrderMarkGiveTheirFacts() {
        Map<String, String> files = new TreeMap<>();
        files.put("package.json", "\uFEFF{\"name\": \"tool\", \"license\": \"ISC\", \"dependencies\": {\"left-pad\": \"^1.3.0\"}}");
        files.put("py/pyproject.toml", "\uFEFF[project]\nname = \"thing\"\ndependencies = [\"requests>=2\"]\n");
        RepoFacts facts = analyze(files, 7);
        assertEquals(List.of("left-pad", "requests"), facts.dependencies().stream().map(RepoFacts.Dependency::name).sorted().toList());
        assertEquals("ISC", facts.license().spdx());
    }

    /** Feeds the files in map order, each cut into chunks of at most {@code chunk} bytes. */
    static RepoFacts analyze(Map<String, String> files, int chunk) {
        RepoAnalyzer analyzer = new RepoAnalyzer();
        for (Map.Entry<String, String> f : files.entrySet()) {
            byte[] bytes = f.getValue().getBytes(StandardCharsets.UTF_8);
            for (int from = 0; from < bytes.length; from += chunk) {
                analyzer.accept(f.getKey(), bytes, from, Math.min(chunk, bytes.length - from));
            }
        }
        return analyzer.finish();
    }

    static String concatenated(Map<String, String> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        files.values().forEach(v -> out.writeBytes(v.getBytes(StandardCharsets.UTF_8)));
        return out.toString(StandardCharsets.UTF_8);
    }
}
