/*
 * Prints what a JobFollower reports, one line per event: status changes with progress and reason,
 * then each result (summary text, extraction JSON) under its job id and task index. A summary's
 * extractive digest follows its text under a heading that says it was copied, not written.
 */
package dev.longhaul.ops.cli;

import java.io.PrintWriter;
import java.util.Locale;

import dev.longhaul.ingest.JobFollower;
import dev.longhaul.schemas.Extraction;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Summary;

final class ResultPrinter implements JobFollower.Listener {
    private final PrintWriter out;

    ResultPrinter(PrintWriter out) {
        this.out = out;
    }

    static String describe(JobStatus s) {
        String line = String.format(Locale.ROOT, "%s %s %.0f%% %d tokens", s.getJobId(), s.getState(), 100 * s.getProgress(), s.getTokensProcessed());
        return s.getReason() == null ? line : line + ": " + s.getReason();
    }

    @Override
    public void onStatus(JobStatus status) {
        out.println(describe(status));
        out.flush();
    }

    @Override
    public void onSummary(Summary s) {
        out.println(s.getJobId() + " task " + s.getTaskIndex() + " summary:");
        out.println(s.getText());
        if (!s.getDigest().isEmpty()) {
            out.println(s.getJobId() + " task " + s.getTaskIndex() + " extractive digest (sentences copied from the document):");
            out.println(s.getDigest());
        }
        out.flush();
    }

    @Override
    public void onExtraction(Extraction e) {
        out.println(e.getJobId() + " task " + e.getTaskIndex() + " extraction:");
        out.println(e.getJson());
        out.flush();
    }
}
