/*
 * `longhaul sink ...`: run a result sink (files, postgres) until interrupted. Both subcommands share
 * how a sink runs in the foreground: Ctrl-C or SIGTERM stops it cleanly (the batch in hand is
 * written and its offsets committed), and it prints what it did when it stops. A sink that fails
 * (disk full, database gone) ends with status 2; its uncommitted batch is read again next time.
 */
package dev.longhaul.ops.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.longhaul.sinks.SinkRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "sink", mixinStandardHelpOptions = true,
        description = "Copy results (summaries, extractions) from Kafka to files or PostgreSQL, exactly once per job task.",
        subcommands = {SinkFilesCommand.class, SinkPostgresCommand.class})
public final class SinkCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand (files, postgres)");
    }

    /**
     * Runs the sink on this thread until a shutdown hook closes it; returns the exit status. The hook
     * waits (briefly) for the closing line too, since the JVM halts as soon as its hooks return.
     */
    static int runUntilInterrupted(SinkRunner runner, PrintWriter out) {
        CountDownLatch reported = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            runner.close();
            try {
                reported.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "longhaul-sink-shutdown"));
        try {
            runner.run();
            out.printf("sink stopped: %d results read, %d new at the destination%n", runner.received(), runner.written());
            out.flush();
            return 0;
        } finally {
            reported.countDown();
        }
    }

    /** Durations as 90s, 15m, 1h, 2d, 500ms, or ISO-8601 (PT1H30M). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h|d)");

        @Override
        public Duration convert(String value) {
            Matcher m = SHORT.matcher(value.strip().toLowerCase(Locale.ROOT));
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            try {
                return Duration.parse(value.strip());
            } catch (java.time.format.DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (e.g. 90s, 15m, 1h, PT1H30M)");
            }
        }
    }
}
