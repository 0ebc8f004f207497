/*
 * `longhaul sink files --dir D [--format jsonl|parquet] [--max-bytes N] [--max-age DURATION]`:
 * results as files in D, rotated by size and age (defaults: SinkConfig.defaults). JSON Lines
 * (FileSink, the default) hold one object per result; Parquet (ParquetFileSink) the same fields as
 * columns, each file published whole on rotation. Either way each batch is fsynced before its
 * offsets are committed, and a restart skips what the directory already holds. One sink per
 * directory (a lock file refuses a second); each format has its own default consumer group, so the
 * two can run side by side and a new format starts from the beginning of the topics.
 */
package dev.longhaul.ops.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.longhaul.schemas.Topics;
import dev.longhaul.sinks.FileSink;
import dev.longhaul.sinks.ParquetFileSink;
import dev.longhaul.sinks.ResultSink;
import dev.longhaul.sinks.SinkConfig;
import dev.longhaul.sinks.SinkRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "files", mixinStandardHelpOptions = true,
        description = "Write results to JSON Lines (results-NNNNNNNN.jsonl) or Parquet (results-NNNNNNNN.parquet) files until interrupted.")
public final class SinkFilesCommand implements Callable<Integer> {
    /** The file formats, as --format names them. */
    enum Format {
        JSONL(SinkConfig.FILES_GROUP), PARQUET(SinkConfig.PARQUET_FILES_GROUP);

        final String defaultGroup;

        Format(String defaultGroup) {
            this.defaultGroup = defaultGroup;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Directory of the files (created if missing).")
    Path dir;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "jsonl", converter = FormatConverter.class,
            description = "jsonl (one JSON object per line) or parquet (the same fields as columns). Default: ${DEFAULT-VALUE}.")
    Format format;

    @Option(names = "--max-bytes", paramLabel = "N", description = "Rotate a file once it holds N bytes. Default: 64 MiB.")
    Long maxBytes;

    @Option(names = "--max-age", paramLabel = "DURATION", converter = SinkCommand.DurationConverter.class,
            description = "Rotate a file once it has been open this long (90s, 15m, 1h, PT1H). Default: 1h.")
    Duration maxAge;

    @Option(names = "--group", paramLabel = "ID",
            description = "Consumer group; its committed offsets say what the files hold. Default: " + SinkConfig.FILES_GROUP
                    + " (jsonl), " + SinkConfig.PARQUET_FILES_GROUP + " (parquet), after the namespace outside the default one.")
    String group;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    /** The library's defaults, overridden by the options given. */
    SinkConfig config() {
        SinkConfig defaults = kafka.sinkConfig(group, format.defaultGroup);
        return defaults.withRotation(maxBytes != null ? maxBytes : defaults.maxFileBytes(),
                maxAge != null ? maxAge : defaults.maxFileAge());
    }

    @Override
    public Integer call() throws Exception {
        SinkConfig config = config();
        Topics topics = new Topics(config.namespace(), kafka.registry()); // before the sink takes the directory's lock
        ResultSink sink = format == Format.PARQUET ? new ParquetFileSink(dir, config) : new FileSink(dir, config);
        SinkRunner runner = new SinkRunner(config, topics, sink);
        var out = spec.commandLine().getOut();
        out.printf("sink files: %ssummaries and %sextractions -> %s as %s (group %s, rotate at %d bytes or %s); Ctrl-C stops%n",
                config.namespace(), config.namespace(), dir, format.label(), config.groupId(), config.maxFileBytes(), config.maxFileAge());
        out.flush();
        return SinkCommand.runUntilInterrupted(runner, out);
    }

    /** jsonl or parquet, in any case. */
    static final class FormatConverter implements CommandLine.ITypeConverter<Format> {
        @Override
        public Format convert(String value) {
            for (Format f : Format.values()) {
                if (f.label().equalsIgnoreCase(value.strip())) {
                    return f;
                }
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a file format (jsonl, parquet)");
        }
    }
}
