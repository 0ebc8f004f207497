/*
 * `longhaul eval logs DIR [--json]`: runs the log template miner, in its one default
 * configuration, over every system folder of DIR (laid out like Loghub's 2k samples: NAME.log
 * beside NAME.log_structured.csv) and prints each system's grouping accuracy (GA) and parsing
 * accuracy (PA; and PA_exact, templates equal but for whitespace runs: TemplateAccuracy says why
 * PA joins wildcard runs more loosely than Loghub-2.0), then their means over the systems. The labels are the original Loghub ones
 * where present, else Loghub-2.0's corrected ones; the text output names the file used, the JSON
 * output carries it as "labels". With --json, stdout is one object:
 * {"systems": {NAME: {"ga": x, "pa": y, "pa_exact": z, "labels": FILE}}, "mean_ga": x, "mean_pa": y, "mean_pa_exact": z}.
 * Exit 0; 2 when DIR holds no labelled system.
 */
package dev.longhaul.ops.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.pipeline.analyze.logs.LogTemplateConfig;
import dev.longhaul.pipeline.analyze.logs.LoghubBenchmark;
import dev.longhaul.pipeline.analyze.logs.LoghubBenchmark.SystemResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "logs", mixinStandardHelpOptions = true,
        description = "Grouping and parsing accuracy of the log template miner on Loghub-style labelled logs.")
public final class EvalLogsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "One folder per system, e.g. ../shared/corpus/logs/loghub_2k.")
    Path dir;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "not a folder: " + dir);
        }
        List<SystemResult> results = LoghubBenchmark.run(dir, LogTemplateConfig.defaults());
        if (results.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "no system folder with NAME.log and NAME.log_structured[_corrected].csv under " + dir);
        }
        double meanGa = results.stream().mapToDouble(SystemResult::ga).average().orElseThrow();
        double meanPa = results.stream().mapToDouble(SystemResult::pa).average().orElseThrow();
        double meanPaExact = results.stream().mapToDouble(SystemResult::paExact).average().orElseThrow();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> systems = new LinkedHashMap<>();
            for (SystemResult r : results) {
                Map<String, Object> scores = new LinkedHashMap<>();
                scores.put("ga", r.ga());
                scores.put("pa", r.pa());
                scores.put("pa_exact", r.paExact());
                scores.put("labels", r.labels());
                systems.put(r.system(), scores);
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("systems", systems);
            report.put("mean_ga", meanGa);
            report.put("mean_pa", meanPa);
            report.put("mean_pa_exact", meanPaExact);
            out.println(new ObjectMapper().writeValueAsString(report));
        } else {
            out.printf("%-12s %6s %6s %8s %7s %9s  %s%n", "system", "GA", "PA", "PA_exact", "lines", "templates", "labels");
            for (SystemResult r : results) {
                out.printf(java.util.Locale.ROOT, "%-12s %6.3f %6.3f %8.3f %7d %9d  %s%n", r.system(), r.ga(), r.pa(), r.paExact(),
                        r.lines(), r.templates(), r.labels());
            }
            out.printf(java.util.Locale.ROOT, "%-12s %6.3f %6.3f %8.3f%n", "mean", meanGa, meanPa, meanPaExact);
        }
        out.flush();
        return 0;
    }
}
