/*
 * `longhaul bench decode --model DIR [--other-model DIR] [--batch B] [--prompt-tokens P]
 * [--generate G] [--rounds R] [--threads N] [--json]`: the decode ratios of the engine issue
 * measured side by side (DecodeRounds): per round the copy bandwidth, batch-1 and batch-B decode
 * and, given a second checkpoint (the same weights in bf16), its batch-1 decode, back to back in
 * one process; then the median of each ratio. A table, or one JSON line with --json. The fraction
 * of the copy-bandwidth bound is left out on a GPU backend, whose bound is not the host's.
 */
package dev.longhaul.ops.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longhaul.engine.bench.DecodeRounds;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Decode ratios side by side in one run: batch B against batch 1, a second checkpoint against the first,"
                + " batch 1 against the copy-bandwidth bound, round by round.")
public final class BenchDecodeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model folder (e.g. an s model in f32).")
    Path model;

    @Option(names = "--other-model", paramLabel = "DIR",
            description = "A second model folder timed at batch 1 in every round (e.g. the same weights in bf16).")
    Path other;

    @Option(names = "--batch", defaultValue = "16", paramLabel = "B", description = "Batch size compared with batch 1. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--prompt-tokens", defaultValue = "256", paramLabel = "P",
            description = "Prompt every sequence continues. Default: ${DEFAULT-VALUE}.")
    int promptTokens;

    @Option(names = "--generate", defaultValue = "64", paramLabel = "G", description = "Tokens decoded per sequence and run. Default: ${DEFAULT-VALUE}.")
    int generate;

    @Option(names = "--rounds", defaultValue = "5", paramLabel = "R", description = "Measured rounds. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--json", description = "Print the result as one JSON line.")
    boolean json;

    @Mixin
    EngineOptions engine;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        DecodeRounds.Options o = new DecodeRounds.Options(model, other, batch, promptTokens, generate, rounds,
                engine.backendName(), engine.threads(), 42);
        // progress goes to stderr so that --json leaves one clean line on stdout
        DecodeRounds.Report report = DecodeRounds.run(o, line -> {
            err.println("bench decode: " + line);
            err.flush();
        });
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(result(o, report)));
        } else {
            printTable(out, o, report);
        }
        out.flush();
        return 0;
    }

    private static Map<String, Object> result(DecodeRounds.Options o, DecodeRounds.Report report) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", o.model().getFileName().toString());
        r.put("other_model", o.other() == null ? null : o.other().getFileName().toString());
        r.put("backend", report.backend());
        r.put("threads", o.threads());
        r.put("batch", o.batch());
        r.put("prompt_tokens", o.promptTokens());
        r.put("generate", o.generate());
        r.put("decode_weight_bytes_per_token", report.soloStepBytes());
        r.put("batch_weight_bytes_per_step", report.batchStepBytes());
        List<Map<String, Object>> rounds = new ArrayList<>();
        for (DecodeRounds.Round round : report.rounds()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("round", round.index());
            m.put("copy_bandwidth_bytes_per_s", round.copyBandwidth());
            m.put("read_bandwidth_bytes_per_s", round.readBandwidth());
            m.put("batch1_tokens_per_s", round.soloTps());
            m.put("batch_tokens_per_s", round.batchTps());
            m.put("batch_ratio", round.batchRatio());
            if (report.hostBound()) {
                m.put("batch1_fraction_of_copy_bound", report.fractionOfCopyBound(round));
                m.put("batch1_fraction_of_read_bound", report.soloFractionOfReadBound(round));
                m.put("batch_fraction_of_read_bound", report.batchFractionOfReadBound(round));
                m.put("batch_ratio_at_read_bound", report.ratioAtReadBound(round));
            }
            if (o.other() != null) {
                m.put("other_batch1_tokens_per_s", round.otherTps());
                m.put("other_ratio", round.otherRatio());
            }
            rounds.add(m);
        }
        r.put("rounds", rounds);
        r.put("batch_ratio_median", report.median(DecodeRounds.Round::batchRatio));
        if (report.hostBound()) {
            r.put("batch1_fraction_of_copy_bound_median", report.median(report::fractionOfCopyBound));
            r.put("batch_fraction_of_read_bound_median", report.median(report::batchFractionOfReadBound));
            r.put("batch_ratio_at_read_bound_median", report.median(report::ratioAtReadBound));
        }
        if (o.other() != null) {
            r.put("other_ratio_median", report.median(DecodeRounds.Round::otherRatio));
        }
        return r;
    }

    private static void printTable(PrintWriter out, DecodeRounds.Options o, DecodeRounds.Report report) {
        out.printf("model %s%s, backend %s, %d threads; prompt %d tokens, %d decoded per run; %d weight bytes per batch-1 token%n",
                o.model(), o.other() == null ? "" : " (other: " + o.other() + ")", report.backend(), o.threads(),
                o.promptTokens(), o.generate(), report.soloStepBytes());
        out.printf("%-6s %10s %10s %12s %12s %9s %10s %12s %14s%s%n", "round", "copy GB/s", "read GB/s", "b1 tok/s",
                "b" + o.batch() + " tok/s", "b" + o.batch() + "/b1", "b1/bound", "b" + o.batch() + "/read", "b" + o.batch() + "/b1 @read",
                o.other() == null ? "" : String.format(" %12s %9s", "other tok/s", "other/b1"));
        for (DecodeRounds.Round round : report.rounds()) {
            out.printf("%-6d %10.1f %10.1f %12.1f %12.1f %9.3f %10.3f %12.3f %14.3f%s%n", round.index(),
                    round.copyBandwidth() / 1e9, round.readBandwidth() / 1e9, round.soloTps(), round.batchTps(), round.batchRatio(),
                    report.hostBound() ? report.fractionOfCopyBound(round) : Double.NaN,
                    report.hostBound() ? report.batchFractionOfReadBound(round) : Double.NaN,
                    report.hostBound() ? report.ratioAtReadBound(round) : Double.NaN,
                    o.other() == null ? "" : String.format(" %12.1f %9.3f", round.otherTps(), round.otherRatio()));
        }
        out.printf("medians: b%d/b1 %.3f, b1 fraction of the host copy-bandwidth bound %.3f%s%n", o.batch(),
                report.median(DecodeRounds.Round::batchRatio),
                report.hostBound() ? report.median(report::fractionOfCopyBound) : Double.NaN,
                o.other() == null ? "" : String.format(", other/b1 %.3f", report.median(DecodeRounds.Round::otherRatio)));
    }
}
