/*
 * Start-up progress for long commands: a fixed list of named phases, each reported once it is done
 * as `[i/N] name: what happened (elapsed s)`, elapsed measured from the end of the previous phase,
 * so the lines add up to the whole start-up. A phase may print lines of its own in between
 * (note()), e.g. model synthesis. Single-threaded.
 */
package dev.longhaul.ops.demo;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

final class Phases {
    private final List<String> names;
    private final PrintWriter out;
    private int done;
    private long since = System.nanoTime();

    Phases(List<String> names, PrintWriter out) {
        this.names = List.copyOf(names);
        this.out = out;
    }

    /** The next phase, which must be {@code name}, finished: one line with its elapsed time. */
    void done(String name, String detail) {
        if (done >= names.size() || !names.get(done).equals(name)) {
            throw new IllegalStateException("phase " + name + " out of order; expected " + (done < names.size() ? names.get(done) : "none"));
        }
        long now = System.nanoTime();
        done++;
        out.println(String.format(Locale.ROOT, "[%d/%d] %s: %s (%.1f s)", done, names.size(), name, detail, (now - since) / 1e9));
        out.flush();
        since = now;
    }

    /** A line inside the current phase, indented under the phase lines. */
    void note(String line) {
        out.println("      " + line);
        out.flush();
    }
}
