/*
 * Test helper: reads one sample out of Prometheus text exposition, by metric name and a subset of
 * its labels, and fails when there is none or more than one.
 */
package dev.longhaul.ops.dashboard;

import java.util.List;

final class PrometheusText {
    private PrometheusText() {
    }

    /** The value of the one sample of `name` carrying every given label ("key", "value", ...). */
    static double value(String text, String name, String... labels) {
        List<String> lines = text.lines()
                .filter(l -> !l.startsWith("#"))
                .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .filter(l -> {
                    for (int i = 0; i < labels.length; i += 2) {
                        if (!l.contains(labels[i] + "=\"" + labels[i + 1] + "\"")) {
                            return false;
                        }
                    }
                    return true;
                })
                .toList();
        if (lines.size() != 1) {
            throw new AssertionError("expected one sample of " + name + " " + List.of(labels) + ", found " + lines
                    + "\nin:\n" + text);
        }
        String line = lines.get(0);
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }
}
