/*
 * A Maven POM's direct dependencies (project/dependencies, not dependencyManagement: managed
 * versions are not declarations) as groupId:artifactId with version and scope, and its license
 * (project/licenses/license name, else URL). Versions written as ${property} are resolved from
 * the POM's own properties and project/parent versions; what stays unresolved (a property from a
 * parent) is kept as written. The parser refuses DTDs and external entities: a repository's POM
 * is untrusted input.
 */
package dev.longhaul.pipeline.analyze.repo;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;

import dev.longhaul.pipeline.analyze.repo.RepoFacts.Dependency;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;

final class MavenPom {
    private static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}");

    private MavenPom() {}

    static Manifests.Parsed parse(String path, String text) {
        Element project = read(text).getDocumentElement();
        Map<String, String> properties = new HashMap<>();
        Element props = child(project, "properties");
        if (props != null) {
            for (Element p : children(props)) {
                properties.put(p.getTagName(), p.getTextContent().strip());
            }
        }
        Element parent = child(project, "parent");
        String version = childText(project, "version");
        String parentVersion = parent == null ? null : childText(parent, "version");
        putIfPresent(properties, "project.version", version != null ? version : parentVersion);
        putIfPresent(properties, "project.parent.version", parentVersion);
        putIfPresent(properties, "project.groupId", childText(project, "groupId"));

        List<Dependency> deps = new ArrayList<>();
        Element dependencies = child(project, "dependencies");
        if (dependencies != null) {
            for (Element d : children(dependencies)) {
                if (!d.getTagName().equals("dependency")) {
                    continue;
                }
                String group = resolve(childText(d, "groupId"), properties);
                String artifact = resolve(childText(d, "artifactId"), properties);
                String scope = childText(d, "scope");
                deps.add(new Dependency("maven", group + ":" + artifact, resolve(childText(d, "version"), properties),
                        scope == null ? "compile" : scope, path));
            }
        }
        String license = null;
        Element licenses = child(project, "licenses");
        if (licenses != null) {
            for (Element l : children(licenses)) {
                String name = childText(l, "name");
                String id = Licenses.ofMetadata(name);
                license = id != null ? id : Licenses.ofMetadata(childText(l, "url"));
                if (license != null) {
                    break;
                }
            }
        }
        return new Manifests.Parsed("Maven", deps, license, List.of());
    }

    private static Document read(String text) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null);
            return builder.parse(new InputSource(new StringReader(text)));
        } catch (Exception e) {
            throw new IllegalArgumentException("not a readable POM: " + e.getMessage(), e);
        }
    }

    private static String resolve(String value, Map<String, String> properties) {
        if (value == null) {
            return null;
        }
        Matcher m = PROPERTY.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = properties.get(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(v != null && !v.contains("${") ? v : m.group()));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static void putIfPresent(Map<String, String> map, String key, String value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    private static Element child(Element parent, String tag) {
        for (Element e : children(parent)) {
            if (e.getTagName().equals(tag)) {
                return e;
            }
        }
        return null;
    }

    private static String childText(Element parent, String tag) {
        Element e = child(parent, tag);
        return e == null ? null : e.getTextContent().strip();
    }

    private static List<Element> children(Element parent) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                out.add(e);
            }
        }
        return out;
    }
}
