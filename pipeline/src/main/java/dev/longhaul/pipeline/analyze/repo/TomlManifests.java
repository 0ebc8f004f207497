/*
 * Cargo.toml and pyproject.toml, read with the small subset of TOML manifests use: [table] and
 * [[array-of-tables]] headers, key = value lines whose value is a string, an inline table
 * ({ version = "1" }) or an array of strings that may run over several lines. Anything else is
 * skipped, not rejected. Cargo: [dependencies], [dev-dependencies], [build-dependencies] (also
 * under [target.*]), [package] license, [[bin]]. pyproject: [project] dependencies, license and
 * [project.scripts]; [project.optional-dependencies]; Poetry's [tool.poetry.*dependencies].
 */
package dev.longhaul.pipeline.analyze.repo;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.longhaul.pipeline.analyze.repo.RepoFacts.Dependency;

final class TomlManifests {
    /** One key = value under a table; value is raw TOML text (quotes kept). */
    private record Pair(String table, String key, String value) {}

    // possessive and without a lazy group before \\s*, so that a long line costs linear time and
    // no stack (a backtracking repetition per character overflows it at a few thousand)
    private static final Pattern HEADER = Pattern.compile("^\\[\\[?\\s*+([^]]*[^]\\s])\\s*+]]?\\s*(#.*)?$");
    private static final Pattern KEY_VALUE = Pattern.compile("^([A-Za-z0-9_.\"'-]+)\\s*=\\s*(.*)$");
    private static final Pattern STRING = Pattern.compile("\"((?:[^\"\\\\]++|\\\\.)*+)\"|'([^']*+)'");

    private TomlManifests() {}

    /** A dependency table, [dependencies] or one crate's [dependencies.NAME] (also dev- and build-). */
    private static final Pattern DEPENDENCY_TABLE = Pattern.compile("((?:dev-|build-)?dependencies)(?:\\.(.+))?");

    static Manifests.Parsed cargo(String path, String text) {
        // one entry per scope and crate: `serde.version = "1"` and `serde.features = [...]`, or the
        // keys of a [dependencies.serde] table, are one dependency
        java.util.Map<String, Dependency> deps = new java.util.LinkedHashMap<>();
        String license = null;
        List<Manifests.Entry> entries = new ArrayList<>();
        for (Pair p : pairs(text)) {
            String section = p.table.replaceFirst("^target\\..*?\\.(?=(dev-|build-)?dependencies(\\..*)?$)", "");
            Matcher table = DEPENDENCY_TABLE.matcher(section);
            if (table.matches()) {
                String scope = table.group(1).equals("dependencies") ? "runtime" : table.group(1).replace("-dependencies", "");
                String name;
                String version;
                // the dot after the crate's name: after its closing quote when the name is quoted ("serde".workspace)
                int close = p.key.startsWith("\"") || p.key.startsWith("'") ? p.key.indexOf(p.key.charAt(0), 1) : -1;
                int dot = p.key.startsWith("\"") || p.key.startsWith("'")
                        ? (close > 0 && close + 1 < p.key.length() && p.key.charAt(close + 1) == '.' ? close + 1 : -1)
                        : p.key.indexOf('.');
                if (table.group(2) != null) { // [dependencies.tokio] version = "1"
                    name = unquote(table.group(2));
                    version = source(p.key, p.value);
                } else if (dot > 0) { // serde.workspace = true, serde.version = "1"
                    name = unquote(p.key.substring(0, dot));
                    version = source(p.key.substring(dot + 1), p.value);
                } else {
                    name = unquote(p.key);
                    version = cargoVersion(p.value);
                }
                Dependency d = new Dependency("cargo", name, version, scope, path);
                deps.merge(scope + "\0" + name, d, (had, now) -> had.version() == null && now.version() != null ? now : had);
                continue;
            }
            switch (section) {
                case "package" -> license = p.key.equals("license") ? string(p.value) : license;
                case "bin" -> {
                    if (p.key.equals("name")) {
                        entries.add(new Manifests.Entry("cargo-bin", string(p.value)));
                    }
                }
                default -> { }
            }
        }
        return new Manifests.Parsed("Cargo", new ArrayList<>(deps.values()), license, entries);
    }

    /** What a crate's key says of its version: the version, or where it comes from (git, path), else null. */
    private static String source(String key, String value) {
        return switch (key) {
            case "version" -> string(value);
            case "git" -> "git:" + string(value);
            case "path" -> "path:" + string(value);
            default -> null;
        };
    }

    static Manifests.Parsed pyproject(String path, String text) {
        List<Dependency> deps = new ArrayList<>();
        String license = null;
        String system = "pyproject";
        List<Manifests.Entry> entries = new ArrayList<>();
        for (Pair p : pairs(text)) {
            if (p.table.equals("project") && p.key.equals("dependencies")) {
                strings(p.value).forEach(s -> addRequirement(deps, s, "runtime", path));
            } else if (p.table.equals("project.optional-dependencies")) {
                strings(p.value).forEach(s -> addRequirement(deps, s, unquote(p.key), path));
            } else if ((p.table.equals("project") || p.table.equals("tool.poetry")) && p.key.equals("license")) {
                license = p.value.startsWith("{") ? inline(p.value, "text") : string(p.value);
            } else if (p.table.equals("project.scripts") || p.table.equals("tool.poetry.scripts")) {
                entries.add(new Manifests.Entry("python-script", unquote(p.key) + ": " + string(p.value)));
            } else if (p.table.startsWith("tool.poetry") && p.table.endsWith("dependencies") && !p.key.equals("python")) {
                String scope = p.table.equals("tool.poetry.dependencies") ? "runtime" : "dev";
                deps.add(new Dependency("pypi", unquote(p.key), cargoVersion(p.value), scope, path));
            } else if (p.table.equals("build-system") && p.key.equals("build-backend")) {
                String backend = string(p.value);
                system = backend == null ? system : backend.startsWith("poetry") ? "Poetry"
                        : backend.startsWith("hatchling") ? "Hatch" : backend.startsWith("setuptools") ? "setuptools" : system;
            }
        }
        return new Manifests.Parsed(system, deps, license, entries);
    }

    private static void addRequirement(List<Dependency> deps, String requirement, String scope, String path) {
        Dependency d = Manifests.requirement(requirement, scope, path);
        if (d != null) {
            deps.add(d);
        }
    }

    /** The pairs in order; an array value running over several lines is joined first. */
    private static List<Pair> pairs(String text) {
        List<Pair> out = new ArrayList<>();
        String table = "";
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher h = HEADER.matcher(line);
            if (line.startsWith("[") && h.matches()) {
                table = h.group(1).replaceAll("\\s", "").replace("\"", "");
                continue;
            }
            Matcher kv = KEY_VALUE.matcher(line);
            if (!kv.matches()) {
                continue;
            }
            StringBuilder value = new StringBuilder(kv.group(2));
            int depth = depth(value);
            while (depth > 0 && i + 1 < lines.length) {
                String next = lines[++i].strip();
                value.append(' ').append(next);
                depth += depth(next);
            }
            out.add(new Pair(table, kv.group(1), value.toString().strip()));
        }
        return out;
    }

    /** Open brackets minus closed ones outside strings and comments. */
    private static int depth(CharSequence s) {
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                quote = c == quote ? 0 : quote;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '#') {
                break;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                depth--;
            }
        }
        return depth;
    }

    /** "1.0" → 1.0; { version = "1.0", ... } → 1.0; { path = ".." } or { git = ".." } → that, marked. */
    private static String cargoVersion(String value) {
        if (!value.startsWith("{")) {
            return string(value);
        }
        String version = inline(value, "version");
        if (version != null) {
            return version;
        }
        String git = inline(value, "git");
        if (git != null) {
            return "git:" + git;
        }
        String local = inline(value, "path");
        return local == null ? null : "path:" + local;
    }

    private static String inline(String table, String key) {
        Matcher m = Pattern.compile("(?:^|[{,\\s])" + Pattern.quote(key) + "\\s*=\\s*(\"[^\"]*\"|'[^']*')").matcher(table);
        return m.find() ? string(m.group(1)) : null;
    }

    private static String string(String value) {
        Matcher m = STRING.matcher(value);
        return m.lookingAt() ? (m.group(1) != null ? m.group(1) : m.group(2)) : null;
    }

    /**
     * The strings of an array, left to right, as STRING reads each ("..." with backslash escapes
     * kept as written, or '...'); an unterminated one ends the array. One pass: find() with STRING
     * from every quote of an unterminated string scans to the end each time, quadratic in its length.
     */
    static List<String> strings(String array) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = array.length();
        while (i < n) {
            char c = array.charAt(i);
            if (c != '"' && c != '\'') {
                i++;
                continue;
            }
            int j = i + 1;
            while (j < n && array.charAt(j) != c) {
                j += c == '"' && array.charAt(j) == '\\' ? 2 : 1;
            }
            if (j >= n) {
                break;
            }
            out.add(array.substring(i + 1, j));
            i = j + 1;
        }
        return out;
    }

    private static String unquote(String key) {
        return key.replaceAll("^[\"']|[\"']$", "");
    }
}
