/*
 * `longhaul sink postgres --jdbc URL [--user U --password P]`: results as rows of the tables
 * `summaries` and `extractions` (created if missing), one database transaction per batch, committed
 * before the batch's offsets; ON CONFLICT on (job_id, task_index) keeps exactly one row per job task.
 * The password may also come from PGPASSWORD, so that it need not appear in the process list.
 */
package dev.longhaul.ops.cli;

import java.util.concurrent.Callable;

import dev.longhaul.schemas.Topics;
import dev.longhaul.sinks.PostgresSink;
import dev.longhaul.sinks.SinkConfig;
import dev.longhaul.sinks.SinkRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "postgres", mixinStandardHelpOptions = true,
        description = "Write results to PostgreSQL tables summaries and extractions until interrupted.")
public final class SinkPostgresCommand implements Callable<Integer> {
    @Option(names = "--jdbc", required = true, paramLabel = "URL", description = "JDBC URL, e.g. jdbc:postgresql://localhost:5432/longhaul.")
    String jdbcUrl;

    @Option(names = "--user", paramLabel = "U", description = "Database user (or in the URL).")
    String user;

    @Option(names = "--password", paramLabel = "P", defaultValue = "${env:PGPASSWORD}",
            description = "Database password. Default: the PGPASSWORD environment variable.")
    String password;

    @Option(names = "--group", paramLabel = "ID",
            description = "Consumer group; its committed offsets say what the tables hold. Default: " + SinkConfig.POSTGRES_GROUP
                    + ", after the namespace outside the default one.")
    String group;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    SinkConfig config() {
        return kafka.sinkConfig(group, SinkConfig.POSTGRES_GROUP);
    }

    @Override
    public Integer call() throws Exception {
        SinkConfig config = config();
        SinkRunner runner = new SinkRunner(config, new Topics(config.namespace(), kafka.registry()),
                new PostgresSink(jdbcUrl, user, password));
        var out = spec.commandLine().getOut();
        out.printf("sink postgres: %ssummaries and %sextractions -> %s (group %s); Ctrl-C stops%n",
                config.namespace(), config.namespace(), jdbcUrl.replaceFirst("[?;].*$", "?..."), config.groupId()); // credentials may ride in the query
        out.flush();
        return SinkCommand.runUntilInterrupted(runner, out);
    }
}
