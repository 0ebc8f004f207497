/*
 * Build manifests: which file names a build system owns, and what a manifest declares
 * (dependencies, a license field, entry points). Parsing is forgiving and local: a manifest that
 * does not parse contributes its build system and nothing else, never an exception, because a
 * repository's broken file must not fail the job that reads it. Maven POMs are read by MavenPom,
 * TOML manifests (Cargo.toml, pyproject.toml) by TomlManifests; the rest here.
 */
package dev.longhaul.pipeline.analyze.repo;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.pipeline.analyze.repo.RepoFacts.Dependency;

final class Manifests {
    /** What one manifest declares; buildSystem is never null for a manifest. */
    record Parsed(String buildSystem, List<Dependency> dependencies, String license, List<Entry> entries) {
        static Parsed only(String buildSystem) {
            return new Parsed(buildSystem, List.of(), null, List.of());
        }
    }

    /** An entry point a manifest declares: kind and what it runs. */
    record Entry(String kind, String detail) {}

    private static final Map<String, String> BUILD_SYSTEMS = Map.ofEntries(
            Map.entry("pom.xml", "Maven"), Map.entry("build.gradle", "Gradle"), Map.entry("build.gradle.kts", "Gradle"),
            Map.entry("settings.gradle", "Gradle"), Map.entry("settings.gradle.kts", "Gradle"),
            Map.entry("package.json", "npm"), Map.entry("yarn.lock", "Yarn"), Map.entry("pnpm-lock.yaml", "pnpm"),
            Map.entry("cargo.toml", "Cargo"), Map.entry("go.mod", "Go modules"), Map.entry("pyproject.toml", "pyproject"),
            Map.entry("setup.py", "setuptools"), Map.entry("setup.cfg", "setuptools"), Map.entry("pipfile", "Pipenv"),
            Map.entry("makefile", "Make"), Map.entry("gnumakefile", "Make"), Map.entry("cmakelists.txt", "CMake"),
            Map.entry("meson.build", "Meson"), Map.entry("build.xml", "Ant"), Map.entry("build.sbt", "sbt"),
            Map.entry("workspace", "Bazel"), Map.entry("workspace.bazel", "Bazel"), Map.entry("module.bazel", "Bazel"),
            Map.entry("gemfile", "Bundler"), Map.entry("composer.json", "Composer"), Map.entry("mix.exs", "Mix"),
            Map.entry("stack.yaml", "Stack"), Map.entry("deno.json", "Deno"));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern REQUIREMENT = Pattern.compile("^([A-Za-z0-9][A-Za-z0-9._-]*)\\s*(\\[[^]]*])?\\s*(.*)$");
    private static final Pattern GO_REQUIRE = Pattern.compile("^([^\\s]+)\\s+([^\\s]+)(\\s*//\\s*indirect)?");
    private static final Pattern GRADLE_DEPENDENCY = Pattern.compile(
            "^\\s*(implementation|api|compileOnly|runtimeOnly|testImplementation|testRuntimeOnly|testCompileOnly"
                    + "|annotationProcessor|kapt|ksp|compile|testCompile)\\s*\\(?\\s*[\"']([^\"':\\s]+):([^\"':\\s]+)(?::([^\"'\\s]+))?[\"']");
    private static final Pattern SETUP_REQUIRES = Pattern.compile("install_requires\\s*=\\s*\\[");
    private static final Pattern QUOTED = Pattern.compile("[\"']([^\"']+)[\"']");

    private Manifests() {}

    /** The build system whose manifest {@code path} is, or null when it is no manifest. */
    static String buildSystem(String path) {
        String name = Languages.fileName(path).toLowerCase(Locale.ROOT);
        String known = BUILD_SYSTEMS.get(name);
        if (known != null) {
            return known;
        }
        if (isRequirements(name)) {
            return "pip";
        }
        return name.endsWith(".csproj") || name.endsWith(".sln") ? "MSBuild" : null;
    }

    private static boolean isRequirements(String name) {
        return name.startsWith("requirements") && name.endsWith(".txt");
    }

    /** Parses the manifest {@code path} (whose build system is known) from its whole text. */
    static Parsed parse(String path, String withBom) {
        // a manifest saved with a byte order mark (Windows editors do; npm strips it) is read
        // without it: XML and JSON parsers refuse it, and it hides a TOML file's first header
        String text = withBom.startsWith("\uFEFF") ? withBom.substring(1) : withBom;
        String name = Languages.fileName(path).toLowerCase(Locale.ROOT);
        String system = buildSystem(path);
        try {
            return switch (name) {
                case "pom.xml" -> MavenPom.parse(path, text);
                case "package.json" -> packageJson(path, text);
                case "cargo.toml" -> TomlManifests.cargo(path, text);
                case "pyproject.toml" -> TomlManifests.pyproject(path, text);
                case "go.mod" -> goMod(path, text);
                case "setup.py" -> setupPy(path, text);
                case "build.gradle", "build.gradle.kts" -> gradle(path, text);
                default -> isRequirements(name) ? requirements(path, text, "pip") : Parsed.only(system);
            };
        } catch (RuntimeException | StackOverflowError malformed) {
            // A broken manifest still says which build system the repository uses; so does one a
            // pattern of some parser cannot take (java.util.regex recurses per repetition).
            return Parsed.only(system);
        }
    }

    private static Parsed packageJson(String path, String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (java.io.IOException e) {
            return Parsed.only("npm");
        }
        if (root == null || !root.isObject()) {
            return Parsed.only("npm");
        }
        List<Dependency> deps = new ArrayList<>();
        for (String[] section : new String[][] {{"dependencies", "runtime"}, {"devDependencies", "dev"},
                {"peerDependencies", "peer"}, {"optionalDependencies", "optional"}}) {
            JsonNode node = root.path(section[0]);
            for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                deps.add(new Dependency("npm", e.getKey(), e.getValue().asText(null), section[1], path));
            }
        }
        JsonNode license = root.path("license");
        String licenseText = license.isTextual() ? license.asText() : license.path("type").asText(null);
        if (licenseText == null && root.path("licenses").isArray() && !root.path("licenses").isEmpty()) {
            licenseText = root.path("licenses").get(0).path("type").asText(null);
        }
        List<Entry> entries = new ArrayList<>();
        JsonNode bin = root.path("bin");
        if (bin.isTextual()) {
            entries.add(new Entry("npm-bin", bin.asText()));
        } else if (bin.isObject()) {
            bin.properties().forEach(e -> entries.add(new Entry("npm-bin", e.getKey() + ": " + e.getValue().asText())));
        }
        if (root.path("main").isTextual()) {
            entries.add(new Entry("npm-main", root.path("main").asText()));
        }
        if (root.path("scripts").path("start").isTextual()) {
            entries.add(new Entry("npm-start", root.path("scripts").path("start").asText()));
        }
        return new Parsed("npm", deps, licenseText, entries);
    }

    /** requirements.txt lines, or PEP 508 strings from pyproject/setup.py: name, extras, then the version spec. */
    static Parsed requirements(String path, String text, String system) {
        List<Dependency> deps = new ArrayList<>();
        for (String raw : text.split("\n")) {
            Dependency d = requirement(raw, "runtime", path);
            if (d != null) {
                deps.add(d);
            }
        }
        return new Parsed(system, deps, null, List.of());
    }

    static Dependency requirement(String raw, String scope, String path) {
        String line = raw.strip();
        int comment = line.indexOf(" #");
        line = comment >= 0 ? line.substring(0, comment) : line;
        if (line.isEmpty() || line.startsWith("#") || line.startsWith("-")) {
            return null;
        }
        int marker = line.indexOf(';');
        line = marker >= 0 ? line.substring(0, marker).strip() : line;
        Matcher m = REQUIREMENT.matcher(line);
        if (!m.matches()) {
            return null;
        }
        String version = m.group(3).strip();
        return new Dependency("pypi", m.group(1), version.isEmpty() ? null : version, scope, path);
    }

    private static Parsed goMod(String path, String text) {
        List<Dependency> deps = new ArrayList<>();
        boolean block = false;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (block && line.startsWith(")")) {
                block = false;
            } else if (line.startsWith("require (")) {
                block = true;
            } else if (block || line.startsWith("require ")) {
                Matcher m = GO_REQUIRE.matcher(block ? line : line.substring("require ".length()).strip());
                if (m.find() && !m.group(1).startsWith("//")) {
                    deps.add(new Dependency("go", m.group(1), m.group(2), m.group(3) == null ? "direct" : "indirect", path));
                }
            }
        }
        return new Parsed("Go modules", deps, null, List.of());
    }

    private static Parsed setupPy(String path, String text) {
        List<Dependency> deps = new ArrayList<>();
        // the list runs from the first opening to the next ']'; found by hand, since a lazy regex
        // tried every opening against the rest of the file (minutes for a megabyte of openings)
        Matcher open = SETUP_REQUIRES.matcher(text);
        int close = open.find() ? text.indexOf(']', open.end()) : -1;
        if (close >= 0) {
            Matcher q = QUOTED.matcher(text.substring(open.end(), close));
            while (q.find()) {
                Dependency d = requirement(q.group(1), "runtime", path);
                if (d != null) {
                    deps.add(d);
                }
            }
        }
        Matcher license = Pattern.compile("\\blicense\\s*=\\s*[\"']([^\"']+)[\"']").matcher(text);
        return new Parsed("setuptools", deps, license.find() ? license.group(1) : null, List.of());
    }

    private static Parsed gradle(String path, String text) {
        List<Dependency> deps = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = GRADLE_DEPENDENCY.matcher(line);
            if (m.find()) {
                deps.add(new Dependency("maven", m.group(2) + ":" + m.group(3), m.group(4), m.group(1), path));
            }
        }
        return new Parsed("Gradle", deps, null, List.of());
    }
}
