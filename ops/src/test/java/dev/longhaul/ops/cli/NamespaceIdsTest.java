/*
 * With the namespace taken from the environment (as every process of one deployment gets it), the
 * commands that name a Kafka id agree on it: the stack's and the pipeline's Streams application id
 * is the one whose lag the dashboard shows, the workers join the group the dashboard reads, and
 * the sinks default to groups of the namespace; none of them is the default namespace's.
 */
package dev.longhaul.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.longhaul.pipeline.worker.WorkerConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.ParseResult;

class NamespaceIdsTest {
    private static final Map<String, String> ENV = Map.of("LONGHAUL_NAMESPACE", "acme.");

    private static <T> T parse(Class<T> type, String... args) {
        ParseResult result = Longhaul.commandLine(ENV, Path.of("no-such-folder")).parseArgs(args);
        while (result.hasSubcommand()) {
            result = result.subcommand();
        }
        return assertInstanceOf(type, result.commandSpec().userObject());
    }

    @Test
    void everyCommandOfOneNamespaceAgreesOnItsIds() {
        String pipeline = "acme.longhaul-pipeline";
        assertEquals(pipeline, parse(StackCommand.class, "stack").pipelineConfig().kafka().applicationId());
        assertEquals(pipeline, parse(PipelineCommand.class, "pipeline").config().kafka().applicationId());
        assertEquals(pipeline, parse(DashboardCommand.class, "dashboard").config().pipelineApplicationId());
        WorkerCommand worker = parse(WorkerCommand.class, "worker", "--model", "m");
        assertEquals("acme.", worker.kafka.namespace);
        assertEquals("acme.longhaul-workers", WorkerConfig.groupId(worker.kafka.namespace),
                "the group the dashboard's lag probe reads (Dashboard: WorkerConfig.groupId of its topics' namespace)");
        assertEquals("acme.longhaul-sink-files", parse(SinkFilesCommand.class, "sink", "files", "--dir", "d").config().groupId());
        assertEquals("acme.longhaul-sink-postgres",
                parse(SinkPostgresCommand.class, "sink", "postgres", "--jdbc", "jdbc:postgresql://db/x").config().groupId());
    }
}
