/*
 * SPDX license ids from what a repository says about its license: a license file's text, by the
 * phrases that characterise each license (not by hashing a canonical text, so reflowed or
 * lightly edited copies still match), and a manifest's license field (an SPDX id or expression,
 * a name such as "The Apache Software License, Version 2.0", or a URL). The GNU texts cannot tell
 * "-only" from "-or-later" (that grant lives in source headers), so they map to the plain version
 * ids GPL-2.0, GPL-3.0, LGPL-2.1, LGPL-3.0, AGPL-3.0. Unknown text gives null, never a guess.
 */
package dev.longhaul.pipeline.analyze.repo;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class Licenses {
    /** Known ids, keyed by lower case, for canonical spelling of ids given in metadata. */
    private static final Map<String, String> IDS = new TreeMap<>();

    static {
        for (String id : List.of("MIT", "MIT-0", "Apache-2.0", "Apache-1.1", "BSD-2-Clause", "BSD-3-Clause", "BSD-4-Clause",
                "0BSD", "GPL-2.0", "GPL-3.0", "GPL-2.0-only", "GPL-3.0-only", "GPL-2.0-or-later", "GPL-3.0-or-later",
                "LGPL-2.1", "LGPL-3.0", "LGPL-2.1-only", "LGPL-3.0-only", "LGPL-2.1-or-later", "LGPL-3.0-or-later",
                "AGPL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later", "MPL-2.0", "MPL-1.1", "ISC", "EPL-1.0", "EPL-2.0",
                "Unlicense", "CC0-1.0", "BSL-1.0", "Zlib", "Artistic-2.0", "WTFPL", "Python-2.0", "CDDL-1.0", "PostgreSQL")) {
            IDS.put(id.toLowerCase(Locale.ROOT), id);
        }
    }

    private static final String SPDX_TAG = "SPDX-License-Identifier:";
    /** An SPDX expression is short; a longer one is taken for something else. */
    private static final int MAX_EXPRESSION = 200;

    private static final Pattern OPERATOR = Pattern.compile("\\s+((?i:or|and|with))\\s+");

    private Licenses() {}

    /**
     * Is this file, by name, one that holds a license text (LICENSE, LICENSE.md, COPYING.LESSER,
     * LICENCE-MIT, LICENSE_APACHE.txt, UNLICENSE, ...)? Not a source file whose name starts so
     * (Licenses.java, LicenseManager.ts), whose license phrases are code, not its license.
     */
    static boolean isLicenseFile(String path) {
        String name = Languages.fileName(path).toLowerCase(Locale.ROOT);
        for (String ext : TEXT_EXTENSIONS) {
            if (name.endsWith(ext)) {
                name = name.substring(0, name.length() - ext.length());
                break;
            }
        }
        if (!LICENSE_NAME.matcher(name).matches()) {
            return false;
        }
        int dot = name.lastIndexOf('.');
        return dot < 0 || !CODE_EXTENSIONS.contains(name.substring(dot + 1));
    }

    /** A license word, then nothing or a suffix: LICENSE-MIT, LICENCE_APACHE-2.0, COPYING.LESSER. */
    private static final Pattern LICENSE_NAME = Pattern.compile("(?:(?:un)?licen[cs]e|copying)(?:[-_][a-z0-9.+-]+|\\.[a-z0-9+-]+)?");
    private static final List<String> TEXT_EXTENSIONS = List.of(".md", ".txt", ".rst", ".markdown", ".adoc", ".html");
    private static final Set<String> CODE_EXTENSIONS = Set.of("java", "kt", "scala", "groovy", "js", "mjs", "cjs", "ts", "tsx", "jsx",
            "py", "rb", "go", "rs", "c", "h", "cc", "cpp", "hpp", "cs", "swift", "php", "json", "xml", "yml", "yaml", "toml", "sh");

    /**
     * The expression of the first well-formed "SPDX-License-Identifier: EXPR" line (EXPR of
     * letters, digits, ".+()-" and spaces, up to the line's end or a closing comment), or null.
     * Scanned by hand, in time linear in the text: a lazy regular expression for this backtracked
     * quadratically on a long run of spaces (minutes for a crafted 64 KiB LICENSE file).
     */
    static String spdxTag(String text) {
        for (int at = text.indexOf(SPDX_TAG); at >= 0; at = text.indexOf(SPDX_TAG, at + 1)) {
            int from = at + SPDX_TAG.length();
            int eol = from; // each tag reads only its own line, so the whole scan stays linear
            while (eol < text.length() && text.charAt(eol) != '\n' && text.charAt(eol) != '\r') {
                eol++;
            }
            String rest = text.substring(from, eol);
            int close = rest.indexOf("*/");
            int html = rest.indexOf("-->");
            int end = close < 0 ? html : html < 0 ? close : Math.min(close, html);
            String expression = (end < 0 ? rest : rest.substring(0, end)).strip();
            if (!expression.isEmpty() && expression.length() <= MAX_EXPRESSION
                    && expression.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || ".+() -".indexOf(c) >= 0))) {
                return expression;
            }
        }
        return null;
    }

    /** The SPDX id a license text's characteristic phrases name, or null. */
    static String ofText(String text) {
        String t = text.toLowerCase(Locale.ROOT).replaceAll("[\\s*#]+", " ");
        String expression = spdxTag(text);
        if (expression != null) {
            String id = ofMetadata(expression);
            if (id != null) {
                return id;
            }
        }
        if (t.contains("gnu affero general public license")) {
            return "AGPL-3.0";
        }
        if (t.contains("gnu lesser general public license") || t.contains("gnu library general public license")) {
            return t.contains("version 3") ? "LGPL-3.0" : "LGPL-2.1";
        }
        if (t.contains("gnu general public license")) {
            return t.contains("version 3, 29 june 2007") || (t.contains("version 3") && !t.contains("version 2, june 1991"))
                    ? "GPL-3.0" : "GPL-2.0";
        }
        if (t.contains("apache license") && (t.contains("version 2.0") || t.contains("license-2.0"))) {
            return "Apache-2.0";
        }
        if (t.contains("mozilla public license") && (t.contains("version 2.0") || t.contains("v. 2.0"))) {
            return "MPL-2.0";
        }
        if (t.contains("eclipse public license")) {
            return t.contains("v 1.0") || t.contains("version 1.0") ? "EPL-1.0" : "EPL-2.0";
        }
        if (t.contains("this is free and unencumbered software released into the public domain")) {
            return "Unlicense";
        }
        if (t.contains("cc0 1.0 universal")) {
            return "CC0-1.0";
        }
        if (t.contains("boost software license")) {
            return "BSL-1.0";
        }
        if (t.contains("permission is hereby granted, free of charge, to any person obtaining a copy")) {
            return t.contains("the above copyright notice and this permission notice shall be included") ? "MIT" : "MIT-0";
        }
        if (t.contains("permission to use, copy, modify, and/or distribute this software for any purpose")
                || t.contains("permission to use, copy, modify, and distribute this software for any purpose with or without fee")) {
            return t.contains("the above copyright notice and this permission notice appear in all copies") ? "ISC" : "0BSD";
        }
        if (t.contains("redistribution and use in source and binary forms")) {
            if (t.contains("advertising materials")) {
                return "BSD-4-Clause";
            }
            return t.contains("neither the name") || t.contains("may be used to endorse or promote") ? "BSD-3-Clause" : "BSD-2-Clause";
        }
        if (t.contains("altered source versions must be plainly marked")) {
            return "Zlib";
        }
        return null;
    }

    /** The SPDX id or expression a manifest's license field (id, expression, name or URL) names, or null. */
    static String ofMetadata(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        String[] parts = v.split(OPERATOR.pattern());
        if (parts.length > 1) {
            StringBuilder expression = new StringBuilder();
            Matcher ops = OPERATOR.matcher(v);
            for (int i = 0; i < parts.length; i++) {
                String id = ofMetadata(parts[i].replaceAll("[()]", ""));
                if (id == null) {
                    // "GPL-2.0 with Classpath exception": not an expression of known ids; read it as a name.
                    return ofName(v.toLowerCase(Locale.ROOT));
                }
                expression.append(id);
                if (i + 1 < parts.length && ops.find()) {
                    expression.append(' ').append(ops.group(1).toUpperCase(Locale.ROOT)).append(' ');
                }
            }
            return expression.toString();
        }
        String known = IDS.get(v.toLowerCase(Locale.ROOT));
        return known != null ? known : ofName(v.toLowerCase(Locale.ROOT));
    }

    /** A license name or URL, lower case: "the apache software license, version 2.0", "https://opensource.org/licenses/mit". */
    private static String ofName(String n) {
        boolean v3 = n.matches(".*\\b(v|version |-)?3(\\.0)?\\b.*");
        boolean v2 = n.matches(".*\\b(v|version |-)?2(\\.0)?\\b.*");
        if (n.contains("apache") && (v2 || n.contains("license-2.0"))) {
            return "Apache-2.0";
        }
        if (n.contains("affero") || n.contains("agpl")) {
            return "AGPL-3.0";
        }
        if (n.contains("lesser") || n.contains("lgpl") || n.contains("library general public")) {
            return v3 ? "LGPL-3.0" : "LGPL-2.1";
        }
        if (n.contains("gpl") || n.contains("general public license")) {
            return v3 ? "GPL-3.0" : v2 ? "GPL-2.0" : null;
        }
        if (n.contains("mozilla") || n.matches(".*\\bmpl\\b.*")) { // not the "mpl" of "simplified"
            return v2 ? "MPL-2.0" : null;
        }
        if (n.contains("eclipse") || n.contains("epl")) {
            return n.contains("1.0") ? "EPL-1.0" : v2 ? "EPL-2.0" : null;
        }
        if (n.contains("bsd")) {
            if (n.contains("3") || n.contains("new") || n.contains("revised")) {
                return "BSD-3-Clause";
            }
            return n.contains("2") || n.contains("simplified") || n.contains("freebsd") ? "BSD-2-Clause" : null;
        }
        if (n.matches(".*\\bmit\\b.*")) {
            return "MIT";
        }
        if (n.matches(".*\\bisc\\b.*")) {
            return "ISC";
        }
        if (n.contains("unlicense")) {
            return "Unlicense";
        }
        if (n.contains("cc0")) {
            return "CC0-1.0";
        }
        return null;
    }
}
