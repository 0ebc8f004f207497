/*
 * What the demo prints while its jobs run, and its verdict. As a JobFollower listener it prints a
 * job's start, and once every task of a job has its result, one block: the job's timings (queued,
 * running, end to end, as the worker measured them) and per task the document tokens the model
 * read, the share of the document that is, the output tokens, and the beginning of the output. A
 * job that ends without success is printed with its reason. missing() then says, per job, which
 * tasks have no result; the demo succeeds only when that list is empty.
 */
package dev.longhaul.ops.demo;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.longhaul.ingest.JobFollower;
import dev.longhaul.schemas.Extraction;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Summary;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import dev.longhaul.schemas.Timings;
import dev.longhaul.schemas.Usage;

final class DemoResults implements JobFollower.Listener {
    private static final int PREVIEW_CHARS = 110;

    /** One task's result as printed: usage, timings and text, whichever topic it came from. */
    private record Result(Usage usage, Timings timings, String text) {}

    private final Map<String, DemoSamples.Sample> samples = new LinkedHashMap<>();
    private final Map<String, Long> bytes = new HashMap<>();
    private final Map<String, Map<Integer, Result>> results = new HashMap<>();
    private final Set<String> started = new HashSet<>();
    private final Set<String> reported = new HashSet<>();
    private final PrintWriter out;
    private int resultCount;

    DemoResults(PrintWriter out) {
        this.out = out;
    }

    /** A submitted job: its sample (for the task list) and its document's size. */
    void submitted(DemoSamples.Sample sample, long documentBytes) {
        samples.put(sample.jobId(), sample);
        bytes.put(sample.jobId(), documentBytes);
    }

    List<String> jobIds() {
        return List.copyOf(samples.keySet());
    }

    int resultCount() {
        return resultCount;
    }

    @Override
    public void onStatus(JobStatus s) {
        String id = s.getJobId();
        if (s.getState() == JobState.RUNNING && started.add(id)) {
            say("%s: running", id);
        } else if (JobFollower.isFinal(s.getState()) && s.getState() != JobState.SUCCEEDED && reported.add(id)) {
            say("%s: %s%s", id, s.getState(), s.getReason() == null ? "" : " (" + s.getReason() + ")");
        }
    }

    @Override
    public void onSummary(Summary s) {
        arrived(s.getJobId(), s.getTaskIndex(), new Result(s.getUsage(), s.getTimings(), s.getText()));
    }

    @Override
    public void onExtraction(Extraction e) {
        arrived(e.getJobId(), e.getTaskIndex(), new Result(e.getUsage(), e.getTimings(), e.getJson()));
    }

    private void arrived(String jobId, int taskIndex, Result result) {
        DemoSamples.Sample sample = samples.get(jobId);
        if (sample == null || results.computeIfAbsent(jobId, k -> new TreeMap<>()).put(taskIndex, result) != null) {
            return;
        }
        resultCount++;
        Map<Integer, Result> got = results.get(jobId);
        if (got.size() < sample.tasks().size() || !reported.add(jobId)) {
            return;
        }
        Timings t = got.values().iterator().next().timings();
        say("%s (%s, %s): queued %,d ms, running %,d ms, end-to-end %,d ms", jobId, sample.kind(), size(bytes.get(jobId)),
                t.getQueuedMs(), t.getRunningMs(), t.getEndToEndMs());
        for (Map.Entry<Integer, Result> r : got.entrySet()) {
            Usage u = r.getValue().usage();
            String task = r.getKey() < sample.tasks().size() ? DemoSamples.describe(sample.tasks().get(r.getKey())) : "?";
            say("  task %d %s: %,d document tokens read (%s of the document), %,d output tokens", r.getKey(), task,
                    u.getDocumentTokens(), percent(u.getDocumentShareRead()), u.getOutputTokens());
            say("    %s", preview(r.getValue().text()));
        }
    }

    /**
     * Per job, what is missing for "every task has its result": a line per missing task, with the
     * job's final state when it did not succeed. Empty when the demo did everything.
     */
    List<String> missing(JobFollower.Outcome outcome) {
        List<String> lines = new ArrayList<>();
        for (DemoSamples.Sample sample : samples.values()) {
            JobFollower.JobOutcome job = outcome.jobs().get(sample.jobId());
            JobStatus status = job == null ? null : job.status();
            String state = status == null ? "no status" : status.getState() + (status.getReason() == null ? "" : ": " + status.getReason());
            for (int i = 0; i < sample.tasks().size(); i++) {
                Task task = sample.tasks().get(i);
                boolean present = job != null && (task.getType() == TaskType.SUMMARIZE
                        ? job.summaries().containsKey(i) : job.extractions().containsKey(i));
                if (!present) {
                    lines.add(String.format(Locale.ROOT, "%s task %d (%s): no result (job %s)", sample.jobId(), i,
                            DemoSamples.describe(task), state));
                }
            }
        }
        return lines;
    }

    static String size(long bytes) {
        if (bytes >= 1 << 20) {
            return String.format(Locale.ROOT, "%.1f MB", bytes / (double) (1 << 20));
        }
        return String.format(Locale.ROOT, "%,d KB", Math.max(1, Math.round(bytes / 1024.0)));
    }

    private static String percent(double share) {
        return share >= 0.9995 ? "100%" : String.format(Locale.ROOT, share < 0.01 ? "%.2f%%" : "%.1f%%", 100 * share);
    }

    /** The output's beginning on one line: the random model writes long runs of special tokens. */
    private static String preview(String text) {
        String oneLine = text.replace("\r", "").replace("\n", "\\n");
        return oneLine.length() <= PREVIEW_CHARS ? oneLine : oneLine.substring(0, PREVIEW_CHARS) + "...";
    }

    private void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }
}
