/*
 * `longhaul sink files --dir D [--max-bytes N] [--max-age DURATION]`: results as JSON Lines files in
 * D, one object per result, rotated by size and age (defaults: SinkConfig.defaults). Each batch is
 * fsynced before its offsets are committed, and a restart skips what the files already hold. One
 * sink per directory (a lock file refuses a second).
 */
package dev.longhaul.ops.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import dev.longhaul.schemas.Topics;
import dev.longhaul.sinks.FileSink;
import dev.longhaul.sinks.SinkConfig;
import dev.longhaul.sinks.SinkRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "files", mixinStandardHelpOptions = true,
        description = "Write results to JSON Lines files (results-NNNNNNNN.jsonl) until interrupted.")
public final class SinkFilesCommand implements Callable<Integer> {
    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Directory of the files (created if missing).")
    Path dir;

    @Option(names = "--max-bytes", paramLabel = "N", description = "Rotate a file once it holds N bytes. Default: 64 MiB.")
    Long maxBytes;

    @Option(names = "--max-age", paramLabel = "DURATION", converter = SinkCommand.DurationConverter.class,
            description = "Rotate a file once it has been open this long (90s, 15m, 1h, PT1H). Default: 1h.")
    Duration maxAge;

    @Option(names = "--group", paramLabel = "ID", defaultValue = SinkConfig.FILES_GROUP,
            description = "Consumer group; its committed offsets say what the files hold. Default: ${DEFAULT-VALUE}.")
    String group;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    /** The library's defaults, overridden by the options given. */
    SinkConfig config() {
        SinkConfig defaults = kafka.sinkConfig(group);
        return defaults.withRotation(maxBytes != null ? maxBytes : defaults.maxFileBytes(),
                maxAge != null ? maxAge : defaults.maxFileAge());
    }

    @Override
    public Integer call() throws Exception {
        SinkConfig config = config();
        SinkRunner runner = new SinkRunner(config, new Topics(config.namespace(), kafka.registry()), new FileSink(dir, config));
        var out = spec.commandLine().getOut();
        out.printf("sink files: %ssummaries and %sextractions -> %s (group %s, rotate at %d bytes or %s); Ctrl-C stops%n",
                config.namespace(), config.namespace(), dir, config.groupId(), config.maxFileBytes(), config.maxFileAge());
        out.flush();
        return SinkCommand.runUntilInterrupted(runner, out);
    }
}
