/*
 * The language of a file from its name alone: exact file names first (Makefile, Dockerfile,
 * CMakeLists.txt), then the extension, case-insensitively. Deterministic and table-driven; a
 * file of no known language gets null and is left out of the language counts (it is still read
 * for manifests, licenses, entry points and tests). A file without extension that starts with a
 * shebang is classified by its interpreter (languageOfShebang).
 */
package dev.longhaul.pipeline.analyze.repo;

import java.util.Locale;
import java.util.Map;

final class Languages {
    private static final Map<String, String> BY_NAME = Map.ofEntries(
            Map.entry("makefile", "Makefile"), Map.entry("gnumakefile", "Makefile"),
            Map.entry("dockerfile", "Dockerfile"), Map.entry("containerfile", "Dockerfile"),
            Map.entry("cmakelists.txt", "CMake"), Map.entry("jenkinsfile", "Groovy"),
            Map.entry("gemfile", "Ruby"), Map.entry("rakefile", "Ruby"), Map.entry("build", "Starlark"),
            Map.entry("workspace", "Starlark"), Map.entry("mvnw", "Shell"), Map.entry("gradlew", "Shell"));

    private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
            Map.entry("java", "Java"), Map.entry("kt", "Kotlin"), Map.entry("kts", "Kotlin"),
            Map.entry("scala", "Scala"), Map.entry("groovy", "Groovy"), Map.entry("gradle", "Groovy"),
            Map.entry("clj", "Clojure"), Map.entry("py", "Python"), Map.entry("pyi", "Python"),
            Map.entry("js", "JavaScript"), Map.entry("mjs", "JavaScript"), Map.entry("cjs", "JavaScript"),
            Map.entry("jsx", "JavaScript"), Map.entry("ts", "TypeScript"), Map.entry("tsx", "TypeScript"),
            Map.entry("mts", "TypeScript"), Map.entry("cts", "TypeScript"), Map.entry("go", "Go"),
            Map.entry("rs", "Rust"), Map.entry("c", "C"), Map.entry("h", "C"), Map.entry("cc", "C++"),
            Map.entry("cpp", "C++"), Map.entry("cxx", "C++"), Map.entry("hpp", "C++"), Map.entry("hh", "C++"),
            Map.entry("hxx", "C++"), Map.entry("cu", "CUDA"), Map.entry("cuh", "CUDA"), Map.entry("cs", "C#"),
            Map.entry("fs", "F#"), Map.entry("swift", "Swift"), Map.entry("m", "Objective-C"),
            Map.entry("rb", "Ruby"), Map.entry("php", "PHP"), Map.entry("pl", "Perl"), Map.entry("pm", "Perl"),
            Map.entry("lua", "Lua"), Map.entry("r", "R"), Map.entry("jl", "Julia"), Map.entry("dart", "Dart"),
            Map.entry("ex", "Elixir"), Map.entry("exs", "Elixir"), Map.entry("erl", "Erlang"),
            Map.entry("hs", "Haskell"), Map.entry("ml", "OCaml"), Map.entry("zig", "Zig"),
            Map.entry("sh", "Shell"), Map.entry("bash", "Shell"), Map.entry("zsh", "Shell"),
            Map.entry("ps1", "PowerShell"), Map.entry("bat", "Batchfile"), Map.entry("cmd", "Batchfile"),
            Map.entry("sql", "SQL"), Map.entry("xml", "XML"), Map.entry("xsd", "XML"), Map.entry("pom", "XML"),
            Map.entry("yaml", "YAML"), Map.entry("yml", "YAML"), Map.entry("json", "JSON"),
            Map.entry("avsc", "JSON"), Map.entry("toml", "TOML"), Map.entry("ini", "INI"),
            Map.entry("properties", "Properties"), Map.entry("md", "Markdown"), Map.entry("markdown", "Markdown"),
            Map.entry("rst", "reStructuredText"), Map.entry("adoc", "AsciiDoc"), Map.entry("txt", "Text"),
            Map.entry("html", "HTML"), Map.entry("htm", "HTML"), Map.entry("css", "CSS"), Map.entry("scss", "SCSS"),
            Map.entry("vue", "Vue"), Map.entry("svelte", "Svelte"), Map.entry("proto", "Protocol Buffers"),
            Map.entry("cmake", "CMake"), Map.entry("mk", "Makefile"), Map.entry("dockerfile", "Dockerfile"),
            Map.entry("bzl", "Starlark"), Map.entry("tf", "HCL"), Map.entry("hcl", "HCL"), Map.entry("nix", "Nix"),
            Map.entry("ptx", "PTX"), Map.entry("csv", "CSV"), Map.entry("tex", "TeX"));

    private static final Map<String, String> BY_INTERPRETER = Map.of(
            "sh", "Shell", "bash", "Shell", "zsh", "Shell", "dash", "Shell", "python", "Python", "python3", "Python",
            "node", "JavaScript", "ruby", "Ruby", "perl", "Perl", "java", "Java");

    private Languages() {}

    /** The language of {@code path} ('/'-separated), or null. */
    static String of(String path) {
        String name = fileName(path).toLowerCase(Locale.ROOT);
        String byName = BY_NAME.get(name);
        if (byName != null) {
            return byName;
        }
        if (name.startsWith("dockerfile.") || name.startsWith("containerfile.")) {
            return "Dockerfile";
        }
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? null : BY_EXTENSION.get(name.substring(dot + 1));
    }

    /** The language a shebang line's interpreter names ("#!/usr/bin/env python3"), or null. */
    static String ofShebang(String interpreter) {
        return interpreter == null ? null : BY_INTERPRETER.get(interpreter);
    }

    /** The interpreter of a shebang line: the program, or env's argument, without version suffix digits kept. */
    static String interpreter(String shebang) {
        String[] words = shebang.substring(2).trim().split("\\s+");
        if (words.length == 0 || words[0].isEmpty()) {
            return null;
        }
        String program = fileName(words[0]);
        if (program.equals("env")) {
            int i = 1;
            while (i < words.length && words[i].startsWith("-")) {
                i++;
            }
            program = i < words.length ? fileName(words[i]) : null;
        }
        return program;
    }

    static String fileName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
